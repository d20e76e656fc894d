import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleDueDeliveries } from "../../app/models/deliveries.server";
import type { SignatureStatus } from "../../db/schema";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";

// The delivery page: officials, their logs, the next digest's preview,
// "deliver now" (racing the scheduler), and who may use it.

const DAY_MS = 86_400_000;
const SF_MAYOR = "mayor.san-francisco-ca@example.org";
const SF_SHERIFF = "sheriff.san-francisco-ca@example.org";
const NY_MAYOR = "mayor.new-york-ny@example.org";
const NY_SHERIFF = "sheriff.new-york-city-ny@example.org";
const CHICAGO_MAYOR = "mayor.chicago-il@example.org";

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let organizer: { cookie: string; organizerId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
  organizer = await signedInOrganizer(app, { email: `organizer.${randomBytes(3).toString("hex")}@partner.test` });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

async function createPetition() {
  const db = database.db;
  const organization = await db.selectFrom("organizations").select("id").where("slug", "=", "sanctuary").executeTakeFirstOrThrow();
  const slug = `admin-delivery-${randomBytes(4).toString("hex")}`;
  const title = `Petition ${slug}`;
  const petition = await db
    .insertInto("petitions")
    .values({ organization_id: organization.id, slug, status: "open", target_rule: "local", target_levels: ["city", "county"] })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("petition_translations")
    .values({ petition_id: petition.id, locale: "en", title, summary: "Protect our neighbors.", body: "Body" })
    .execute();
  return { id: petition.id, slug, title, path: `/admin/petitions/${slug}/deliveries` };
}

interface Signer {
  firstName: string;
  lastName: string;
  zip?: string;
  status?: SignatureStatus;
  flagged?: boolean;
}

const PLACES: Record<string, { city: string; state: string }> = {
  "94110": { city: "San Francisco", state: "CA" },
  "10001": { city: "New York", state: "NY" },
};

async function addSignatures(petitionId: number, signers: Signer[]): Promise<string[]> {
  const rows = signers.map((s, i) => {
    const email = `${s.firstName}.${s.lastName}.${randomBytes(3).toString("hex")}@example.com`.toLowerCase();
    const zip = s.zip ?? "94110";
    const status = s.status ?? "confirmed";
    return {
      petition_id: petitionId,
      first_name: s.firstName,
      last_name: s.lastName,
      email,
      email_normalized: email,
      postal_code: zip,
      zip5: zip,
      city: PLACES[zip]?.city ?? null,
      state: PLACES[zip]?.state ?? null,
      locale: "en" as const,
      status,
      flagged_reason: s.flagged ? "rate-limit" : null,
      confirmed_at: status === "confirmed" ? new Date(Date.now() - 60_000 + i) : null,
    };
  });
  await database.db.insertInto("signatures").values(rows).execute();
  return rows.map((r) => r.email);
}

async function targetId(email: string): Promise<number> {
  const row = await database.db.selectFrom("targets").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return row.id;
}

async function deliveriesOf(petitionId: number) {
  return database.db
    .selectFrom("deliveries as d")
    .innerJoin("targets as t", "t.id", "d.target_id")
    .select(["d.id", "d.status", "d.signature_count", "t.email"])
    .where("d.petition_id", "=", petitionId)
    .orderBy("d.id")
    .execute();
}

/** The signer names ("First Last") in a digest's CSV attachment. */
function csvSigners(mail: CapturedMail): string[] {
  const csv = mail.attachments.find((a) => a.filename?.endsWith(".csv"));
  if (!csv) throw new Error("no CSV attachment");
  const lines = csv.content.toString("utf8").replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
  return lines.slice(1).map((line) => line.split(",").slice(0, 2).join(" "));
}

/** The official's card on the delivery page. */
function card(html: string, id: number): string {
  const start = html.indexOf(`data-target-id="${id}"`);
  if (start < 0) throw new Error(`no card for official ${id}`);
  const end = html.indexOf("</li>", start);
  return html.slice(start, end);
}

const page = async (path: string, cookie = organizer.cookie) => app.get(path, { Cookie: cookie });
const post = (path: string, fields: Record<string, string>, cookie = organizer.cookie) => app.post(path, fields, { Cookie: cookie });

describe("the delivery page", () => {
  it("lists the officials who serve the signers with what waits for each, and previews the next digest", async () => {
    const petition = await createPetition();
    const emails = await addSignatures(petition.id, [
      { firstName: "Alma", lastName: "Uno" },
      { firstName: "Beto", lastName: "Dos" },
      { firstName: "Cira", lastName: "Tres" },
      { firstName: "Pepa", lastName: "Pendiente", status: "pending" },
      { firstName: "Flor", lastName: "Marcada", flagged: true },
      { firstName: "Nico", lastName: "Neoyorquino", zip: "10001" },
    ]);
    const [sfMayor, sfSheriff, nyMayor, nySheriff] = await Promise.all([SF_MAYOR, SF_SHERIFF, NY_MAYOR, NY_SHERIFF].map(targetId));

    const res = await page(petition.path);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/data-target-id="\d+"/g)).toHaveLength(4);
    expect(card(html, sfMayor)).toContain('data-undelivered="3"');
    expect(card(html, sfSheriff)).toContain('data-undelivered="3"');
    expect(card(html, nyMayor)).toContain('data-undelivered="1"');
    expect(card(html, nySheriff)).toContain('data-undelivered="1"');
    expect(card(html, sfMayor)).toContain("Nothing delivered yet.");
    expect(html).toContain('data-waiting="4"');
    for (const email of emails) expect(html).not.toContain(email);

    const preview = await page(`${petition.path}?preview=${sfMayor}`);
    expect(preview.status).toBe(200);
    const shown = await preview.text();
    expect(shown).toMatch(/3 constituents of [^<]*San Francisco signed/);
    expect(shown).toContain("Alma Uno (94110 San Francisco, CA)");
    expect(shown).toContain("Cira Tres (94110 San Francisco, CA)");
    expect(shown).toContain(SF_MAYOR);
    expect(shown).not.toContain("Pepa");
    expect(shown).not.toContain("Flor");
    expect(shown).not.toContain("Nico");
    for (const email of emails) expect(shown).not.toContain(email);

    expect((await page(`${petition.path}?preview=${await targetId(CHICAGO_MAYOR)}`)).status).toBe(404);
    expect((await page(`${petition.path}?preview=abc`)).status).toBe(400);
    expect((await page(`${petition.path}?preview=99999999999`)).status).toBe(400);
  });

  it("delivers now to one official and then to all, logs each digest, and audit-logs the clicks", async () => {
    const petition = await createPetition();
    await addSignatures(petition.id, [
      { firstName: "Dora", lastName: "Cuatro" },
      { firstName: "Elio", lastName: "Cinco" },
      { firstName: "Fina", lastName: "Seis" },
      { firstName: "Gil", lastName: "Siete", zip: "10001" },
    ]);
    const sfMayor = await targetId(SF_MAYOR);

    const one = await post(petition.path, { intent: "deliver", targetId: String(sfMayor) });
    expect(one.status).toBe(302);
    expect(one.headers.get("location")).toBe(`${petition.path}?delivered=1&signatures=3`);
    expect((await deliveriesOf(petition.id)).map((d) => [d.email, d.signature_count])).toEqual([[SF_MAYOR, 3]]);

    const [digest] = await smtp.waitFor((m) => m.to === SF_MAYOR && m.subject.includes(petition.title));
    expect(csvSigners(digest).sort()).toEqual(["Dora Cuatro", "Elio Cinco", "Fina Seis"]);
    await waitUntil(async () => (await deliveriesOf(petition.id))[0].status === "sent", 10_000, "the digest to be sent");

    const after = await page(`${petition.path}?delivered=1&signatures=3`);
    const html = await after.text();
    expect(html).toContain("Queued 1 digest with 3 signatures.");
    const mayorCard = card(html, sfMayor);
    expect(mayorCard).toContain('data-undelivered="0"');
    expect(mayorCard).toMatch(/data-status="sent"><td>[^<]+UTC<\/td><td>3<\/td><td>Sent<\/td>/);
    expect(mayorCard).toContain(`/admin/petitions/${petition.slug}/officials/${sfMayor}/export`);

    const all = await post(petition.path, { intent: "deliver-all" });
    expect(all.headers.get("location")).toBe(`${petition.path}?delivered=3&signatures=5`);
    expect((await deliveriesOf(petition.id)).map((d) => [d.email, d.signature_count]).sort()).toEqual(
      [
        [SF_MAYOR, 3],
        [SF_SHERIFF, 3],
        [NY_MAYOR, 1],
        [NY_SHERIFF, 1],
      ].sort(),
    );
    const again = await post(petition.path, { intent: "deliver-all" });
    expect(again.headers.get("location")).toBe(`${petition.path}?delivered=0&signatures=0`);
    expect(await (await page(`${petition.path}?delivered=0&signatures=0`)).text()).toContain("Nothing to deliver");

    const audit = await database.db
      .selectFrom("audit_log")
      .select(["organizer_id", "action", "subject", "details"])
      .where("subject", "=", `petition:${petition.slug}`)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => [a.organizer_id, a.action, (a.details as { scope: string }).scope])).toEqual([
      [organizer.organizerId, "delivery.deliver_now", "one"],
      [organizer.organizerId, "delivery.deliver_now", "all"],
      [organizer.organizerId, "delivery.deliver_now", "all"],
    ]);
    expect(audit.map((a) => (a.details as { signatures: number }).signatures)).toEqual([3, 5, 0]);
    expect(JSON.stringify(audit)).not.toContain("@example.com");
  });

  it("stays exactly-once when the scheduler and five 'deliver now' clicks race", async () => {
    const petition = await createPetition();
    const signers = Array.from({ length: 80 }, (_, i) => ({ firstName: `Racer${i}`, lastName: "Carrera", zip: i % 4 === 0 ? "10001" : "94110" }));
    await addSignatures(petition.id, signers);

    const [scheduled, ...clicks] = await Promise.all([
      scheduleDueDeliveries(database.db, DAY_MS),
      ...Array.from({ length: 5 }, () => post(petition.path, { intent: "deliver-all" })),
    ]);
    expect(clicks.map((r) => r.status)).toEqual([302, 302, 302, 302, 302]);

    const claims = await database.db
      .selectFrom("delivery_signatures as ds")
      .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
      .innerJoin("targets as t", "t.id", "ds.target_id")
      .select(["t.email", "ds.signature_id", sql<number>`count(*)::int`.as("n")])
      .where("d.petition_id", "=", petition.id)
      .groupBy(["t.email", "ds.signature_id"])
      .execute();
    expect(claims.filter((c) => c.n !== 1)).toEqual([]);
    const expected = { [SF_MAYOR]: 60, [SF_SHERIFF]: 60, [NY_MAYOR]: 20, [NY_SHERIFF]: 20 };
    for (const [email, n] of Object.entries(expected)) expect(claims.filter((c) => c.email === email)).toHaveLength(n);

    const deliveries = await deliveriesOf(petition.id);
    expect(deliveries.every((d) => d.signature_count > 0)).toBe(true);
    const byClicks = clicks.map((r) => Number(new URL(r.headers.get("location")!, app.url).searchParams.get("delivered")));
    // The scheduler also served other tests' petitions; the app's own scheduler may have joined the race too.
    const scheduledHere = scheduled.filter((id) => deliveries.some((d) => d.id === id));
    expect(deliveries.length).toBeGreaterThanOrEqual(scheduledHere.length + byClicks.reduce((a, b) => a + b, 0));

    await waitUntil(async () => (await deliveriesOf(petition.id)).every((d) => d.status === "sent"), 20_000, "every digest to be sent");
    for (const [email, n] of Object.entries(expected)) {
      const digests = await smtp.waitFor((m) => m.to === email && m.subject.includes(petition.title), deliveries.filter((d) => d.email === email).length);
      const listed = digests.flatMap(csvSigners);
      for (const digest of digests) expect(new Set(csvSigners(digest)).size).toBe(csvSigners(digest).length);
      expect(listed).toHaveLength(n);
      expect(new Set(listed).size).toBe(n);
    }

    const page1 = await (await page(petition.path)).text();
    expect(page1).toContain('data-waiting="0"');
  });

  it("turns a viewer away with a 403 page, hides the petition from other organizations, and sends anonymous visitors to sign in", async () => {
    const petition = await createPetition();
    await addSignatures(petition.id, [{ firstName: "Hugo", lastName: "Ocho" }]);
    const sfMayor = await targetId(SF_MAYOR);

    const viewer = await signedInOrganizer(app, { email: `viewer.${randomBytes(3).toString("hex")}@partner.test`, role: "viewer" });
    const denied = await page(petition.path, viewer.cookie);
    expect(denied.status).toBe(403);
    const deniedHtml = await denied.text();
    expect(deniedHtml).toContain("so it takes the organizer role in this petition");
    expect(deniedHtml).not.toContain("Hugo");
    const deniedPreview = await page(`${petition.path}?preview=${sfMayor}`, viewer.cookie);
    expect(deniedPreview.status).toBe(403);
    expect(await deniedPreview.text()).not.toContain("Hugo");
    expect((await post(petition.path, { intent: "deliver-all" }, viewer.cookie)).status).toBe(403);

    const other = await signedInOrganizer(app, { email: `other.${randomBytes(3).toString("hex")}@elsewhere.test`, org: "elsewhere-delivery" });
    expect((await page(petition.path, other.cookie)).status).toBe(404);
    expect((await post(petition.path, { intent: "deliver-all" }, other.cookie)).status).toBe(404);

    const anonymous = await app.get(petition.path);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/admin\/login\?next=/);
    expect((await app.post(petition.path, { intent: "deliver-all" })).status).toBe(302);

    expect(await deliveriesOf(petition.id)).toEqual([]);
  });

  it("answers bad or foreign input with a 4xx and delivers nothing", async () => {
    const petition = await createPetition();
    await addSignatures(petition.id, [{ firstName: "Ivan", lastName: "Nueve" }]);
    const chicago = await targetId(CHICAGO_MAYOR);
    expect((await post(petition.path, { intent: "bogus" })).status).toBe(400);
    expect((await post(petition.path, {})).status).toBe(400);
    expect((await post(petition.path, { intent: "deliver", targetId: "abc" })).status).toBe(400);
    expect((await post(petition.path, { intent: "deliver", targetId: "-1" })).status).toBe(400);
    expect((await post(petition.path, { intent: "deliver", targetId: "1e400" })).status).toBe(400);
    expect((await post(petition.path, { intent: "deliver", targetId: String(chicago) })).status).toBe(404);
    expect((await post(petition.path, { intent: "deliver", targetId: "2147483647" })).status).toBe(404);
    const json = await app.post(petition.path, {}, { Cookie: organizer.cookie, "Content-Type": "application/json" });
    expect(json.status).toBe(415);
    const crossSite = await app.post(petition.path, { intent: "deliver-all" }, { Cookie: organizer.cookie, Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(await deliveriesOf(petition.id)).toEqual([]);
  });
});
