import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganizerAccount } from "../../app/models/organizers.server";
import { startTestApp, type TestApp } from "../support/app";
import { formatProblems, formatViolations, launchBrowser, runAxe, waitForHydration, type TestBrowser } from "../support/browser";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { PASSWORD } from "../support/organizers";
import { confirmLink, startSmtpSink, type SmtpSink } from "../support/smtp";

// The organizer's journey in a phone-sized Chromium, on Postgres with in-process
// jobs and a real SMTP server: set a password from the one-time link, sign in,
// create a petition, watch a signature arrive on its dashboard, download the CSV.
// axe on the sign-in page, the editor and the dashboard; no console errors.

const ORGANIZER = "e2e.organizer@example.org";
const SLUG = "e2e-keep-families-together";
const TITLE = "Keep Families Together";
const SIGNER = { first: "Lucía", last: "Fernández", email: "lucia.fernandez@example.com", zip: "94110", comment: "Por nuestras familias" };

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  // Postgres, the SMTP sink and the app; Chromium starts meanwhile.
  const [prepared, launched] = await Promise.allSettled([
    (async () => {
      database = await createTestDatabase();
      smtp = await startSmtpSink();
      app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
    })(),
    launchBrowser(),
  ]);
  if (launched.status === "fulfilled") browser = launched.value;
  for (const result of [prepared, launched]) if (result.status === "rejected") throw result.reason;
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

async function expectNoViolations(page: Page, what: string) {
  const violations = await runAxe(page);
  expect(violations.length, `axe violations on ${what} (${page.url()}):\n${formatViolations(violations)}`).toBe(0);
}

function expectNoProblems() {
  expect(browser.problems, formatProblems(browser.problems)).toEqual([]);
}

/** The confirmed count on the dashboard, reloading until it shows `count` (counts may be cached for a couple of seconds). */
async function waitForConfirmed(page: Page, count: number) {
  const stat = page.locator('[data-stat="confirmed"]');
  await expect
    .poll(
      async () => {
        const shown = Number((await stat.innerText()).replace(/\D/g, ""));
        if (shown !== count) await page.reload();
        return shown;
      },
      { timeout: 10_000, interval: 500 },
    )
    .toBe(count);
}

describe("an organizer's first petition", () => {
  it("sets a password, signs in, creates a petition, sees a signature arrive and downloads the CSV", async () => {
    const { page } = browser;

    // The account, as `npm run organizer:create` makes it: a one-time link, no password yet.
    const { token } = await createOrganizerAccount(app.services.db, { email: ORGANIZER, organizationSlug: "sanctuary", role: "organizer" });
    await page.goto(`${app.url}/admin/set-password/${token}`);
    await waitForHydration(page);
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByLabel("Type it again").fill(PASSWORD);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.waitForURL("**/admin/login?set=1");

    // Sign in, after a mistyped password (one message, whatever was wrong).
    await waitForHydration(page);
    await expectNoViolations(page, "the sign-in page");
    await page.getByLabel("Email").fill(ORGANIZER);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".error-summary").innerText().catch(() => "")).toContain("do not match an account");
    await expectNoViolations(page, "the sign-in page with an error");
    // Chromium logs the action's 401 answer as a failed resource load: expected, and nothing else.
    expect(browser.problems, formatProblems(browser.problems)).toEqual([
      { kind: "console", url: expect.stringContaining("/admin/login"), text: expect.stringContaining("status of 401") },
    ]);
    browser.clearProblems();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${app.url}/admin`);
    await expect.poll(() => page.locator("h1").innerText()).toBe("Petitions");
    expect(await page.locator(".admin-who").innerText()).toContain(ORGANIZER);

    // Create the petition through the editor, opened straight away.
    await waitForHydration(page);
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "New petition" }).click();
    await page.waitForURL("**/admin/petitions/new");
    await expect.poll(() => page.locator("h1").innerText()).toBe("New petition");
    await expectNoViolations(page, "the petition editor");
    await page.getByLabel("Web address").fill(SLUG);
    await page.getByLabel("Title", { exact: true }).fill(TITLE);
    await page.getByLabel("Summary", { exact: true }).fill("Ask the city to keep ICE out of city services.");
    await page.getByLabel("Text", { exact: true }).fill("We ask the **city council** to keep families together.");
    await page.getByLabel("Goal", { exact: true }).fill("100");
    await page.getByLabel("Status").selectOption("open");
    await page.getByRole("button", { name: "Create petition" }).click();
    await page.waitForURL(`**/admin/petitions/${SLUG}/edit?saved=created`);
    await expect.poll(() => page.getByRole("status").innerText()).toContain("Petition created.");
    expect(await page.getByRole("status").getByRole("link").getAttribute("href")).toBe(`/petitions/${SLUG}`);
    await expectNoViolations(page, "the editor of the new petition");

    // Its dashboard: nothing yet.
    await page.goto(`${app.url}/admin/petitions/${SLUG}`);
    await waitForHydration(page);
    expect(await page.locator("h1").innerText()).toBe(TITLE);
    expect(await page.locator('[data-stat="confirmed"]').innerText()).toBe("0");

    // A signer signs on the public page (in another tab) and confirms from the email.
    const signer = await browser.newPage();
    await signer.goto(`${app.url}/petitions/${SLUG}`);
    await waitForHydration(signer);
    expect(await signer.locator("h1").innerText()).toBe(TITLE);
    await signer.locator("#firstName").fill(SIGNER.first);
    await signer.locator("#lastName").fill(SIGNER.last);
    await signer.locator("#email").fill(SIGNER.email);
    await signer.locator("#postalCode").fill(SIGNER.zip);
    await signer.locator("#comment").fill(SIGNER.comment);
    await signer.getByRole("button", { name: "Sign the petition" }).click();
    await signer.waitForURL(`**/petitions/${SLUG}/thanks`);
    const [mail] = await smtp.waitFor((m) => m.to === SIGNER.email);
    expect(mail.subject).toContain(TITLE);
    await signer.goto(confirmLink(mail));
    await waitForHydration(signer);
    await signer.getByRole("button", { name: "Confirm my signature" }).click();
    await expect.poll(() => signer.locator(".confirm [role=status]").innerText().catch(() => "")).toContain("Your signature is confirmed");
    await signer.close();

    // The organizer sees it arrive.
    await waitForConfirmed(page, 1);
    expect(await page.locator('[data-stat="pending"]').innerText()).toBe("0");
    expect(await page.locator('tr[data-state="CA"] td').first().innerText()).toBe("1");
    await waitForHydration(page);
    await expectNoViolations(page, "the petition dashboard");

    // The CSV from the export link: a BOM (so Excel reads the accents), the header, the signer's row.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    expect(csv.startsWith("\uFEFF")).toBe(true);
    const lines = csv.slice(1).split("\r\n").filter(Boolean);
    expect(lines[0].startsWith("First name,Last name,Email,ZIP,City,County,State,Comment,Opted in,Source,Signed at,Confirmed at")).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1].startsWith(`${SIGNER.first},${SIGNER.last},${SIGNER.email},${SIGNER.zip},San Francisco,`)).toBe(true);
    expect(lines[1]).toContain(`,CA,${SIGNER.comment},`);

    expectNoProblems();
  });
});
