import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUBSCRIBER_MAIL_LIMIT } from "../../app/models/subscribers.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { startSmtpSink, type SmtpSink } from "../support/smtp";
import { addFollower, CAMPUS, CASA, campaignId, followsOf, linkIn, preferencesPath } from "../support/subscribers";

// The preferences page and the form that sends a fresh link, on Postgres with real SMTP.

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function subscriber(id: number) {
  return database.db.selectFrom("subscribers").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** The page without its per-request CSP nonces, to compare two answers. */
async function pageOf(res: Response): Promise<string> {
  return (await res.text()).replace(/nonce="[^"]*"/g, "");
}

describe("the preferences page", () => {
  it("lists what the person follows, in the page's language, with its status, and shows no address", async () => {
    const { subscriberId, email } = await addFollower(database.db, {
      firstName: "Zenaida",
      follows: { [CAMPUS]: "confirmed", [CASA]: "unsubscribed" },
    });
    const res = await app.get(preferencesPath(subscriberId));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain('<meta name="robots" content="noindex"/>');
    expect(html).toMatch(/Sanctuary Campus Movement<\/a><\/td><td>You get its updates/);
    expect(html).toMatch(/CASA de Maryland Trust Act Campaign<\/a><\/td><td>Stopped/);
    expect(html).toContain('aria-label="Stop the updates of Sanctuary Campus Movement"');
    expect(html).toContain('aria-label="Follow again: CASA de Maryland Trust Act Campaign"');
    expect(html).not.toContain(email);
    expect(html).not.toContain("Zenaida");

    const es = await (await app.get(`${preferencesPath(subscriberId)}?lang=es`)).text();
    expect(es).toMatch(/Movimiento de Campus Santuario<\/a><\/td><td>Recibe sus novedades/);
    expect(es).toContain("Campaña de CASA de Maryland por la Ley TRUST");
  });

  it("stops one campaign, resumes it, and stops everything", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed", [CASA]: "confirmed" } });
    const path = preferencesPath(subscriberId);
    const campus = await campaignId(database.db, CAMPUS);

    const stopped = await app.post(path, { intent: "stop", campaignId: String(campus) });
    expect(stopped.status).toBe(200);
    expect(await stopped.text()).toMatch(/Saved\.[\s\S]*Sanctuary Campus Movement<\/a><\/td><td>Stopped/);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "confirmed" });

    await app.post(path, { intent: "resume", campaignId: String(campus) });
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "confirmed", [CASA]: "confirmed" });

    const all = await app.post(path, { intent: "stopAll" });
    expect(await all.text()).toContain("you will get no more updates from any campaign");
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "unsubscribed" });
  });

  it("does not resume a follow the person never confirmed", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "pending" } });
    const campus = String(await campaignId(database.db, CAMPUS));
    await app.post(preferencesPath(subscriberId), { intent: "stop", campaignId: campus });
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed" });
    const html = await (await app.get(preferencesPath(subscriberId))).text();
    expect(html).not.toContain("Follow again");
    await app.post(preferencesPath(subscriberId), { intent: "resume", campaignId: campus });
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed" });
  });

  it("changes the language of the person's emails and shows the page in it", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed" } });
    const path = preferencesPath(subscriberId);
    const res = await app.post(path, { intent: "locale", locale: "es" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${path}?lang=es`);
    expect((await subscriber(subscriberId)).locale).toBe("es");
    const html = await (await app.get(`${path}?lang=es`)).text();
    expect(html).toContain("Sus preferencias de correo");
    expect(html).toMatch(/<option value="es" lang="es" selected="">/);
  });

  it("answers bad input with a 4xx and a message, and changes nothing", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed" } });
    const path = preferencesPath(subscriberId);
    const bad = await app.post(path, { intent: "locale", locale: "fr" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Choose English or Spanish");
    const invalid: Record<string, string>[] = [{ intent: "stop", campaignId: "x" }, { intent: "delete-everything" }, {}, { intent: "stop", campaignId: "99999999999" }];
    for (const fields of invalid) {
      const res = await app.post(path, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
    }
    expect((await subscriber(subscriberId)).locale).toBe("en");
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "confirmed" });
  });

  it("answers a forged token with 404 and changes nothing", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed" } });
    const real = preferencesPath(subscriberId);
    const mac = real.split(".")[1];
    const campus = String(await campaignId(database.db, CAMPUS));
    for (const path of [`/preferences/${subscriberId + 1}.${mac}`, `/preferences/${subscriberId}.AAAAAAAAAAAAAAAAAAAAAA`, "/preferences/x", `${real}.x`]) {
      expect((await app.get(path)).status, path).toBe(404);
      expect((await app.post(path, { intent: "stop", campaignId: campus })).status, path).toBe(404);
      expect((await app.post(path, { intent: "stopAll" })).status, path).toBe(404);
    }
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "confirmed" });
  });
});

describe("asking for a fresh preferences link (/preferences)", () => {
  it("gives known and unknown addresses the same page, mails only the known one, and the link works", async () => {
    const { subscriberId, email } = await addFollower(database.db, { follows: { [CASA]: "confirmed" } });
    const form = await app.get("/preferences");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("Send me a link");

    const known = await app.post("/preferences?index", { email: email.toUpperCase() });
    const unknown = await app.post("/preferences?index", { email: "nobody.here@example.com" });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const knownPage = await pageOf(known);
    expect(knownPage).toContain("If this address follows a campaign on Sanctuary, we have sent it a link.");
    expect(await pageOf(unknown)).toBe(knownPage);

    const [mail] = await smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toBe("Your link to manage your Sanctuary emails");
    expect(mail.html).toContain("Manage my emails");
    const link = linkIn(mail.text, "/preferences/");
    expect(new URL(link).pathname).toBe(preferencesPath(subscriberId));
    const page = await app.get(new URL(link).pathname + new URL(link).search);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("CASA de Maryland Trust Act Campaign");

    await sleep(500);
    expect(smtp.messages.filter((m) => m.to === "nobody.here@example.com")).toHaveLength(0);
  });

  it("sends nothing to an address whose only follow was never confirmed", async () => {
    const { subscriberId, email } = await addFollower(database.db, { follows: { [CAMPUS]: "pending" } });
    const res = await app.post("/preferences?index", { email });
    expect(res.status).toBe(200);
    const queued = await database.db
      .selectFrom("outbox")
      .select("id")
      .where("kind", "=", "subscriber.preferences-link")
      .where(sql<string>`payload->>'subscriberId'`, "=", String(subscriberId))
      .execute();
    expect(queued).toHaveLength(0);
    await sleep(700);
    expect(smtp.messages.filter((m) => m.to === email)).toHaveLength(0);
  });

  it(`sends at most ${SUBSCRIBER_MAIL_LIMIT} links an hour to one address, and more once the hour has passed`, async () => {
    const { subscriberId, email } = await addFollower(database.db, { follows: { [CAMPUS]: "unsubscribed" } });
    for (let i = 0; i < SUBSCRIBER_MAIL_LIMIT + 3; i++) {
      const res = await app.post("/preferences?index", { email });
      expect(res.status).toBe(200);
    }
    await smtp.waitFor((m) => m.to === email, SUBSCRIBER_MAIL_LIMIT);
    await sleep(800);
    expect(smtp.messages.filter((m) => m.to === email)).toHaveLength(SUBSCRIBER_MAIL_LIMIT);

    await database.db
      .updateTable("subscribers")
      .set({ last_emailed_at: new Date(Date.now() - 61 * 60_000) })
      .where("id", "=", subscriberId)
      .execute();
    await app.post("/preferences?index", { email });
    await smtp.waitFor((m) => m.to === email, SUBSCRIBER_MAIL_LIMIT + 1);
  });

  it("writes the link email in the person's language", async () => {
    const { email } = await addFollower(database.db, { locale: "es", follows: { [CAMPUS]: "confirmed" } });
    await app.post("/preferences?index", { email });
    const [mail] = await smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toBe("Su enlace para administrar sus correos de Sanctuary");
    expect(linkIn(mail.text, "/preferences/")).toMatch(/\?lang=es$/);
  });

  it("answers an address that is not one with 422 and a message, and sends nothing", async () => {
    const before = await database.db.selectFrom("outbox").select("id").execute();
    const res = await app.post("/preferences?index", { email: "not-an-address" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter an email address like name@example.com");
    expect(html).toContain('value="not-an-address"');
    expect(await database.db.selectFrom("outbox").select("id").execute()).toHaveLength(before.length);
  });
});
