import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashAddress } from "../../app/lib/address-hash";
import { hashToken } from "../../app/lib/tokens.server";
import { scheduleDueDeliveries } from "../../app/models/deliveries.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { petitionId, SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import { confirmLink, startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";
import { addFollower, CAMPUS, CASA, followsOf, linkIn, preferencesPath } from "../support/subscribers";

// "Delete my data": the request, the confirming email, and the erasure itself, on Postgres with real SMTP.

const OTHER_PETITION = "mayors-dontgivein-expand-sanctuary";
const SF_MAYOR = "mayor.san-francisco-ca@example.org";
const DAY_MS = 86_400_000;

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

async function count(slug: string): Promise<number> {
  // The app caches counts for 2 s; the question is what the database says now.
  app.services.counts.clear();
  const res = await app.get(`/api/petitions/${slug}`);
  return ((await res.json()) as { signatureCount: number }).signatureCount;
}

/** Signs a petition through the site and confirms it from the email, as a person does. */
async function signAndConfirm(slug: string, fields: Record<string, string>): Promise<void> {
  const before = smtp.messages.length;
  expect((await app.post(`/petitions/${slug}`, fields)).status).toBe(302);
  const [mail] = await smtp.waitFor((m) => m.to.toLowerCase() === fields.email.toLowerCase() && smtp.messages.indexOf(m) >= before);
  expect((await app.post(new URL(confirmLink(mail)).pathname, {})).status).toBe(200);
}

async function signaturesWith(emailNormalized: string) {
  return database.db.selectFrom("signatures").selectAll().where("email_normalized", "=", emailNormalized).orderBy("id").execute();
}

async function requestErasureEmail(subscriberId: number, email: string): Promise<CapturedMail> {
  const res = await app.post(preferencesPath(subscriberId), { intent: "erase" });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("Open the link in it within 24 hours");
  const [mail] = await smtp.waitFor((m) => m.to === email && m.subject === "Confirm that you want your data deleted");
  return mail;
}

