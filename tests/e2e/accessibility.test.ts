import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { formatProblems, formatViolations, launchBrowser, runAxe, waitForHydration, type TestBrowser } from "../support/browser";
import { SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";

// axe-core (WCAG 2.0/2.1 A and AA, and best practices) on the public pages a
// signer sees, in a phone-sized Chromium, in English and Spanish. Any violation fails.

let dataDir: string;
let app: TestApp;
let browser: TestBrowser;
const petitionPath = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "sanctuary-e2e-a11y-"));
  // The embedded default: PGlite in a fresh DATA_DIR, in-process jobs, the dev mailbox. Chromium starts meanwhile.
  const [started, launched] = await Promise.allSettled([
    startTestApp({ DATA_DIR: dataDir, DATABASE_URL: undefined, SMTP_URL: undefined, REDIS_URL: undefined }),
    launchBrowser(),
  ]);
  // Keep whichever started, so afterAll closes it even if the other failed.
  if (started.status === "fulfilled") app = started.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const result of [started, launched]) if (result.status === "rejected") throw result.reason;
});

// Each test answers for the console errors of its own pages only.
beforeEach(() => browser?.clearProblems());

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function open(pathname: string): Promise<Page> {
  const { page } = browser;
  const response = await page.goto(app.url + pathname);
  expect(response?.status(), pathname).toBeLessThan(400);
  await waitForHydration(page);
  return page;
}

async function expectNoViolations(page: Page, what: string) {
  const violations = await runAxe(page);
  expect(violations.length, `axe violations on ${what} (${page.url()}):\n${formatViolations(violations)}`).toBe(0);
  expect(browser.problems, formatProblems(browser.problems)).toEqual([]);
}

/** A pending signature made over HTTP, and the path of the confirm page from its email in the dev mailbox. */
async function pendingConfirmPath(lang: "en" | "es"): Promise<string> {
  const fields = signerFields();
  const res = await app.post(`${petitionPath}?lang=${lang}`, fields);
  expect(res.status).toBe(302);
  let text = "";
  await waitUntil(
    async () => {
      const row = await app.services.db
        .selectFrom("dev_mail")
        .select("text")
        .where("to_address", "=", fields.email)
        .executeTakeFirst();
      text = row?.text ?? "";
      return row !== undefined;
    },
    15_000,
    "the confirmation email",
  );
  const link = /https?:\/\/\S+\/confirm\/[\w-]+(\?lang=\w+)?/.exec(text)?.[0];
  if (!link) throw new Error("no confirmation link in the email");
  return new URL(link).pathname + new URL(link).search;
}

/** Presses Tab until the element with this id has focus, and returns how many presses it took. */
async function tabTo(page: Page, id: string, max = 40): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((target) => document.activeElement?.id === target, id)) return presses;
  }
  throw new Error(`#${id} never took focus after ${max} presses of Tab`);
}

async function focusStyle(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement;
    const style = getComputedStyle(element);
    return {
      matchesFocusVisible: element.matches(":focus-visible"),
      outlineStyle: style.outlineStyle,
      outlineWidth: parseFloat(style.outlineWidth),
      outlineColor: style.outlineColor,
    };
  });
}

describe("accessibility of the public pages (axe-core, WCAG 2.1 AA + best practices, phone size)", () => {
  it("home page", async () => {
    await expectNoViolations(await open("/"), "the home page");
  });

  it("home page in Spanish", async () => {
    const page = await open("/?lang=es");
    expect(await page.locator("html").getAttribute("lang")).toBe("es");
    await expectNoViolations(page, "the home page (es)");
  });

  for (const lang of ["en", "es"] as const) {
    it(`petition page (${lang}), before and after an invalid submission`, async () => {
      const page = await open(`${petitionPath}?lang=${lang}`);
      expect(await page.locator("html").getAttribute("lang")).toBe(lang);
      await expectNoViolations(page, `the petition page (${lang})`);

      await page.locator("#email").fill("not-an-email");
      await page.locator(".sign-form button[type=submit]").click();
      await page.locator(".error-summary").waitFor();
      await expect.poll(() => page.locator("#email").getAttribute("aria-invalid")).toBe("true");
      // Chromium logs the 422 answer as a failed resource load; expected here.
      expect(browser.problems.every((p) => p.text.includes("status of 422")), formatProblems(browser.problems)).toBe(true);
      browser.clearProblems();
      await expectNoViolations(page, `the petition page with errors (${lang})`);
    });

    it(`shows where keyboard focus is on the petition page (${lang})`, async () => {
      const page = await open(`${petitionPath}?lang=${lang}`);
      // The first Tab reaches the skip link, which then shows on screen.
      await page.keyboard.press("Tab");
      const skip = page.locator(".skip-link");
      expect(await skip.evaluate((element) => element === document.activeElement)).toBe(true);
      const box = await skip.boundingBox();
      expect(box && box.x >= 0 && box.y >= 0 && box.width > 0).toBe(true);
      expect((await focusStyle(page)).outlineStyle).not.toBe("none");

      await tabTo(page, "firstName");
      const style = await focusStyle(page);
      expect(style.matchesFocusVisible).toBe(true);
      expect(style.outlineStyle).not.toBe("none");
      expect(style.outlineWidth).toBeGreaterThanOrEqual(2);
      expect(style.outlineColor).not.toBe("rgba(0, 0, 0, 0)");
    });
  }

  it("thank-you page", async () => {
    await expectNoViolations(await open(`${petitionPath}/thanks`), "the thank-you page");
  });

  it("thank-you page in Spanish", async () => {
    await expectNoViolations(await open(`${petitionPath}/thanks?lang=es`), "the thank-you page (es)");
  });

  it("campaign page", async () => {
    const page = await open("/campaigns/sanctuary-campus-movement");
    expect(await page.locator("h1").innerText()).toContain("Sanctuary Campus");
    await expectNoViolations(page, "the campaign page");
  });

  for (const lang of ["en", "es"] as const) {
    it(`confirm page (${lang}), before and after confirming`, async () => {
      const page = await open(await pendingConfirmPath(lang));
      expect(await page.locator("html").getAttribute("lang")).toBe(lang);
      await expectNoViolations(page, `the confirm page (${lang})`);
      await page.locator(".confirm button[type=submit]").click();
      await page.locator(".confirm [role=status]").waitFor();
      await expectNoViolations(page, `the confirm page after confirming (${lang})`);
    });
  }

  it("would catch a violation (the harness is not silently passing)", async () => {
    const page = await open("/");
    await page.evaluate(() => document.getElementById("main")?.append(document.createElement("button")));
    const violations = await runAxe(page);
    expect(violations.map((v) => v.id)).toContain("button-name");
  });

  it("confirm page with a link that is not valid", async () => {
    const { page } = browser;
    const response = await page.goto(`${app.url}/confirm/not-a-real-token`);
    expect(response?.status()).toBe(404);
    await waitForHydration(page);
    // The 404 document itself is logged by Chromium as a failed load; expected here.
    expect(browser.problems.every((p) => p.text.includes("status of 404")), formatProblems(browser.problems)).toBe(true);
    browser.clearProblems();
    await expectNoViolations(page, "the confirm page for an invalid link");
  });
});
