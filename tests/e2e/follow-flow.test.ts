import type { Page } from "playwright-core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeEmail } from "../../app/lib/email-normalize";
import { createOrganizerAccount, setPasswordWithToken } from "../../app/models/organizers.server";
import type { FollowStatus } from "../../db/schema";
import { JOB_KINDS } from "../../jobs/outbox";
import { startTestApp, type TestApp } from "../support/app";
import { formatProblems, formatViolations, launchBrowser, runAxe, waitForHydration, type TestBrowser } from "../support/browser";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { PASSWORD } from "../support/organizers";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";
import { CAMPUS } from "../support/subscribers";

// A follower's journey in a phone-sized Chromium, on Postgres with in-process jobs and a real
// SMTP server: follow a campaign, confirm from the email, get an organizer's update once,
// leave with the mail provider's one-click POST, and get nothing more, while a second
// follower who stayed gets both updates. axe on the campaign page and the confirm page.

const CAMPAIGN_TITLE = "Sanctuary Campus Movement";
const ORGANIZER = "e2e.updates@example.org";
const LEAVER = { email: "marisol.vega@example.com", first: "Marisol" };
const STAYER = { email: "joaquin.reyes@example.com", first: "Joaquín" };
const FIRST = { title: "Teach-in on Thursday at the student union", body: "Join us at **6 pm** in room 204.\n\n- Bring a friend\n- Bring a sign" };
const SECOND = { title: "The board votes next week", body: "Call the trustees *before Tuesday*." };

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  // Postgres, the SMTP sink and the app (no REDIS_URL: jobs run in the web process); Chromium starts meanwhile.
  const [prepared, launched] = await Promise.allSettled([
    (async () => {
      database = await createTestDatabase();
      smtp = await startSmtpSink();
      app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url, REDIS_URL: undefined });
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

async function followStatus(email: string): Promise<FollowStatus | undefined> {
  const row = await database.db
    .selectFrom("follows as f")
    .innerJoin("subscribers as s", "s.id", "f.subscriber_id")
    .innerJoin("campaigns as c", "c.id", "f.campaign_id")
    .select("f.status")
    .where("s.email_normalized", "=", normalizeEmail(email))
    .where("c.slug", "=", CAMPUS)
    .executeTakeFirst();
  return row?.status;
}

const updateMails = (email: string, title: string) => (m: CapturedMail) => m.to === email && m.subject === title;

/** A header exactly as received, unfolded; undefined when absent (or repeated, which would be as wrong). */
function header(mail: CapturedMail, name: string): string | undefined {
  const lines = (mail.headerLines ?? []).filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return lines.length === 1 ? lines[0].slice(name.length + 1).trim() : undefined;
}

/** The campaign update's id and whether its fan-out and every send and job of it are finished. */
async function fanOutFinished(title: string): Promise<{ id: number; finished: boolean }> {
  const db = database.db;
  const update = await db
    .selectFrom("campaign_updates as u")
    .innerJoin("campaign_update_translations as t", (join) => join.onRef("t.update_id", "=", "u.id").on("t.locale", "=", "en"))
    .select(["u.id", "u.fanout_done_at"])
    .where("t.title", "=", title)
    .executeTakeFirstOrThrow();
  const pendingSends = await db
    .selectFrom("update_sends")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("update_id", "=", update.id)
    .where("status", "=", "pending")
    .executeTakeFirstOrThrow();
  const pendingJobs = await db
    .selectFrom("outbox")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("kind", "in", [JOB_KINDS.updateFanout, JOB_KINDS.updateBatch])
    .where("status", "=", "pending")
    .where(sql<boolean>`payload->>'updateId' = ${String(update.id)}`)
    .executeTakeFirstOrThrow();
  return { id: update.id, finished: update.fanout_done_at !== null && pendingSends.n === 0 && pendingJobs.n === 0 };
}

/** Waits until the update's fan-out is recorded as done with nothing left to send; returns its id. */
async function waitForFanOut(title: string): Promise<number> {
  let id = 0;
  await waitUntil(
    async () => {
      const state = await fanOutFinished(title);
      id = state.id;
      return state.finished;
    },
    20_000,
    `the fan-out of “${title}”`,
  );
  return id;
}

/** Follows the campaign from its page and confirms from the email, checking that opening the link alone confirms nothing. */
async function followAndConfirm(page: Page, person: { email: string; first: string }, options: { axe: boolean }) {
  await page.goto(`${app.url}/campaigns/${CAMPUS}`);
  await waitForHydration(page);
  expect(await page.locator("h1").innerText()).toBe(CAMPAIGN_TITLE);
  if (options.axe) await expectNoViolations(page, "the campaign page with its follow form");
  const form = page.locator("form.follow-form");
  await form.getByLabel("Email").fill(person.email);
  await form.getByLabel("First name (optional)").fill(person.first);
  await form.getByRole("button", { name: "Follow the campaign" }).click();
  await page.waitForURL(`**/campaigns/${CAMPUS}/following`);
  await expect.poll(() => page.locator("h1").innerText()).toBe("Almost done: check your inbox");
  expect(await page.content()).not.toContain(person.email);

  const [mail] = await smtp.waitFor((m) => m.to === person.email);
  expect(mail.subject).toBe(`Confirm that you want to follow: ${CAMPAIGN_TITLE}`);
  expect(mail.text).toContain(`Hi ${person.first},`);
  const link = /https?:\/\/\S+\/follow\/[\w.-]+(\?lang=\w+)?/.exec(mail.text)?.[0];
  expect(link, "a /follow/ link in the confirmation email").toBeDefined();
  expect(link!.startsWith(`${app.url}/follow/`)).toBe(true);

  await page.goto(link!);
  await waitForHydration(page);
  const confirm = page.getByRole("button", { name: "Yes, follow this campaign" });
  await confirm.waitFor();
  // A mail scanner opening the link must not follow on the person's behalf.
  expect(await followStatus(person.email)).toBe("pending");
  if (options.axe) await expectNoViolations(page, "the follow-confirm page");
  await confirm.click();
  await expect
    .poll(() => page.locator(".follow-confirm [role=status]").innerText().catch(() => ""))
    .toBe(`You now follow “${CAMPAIGN_TITLE}”. Its updates will come to your inbox.`);
  expect(await followStatus(person.email)).toBe("confirmed");
}

/** Writes an update at /admin/campaigns/…/updates/new, previews it and publishes it now. */
async function publish(page: Page, update: { title: string; body: string }, options: { previewShows?: string } = {}) {
  await page.goto(`${app.url}/admin/campaigns/${CAMPUS}/updates/new`);
  await waitForHydration(page);
  expect(await page.locator("h1").innerText()).toBe(`New update: ${CAMPAIGN_TITLE}`);
  await page.getByLabel("Title", { exact: true }).fill(update.title);
  await page.getByLabel("Text", { exact: true }).fill(update.body);
  await page.getByRole("button", { name: "Preview" }).click();
  const preview = page.getByRole("region", { name: "English preview" });
  await expect.poll(() => preview.locator("h3").innerText().catch(() => "")).toBe(update.title);
  if (options.previewShows) expect(await preview.locator(".prose").innerHTML()).toContain(options.previewShows);
  // The preview stores nothing.
  expect(await database.db.selectFrom("campaign_update_translations").select("update_id").where("title", "=", update.title).execute()).toEqual([]);
  expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe(update.title);
  expect(await page.getByLabel("Send now").isChecked()).toBe(true);
  await page.getByRole("button", { name: "Publish update" }).click();
  await page.waitForURL(new RegExp(`/admin/campaigns/${CAMPUS}/updates\\?published=\\d+$`));
  await expect.poll(() => page.locator(".notice[role=status]").innerText().catch(() => "")).toContain("Update published.");
}

describe("following a campaign, in a browser", () => {
  it("follows, confirms, gets an organizer's update once, leaves with one click and gets no more", async () => {
    const { page } = browser;

    // 1–2. Two visitors follow the campaign and confirm from their emails; the first is checked with axe.
    await followAndConfirm(page, LEAVER, { axe: true });
    await followAndConfirm(page, STAYER, { axe: false });
    expectNoProblems();

    // 3. An organizer signs in through the browser, writes an update, previews it and publishes it now.
    const account = await createOrganizerAccount(app.services.db, { email: ORGANIZER, organizationSlug: "sanctuary", role: "organizer" });
    await setPasswordWithToken(app.services.db, account.token, PASSWORD);
    const organizer = await browser.newPage();
    await organizer.goto(`${app.url}/admin/login`);
    await waitForHydration(organizer);
    await organizer.getByLabel("Email").fill(ORGANIZER);
    await organizer.getByLabel("Password").fill(PASSWORD);
    await organizer.getByRole("button", { name: "Sign in" }).click();
    await organizer.waitForURL(`${app.url}/admin`);
    await publish(organizer, FIRST, { previewShows: "<strong>6 pm</strong>" });

    // 4. The update reaches each follower exactly once, with the one-click unsubscribe headers.
    await smtp.waitFor(updateMails(LEAVER.email, FIRST.title));
    await smtp.waitFor(updateMails(STAYER.email, FIRST.title));
    const firstId = await waitForFanOut(FIRST.title);
    const toLeaver = smtp.messages.filter(updateMails(LEAVER.email, FIRST.title));
    expect(toLeaver).toHaveLength(1);
    expect(smtp.messages.filter(updateMails(STAYER.email, FIRST.title))).toHaveLength(1);
    const [mail] = toLeaver;
    expect(mail.text).toContain(`Hi ${LEAVER.first},`);
    // The text part carries the Markdown as written (it reads well as plain text); the HTML part renders it.
    expect(mail.text).toContain(FIRST.body);
    expect(mail.html).toContain("<strong>6 pm</strong>");
    const listUnsubscribe = header(mail, "List-Unsubscribe");
    expect(listUnsubscribe).toMatch(new RegExp(`^<${app.url.replace(/\./g, "\\.")}/unsubscribe/[\\w.-]+(\\?lang=en)?>$`));
    expect(header(mail, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const unsubscribeUrl = listUnsubscribe!.slice(1, -1);
    // The same link is in the text, for readers whose mail client shows no unsubscribe button.
    expect(mail.text).toContain(unsubscribeUrl);

    // …and shows on the campaign page (public pages may be cached for a few seconds) and in its Atom feed.
    await page.goto(`${app.url}/campaigns/${CAMPUS}`);
    const shown = page.locator(`#update-${firstId}`);
    await expect
      .poll(
        async () => {
          if ((await shown.count()) === 1) return true;
          await page.reload();
          return false;
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(true);
    expect(await shown.locator("h3").innerText()).toBe(FIRST.title);
    expect(await shown.locator(".prose strong").innerText()).toBe("6 pm");
    const feedHref = await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute("href");
    expect(feedHref).toBe(`${app.url}/campaigns/${CAMPUS}/feed?lang=en`);
    const feed = await fetch(feedHref!);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toContain("application/atom+xml");
    const atom = await feed.text();
    expect(atom).toContain(`<title type="text">${FIRST.title}</title>`);
    expect(atom).toContain(`#update-${firstId}`);

    // 5. The leaver presses "Unsubscribe" in their mail client: the provider POSTs from its own
    // servers, with no cookies and no Origin (RFC 8058).
    const unsubscribed = await fetch(unsubscribeUrl, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(unsubscribed.status, await unsubscribed.clone().text()).toBeGreaterThanOrEqual(200);
    expect(unsubscribed.status).toBeLessThan(300);
    expect(await followStatus(LEAVER.email)).toBe("unsubscribed");
    expect(await followStatus(STAYER.email)).toBe("confirmed");

    // 6. The next update reaches the one who stayed, and not the one who left.
    await publish(organizer, SECOND);
    await smtp.waitFor(updateMails(STAYER.email, SECOND.title));
    const secondId = await waitForFanOut(SECOND.title);
    expect(smtp.messages.filter(updateMails(LEAVER.email, SECOND.title))).toEqual([]);
    expect(smtp.messages.filter(updateMails(STAYER.email, SECOND.title))).toHaveLength(1);
    expect(smtp.messages.filter(updateMails(STAYER.email, FIRST.title))).toHaveLength(1);
    // Nothing else went to the leaver after the first update.
    expect(smtp.messages.filter((m) => m.to === LEAVER.email).map((m) => m.subject)).toEqual([
      `Confirm that you want to follow: ${CAMPAIGN_TITLE}`,
      FIRST.title,
    ]);
    const sends = await database.db
      .selectFrom("update_sends as us")
      .innerJoin("subscribers as s", "s.id", "us.subscriber_id")
      .select(["us.update_id", "s.email", "us.status"])
      .where("us.update_id", "in", [firstId, secondId])
      .orderBy("us.update_id")
      .orderBy("s.email")
      .execute();
    expect(sends).toEqual([
      { update_id: firstId, email: STAYER.email, status: "sent" },
      { update_id: firstId, email: LEAVER.email, status: "sent" },
      { update_id: secondId, email: STAYER.email, status: "sent" },
    ]);

    await organizer.close();
    expectNoProblems();
  });
});