describe("erasing a person's data", () => {
  it("asks by email, erases only on the link's POST, blanks every trace and keeps petition counts", async () => {
    const typed = "Erin.Borrado@Example.com";
    const normalized = "erin.borrado@example.com";
    const person = signerFields({ email: typed, firstName: "Erin", lastName: "Borrado", comment: "Protect my neighbors, please" });
    await signAndConfirm(SEEDED_PETITION, person);
    await signAndConfirm(OTHER_PETITION, { ...person, comment: "Second comment from Erin" });
    // Someone else, who must be left alone.
    const other = signerFields({ firstName: "Keep", lastName: "Listed" });
    await signAndConfirm(SEEDED_PETITION, other);
    const { subscriberId } = await addFollower(database.db, { email: normalized, firstName: "Erin", follows: { [CAMPUS]: "confirmed", [CASA]: "confirmed" } });
    const countsBefore = [await count(SEEDED_PETITION), await count(OTHER_PETITION)];
    const signed = await signaturesWith(normalized);
    expect(signed).toHaveLength(2);

    const mail = await requestErasureEmail(subscriberId, normalized);
    const link = new URL(linkIn(mail.text, "/erase/"));
    expect(mail.html).toContain(link.pathname);
    expect(mail.text).toContain("This link works once, for 24 hours.");
    const token = link.pathname.split("/erase/")[1];
    const stored = await database.db.selectFrom("erasure_tokens").select(["token_hash", "expires_at"]).where("subscriber_id", "=", subscriberId).execute();
    expect(stored.map((t) => t.token_hash)).toEqual([hashToken(token)]);
    const hoursLeft = (new Date(stored[0].expires_at).getTime() - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);

    // Opening the link (as a mail scanner would) erases nothing.
    const shown = await app.get(link.pathname + link.search);
    expect(shown.status).toBe(200);
    expect(shown.headers.get("referrer-policy")).toBe("no-referrer");
    expect(shown.headers.get("cache-control")).toBe("no-store");
    expect(await shown.text()).toMatch(/<button type="submit"[^>]*>Delete my data<\/button>/);
    expect((await database.db.selectFrom("subscribers").select("email").where("id", "=", subscriberId).executeTakeFirstOrThrow()).email).toBe(normalized);
    expect(await signaturesWith(normalized)).toHaveLength(2);

    // Say the address bounced meanwhile: erasure leaves no record of it there either.
    await database.db.insertInto("undeliverable_addresses").values({ email_hash: hashAddress(normalized), reason: "smtp 550" }).execute();
    const erased = await app.post(link.pathname + link.search, {});
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain("Your data has been deleted.");

    const subscriber = await database.db.selectFrom("subscribers").selectAll().where("id", "=", subscriberId).executeTakeFirstOrThrow();
    expect(subscriber).toMatchObject({ email: null, email_normalized: null, first_name: null, postal_code: null, zip5: null, status: "erased" });
    expect(subscriber.erased_at).not.toBeNull();
    expect(await followsOf(database.db, subscriberId)).toEqual({});
    expect(await database.db.selectFrom("erasure_tokens").select("id").where("subscriber_id", "=", subscriberId).execute()).toEqual([]);
    expect(await database.db.selectFrom("undeliverable_addresses").select("email_hash").execute()).toEqual([]);

    const blanked = await database.db
      .selectFrom("signatures")
      .selectAll()
      .where(
        "id",
        "in",
        signed.map((s) => s.id),
      )
      .orderBy("id")
      .execute();
    for (const [i, row] of blanked.entries()) {
      expect(row).toMatchObject({
        first_name: "",
        last_name: "",
        email: "",
        email_normalized: `erased:${row.id}`,
        postal_code: "",
        comment: null,
        ip_hash: null,
        status: "confirmed",
        petition_id: signed[i].petition_id,
      });
      expect(row.erased_at).not.toBeNull();
    }
    expect(await database.db.selectFrom("signature_tokens").select("id").where("signature_id", "in", signed.map((s) => s.id)).execute()).toEqual([]);
    const everything = JSON.stringify(await database.db.selectFrom("signatures").selectAll().execute()) + JSON.stringify(await database.db.selectFrom("subscribers").selectAll().execute());
    expect(everything.toLowerCase()).not.toContain("borrado");
    expect(everything).not.toContain("Protect my neighbors");
    // The other signer is untouched.
    expect((await database.db.selectFrom("signatures").select("first_name").where("email", "=", other.email).executeTakeFirstOrThrow()).first_name).toBe("Keep");
    expect([await count(SEEDED_PETITION), await count(OTHER_PETITION)]).toEqual(countsBefore);
    const petitionPage = await (await app.get(`/petitions/${SEEDED_PETITION}`)).text();
    expect(petitionPage).not.toContain("Erin");
    expect(petitionPage).toContain("Keep L.");

    // What is recorded of it says how much, not who.
    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "subscriber.erased").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toEqual({ signatures: 2, follows: 2 });
    expect(JSON.stringify(audit).toLowerCase()).not.toContain("borrado");

    // The link is used up, and the preferences page is gone.
    expect((await app.post(link.pathname, {})).status).toBe(404);
    expect((await app.get(link.pathname)).status).toBe(404);
    expect((await app.get(preferencesPath(subscriberId))).status).toBe(404);
    expect((await app.post(preferencesPath(subscriberId), { intent: "erase" })).status).toBe(404);

    // The same person can sign and follow again, as someone new.
    const before = (await signaturesWith(normalized)).length;
    expect(before).toBe(0);
    await signAndConfirm(SEEDED_PETITION, person);
    expect(await signaturesWith(normalized)).toHaveLength(1);
    expect(await count(SEEDED_PETITION)).toBe(countsBefore[0] + 1);
    const again = await addFollower(database.db, { email: typed, follows: { [CAMPUS]: "confirmed" } });
    expect(again.subscriberId).not.toBe(subscriberId);
  });

  it("leaves erased signers out of the names in officials' digests, but counts them in the total", async () => {
    const petition = await petitionId(database.db, OTHER_PETITION);
    const email = "digest.erased@example.com";
    const { subscriberId } = await addFollower(database.db, { email, follows: { [CAMPUS]: "confirmed" } });
    const rows = await database.db
      .insertInto("signatures")
      .values(
        [
          { first: "Dalia", last: "Erased", mail: email },
          { first: "Tomas", last: "Stays", mail: "tomas.stays@example.com" },
        ].map((s) => ({
          petition_id: petition,
          first_name: s.first,
          last_name: s.last,
          email: s.mail,
          email_normalized: s.mail,
          postal_code: "94110",
          zip5: "94110",
          city: "San Francisco",
          state: "CA",
          locale: "en" as const,
          status: "confirmed" as const,
          confirmed_at: sql<Date>`now()`,
        })),
      )
      .returning("id")
      .execute();
    const mail = await requestErasureEmail(subscriberId, email);
    const link = new URL(linkIn(mail.text, "/erase/"));
    expect((await app.post(link.pathname, {})).status).toBe(200);

    // Earlier signers of this petition were delivered already or are delivered now; count what this digest holds.
    await scheduleDueDeliveries(database.db, DAY_MS);
    const delivery = await database.db
      .selectFrom("delivery_signatures as ds")
      .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
      .innerJoin("targets as t", "t.id", "d.target_id")
      .select(["d.id", "d.signature_count"])
      .where("ds.signature_id", "=", rows[0].id)
      .where("t.email", "=", SF_MAYOR)
      .executeTakeFirstOrThrow();
    const [digest] = await smtp.waitFor((m) => m.to === SF_MAYOR && m.subject.includes("#DontGiveIn"));
    await waitUntil(async () => {
      const row = await database.db.selectFrom("deliveries").select("status").where("id", "=", delivery.id).executeTakeFirstOrThrow();
      return row.status === "sent";
    });
    const listedRow = await database.db
      .selectFrom("delivery_signatures as ds")
      .innerJoin("signatures as s", "s.id", "ds.signature_id")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("ds.delivery_id", "=", delivery.id)
      .where("s.erased_at", "is", null)
      .executeTakeFirstOrThrow();
    const listed = Number(listedRow.n);
    expect(listed).toBeLessThan(delivery.signature_count);
    const total = await database.db
      .selectFrom("delivery_signatures as ds")
      .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
      .innerJoin("targets as t", "t.id", "ds.target_id")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("d.petition_id", "=", petition)
      .where("t.email", "=", SF_MAYOR)
      .executeTakeFirstOrThrow();
    expect(digest.subject).toMatch(new RegExp(`^${listed} constituents? of`));
    expect(digest.text).toContain(`In total, ${Number(total.n)} constituents of yours have signed so far.`);
    expect(digest.text).toContain("Tomas Stays (94110 San Francisco, CA)");
    expect(digest.text).not.toMatch(/^- {2}\(/m);
    expect(digest.text).not.toContain("Dalia");
    const csv = digest.attachments.find((a) => a.filename?.endsWith(".csv"))!.content.toString("utf8");
    expect(csv).toContain("Tomas,Stays");
    expect(csv.split("\r\n").filter((line) => line.startsWith(",,"))).toEqual([]);
  });

  it("answers a forged or expired erasure link with 404 and erases nothing", async () => {
    const { subscriberId, email } = await addFollower(database.db, { follows: { [CASA]: "confirmed" } });
    const mail = await requestErasureEmail(subscriberId, email);
    const link = new URL(linkIn(mail.text, "/erase/"));
    for (const path of ["/erase/not-a-real-token-at-all-123456", "/erase/x", `${link.pathname}x`]) {
      expect((await app.get(path)).status, path).toBe(404);
      expect((await app.post(path, {})).status, path).toBe(404);
    }
    await database.db.updateTable("erasure_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("subscriber_id", "=", subscriberId).execute();
    const expired = await app.get(link.pathname);
    expect(expired.status).toBe(404);
    expect(await expired.text()).toContain("it was already used, it has expired");
    expect((await app.post(link.pathname, {})).status).toBe(404);
    const row = await database.db.selectFrom("subscribers").select(["email", "status"]).where("id", "=", subscriberId).executeTakeFirstOrThrow();
    expect(row).toEqual({ email, status: "active" });
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CASA]: "confirmed" });
  });
});
