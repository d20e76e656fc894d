import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { formatProblems, formatViolations, launchBrowser, runAxe, waitForHydration, type TestBrowser } from "../support/browser";
import { waitUntil } from "../support/factories";
import { addFollower, CAMPUS, CASA, campaignId, followsOf, preferencesPath, unsubscribePath } from "../support/subscribers";

// Leaving, in a phone-sized Chromium on the embedded default (PGlite, in-process jobs, the dev
// mailbox): unsubscribe from an email's link, manage what one follows, and delete one's data.

let dataDir: string;
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "sanctuary-e2e-leave-"));
  const [started, launched] = await Promise.allSettled([
    startTestApp({ DATA_DIR: dataDir, DATABASE_URL: undefined, SMTP_URL: undefined, REDIS_URL: undefined }),
    launchBrowser(),
  ]);
  if (started.status === "fulfilled") app = started.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const result of [started, launched]) if (result.status === "rejected") throw result.reason;
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function accessible(page: Page): Promise<void> {
  const violations = await runAxe(page);
  expect(violations, formatViolations(violations)).toEqual([]);
}

describe("leaving, in a browser", () => {
  it("unsubscribes with the page's button, stops and changes language on the preferences page, and erases by email", async () => {
    const db = app.services.db;
    const { subscriberId, email } = await addFollower(db, { follows: { [CAMPUS]: "confirmed", [CASA]: "confirmed" } });
    const page = browser.page;

    await page.goto(app.url + unsubscribePath(subscriberId, await campaignId(db, CAMPUS)));
    await waitForHydration(page);
    await accessible(page);
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByText("Done: you will get no more updates of “Sanctuary Campus Movement”.").waitFor();
    expect(await followsOf(db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "confirmed" });

    await page.getByRole("link", { name: "See and change everything you follow" }).click();
    await page.getByRole("heading", { name: "Your email preferences" }).waitFor();
    await accessible(page);
    await page.getByRole("button", { name: "Stop the updates of CASA de Maryland Trust Act Campaign" }).click();
    await page.getByText("Saved.").waitFor();
    expect(await followsOf(db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "unsubscribed" });

    await page.selectOption("#locale", "es");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Sus preferencias de correo" }).waitFor();
    await page.getByRole("button", { name: "Enviarme un enlace para borrar mis datos" }).click();
    await page.getByText("Si es posible, le hemos enviado un correo").waitFor();

    let text = "";
    await waitUntil(async () => {
      const mail = await db.selectFrom("dev_mail").select("text").where("to_address", "=", email).executeTakeFirst();
      text = mail?.text ?? "";
      return Boolean(mail);
    });
    const link = /https?:\/\/\S+\/erase\/[\w-]+\?lang=es/.exec(text)?.[0];
    expect(link).toBeDefined();
    await page.goto(link!);
    await waitForHydration(page);
    await accessible(page);
    await page.getByRole("button", { name: "Borrar mis datos" }).click();
    await page.getByText("Sus datos se han borrado.").waitFor();
    const row = await db.selectFrom("subscribers").select(["status", "email"]).where("id", "=", subscriberId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "erased", email: null });
    expect((await app.get(preferencesPath(subscriberId))).status).toBe(404);
    // The erasure took the person's mail out of the dev mailbox too.
    expect(await db.selectFrom("dev_mail").select("id").where("to_address", "=", email).execute()).toEqual([]);
    expect(formatProblems(browser.problems)).toBe("");

    await page.goto(`${app.url}/preferences?lang=en`);
    await waitForHydration(page);
    await accessible(page);
    await page.fill("#email", "someone@example.com");
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByText("If this address follows a campaign on Sanctuary, we have sent it a link.").waitFor();
    expect(formatProblems(browser.problems)).toBe("");
  });
});
