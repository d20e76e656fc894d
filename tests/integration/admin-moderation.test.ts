import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION, petitionId } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

// Moderation: hiding comments from public pages, invalidating signatures by email, domain or time (they stop counting; logged).

let database: TestDatabase;
let app: TestApp;
let organizer: { cookie: string; organizerId: number; organizationId: number };
const PAGE = `/admin/petitions/${SEEDED_PETITION}/moderation`;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  // The seeded petition belongs to the host organization, "sanctuary".
  organizer = await signedInOrganizer(app, { email: "moderator@example.org", org: "sanctuary", role: "organizer" });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function addSignature(options: { email?: string; comment?: string; createdAt?: Date; status?: "confirmed" | "pending" } = {}) {
  const email = options.email ?? `signer.${randomBytes(4).toString("hex")}@example.com`;
  const status = options.status ?? "confirmed";
  const row = await database.db
    .insertInto("signatures")
    .values({
      petition_id: await petitionId(database.db),
      first_name: "Lupe",
      last_name: "Mora",
      email,
      email_normalized: email.toLowerCase(),
      postal_code: "94110",
      zip5: "94110",
      city: "San Francisco",
      state: "CA",
      comment: options.comment ?? null,
      locale: "en",
      status,
      confirmed_at: status === "confirmed" ? sql<Date>`now()` : null,
      ...(options.createdAt ? { created_at: options.createdAt } : {}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The count as it is now (the process caches counts for 2 s; the invalidation itself must clear that cache). */
async function countNow(): Promise<number> {
  app.services.counts.clear();
  return publicCount();
}

async function publicCount(): Promise<number> {
  const res = await app.get(`/api/petitions/${SEEDED_PETITION}`);
  return ((await res.json()) as { signatureCount: number }).signatureCount;
}

const text = async (res: Response) => (await res.text()).replaceAll("<!-- -->", "");

describe("moderating comments", () => {
  it("hides a comment from the public page and shows it again", async () => {
    const marker = `Comment ${randomBytes(4).toString("hex")}`;
    const id = await addSignature({ comment: marker });
    expect(await (await app.get(`/petitions/${SEEDED_PETITION}`)).text()).toContain(marker);
    const page = await app.get(PAGE, { Cookie: organizer.cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(marker);

    const hidden = await app.post(PAGE, { intent: "hide", signatureId: String(id) }, { Cookie: organizer.cookie });
    expect(hidden.status).toBe(302);
    expect(await (await app.get(`/petitions/${SEEDED_PETITION}`)).text()).not.toContain(marker);
    expect(await (await app.get(`${PAGE}?show=hidden`, { Cookie: organizer.cookie })).text()).toContain(marker);
    const audit = await database.db.selectFrom("audit_log").select(["action", "subject"]).where("action", "=", "comment.hide").execute();
    expect(audit).toEqual([{ action: "comment.hide", subject: `signature:${id}` }]);

    await app.post(PAGE, { intent: "show", signatureId: String(id) }, { Cookie: organizer.cookie });
    expect(await (await app.get(`/petitions/${SEEDED_PETITION}`)).text()).toContain(marker);
  });

  it("refuses a signature of another petition, and bad input, with a 4xx", async () => {
    const other = await database.db.selectFrom("petitions").select("id").where("slug", "<>", SEEDED_PETITION).executeTakeFirstOrThrow();
    const email = `elsewhere.${randomBytes(3).toString("hex")}@example.com`;
    const foreign = await database.db
      .insertInto("signatures")
      .values({ petition_id: other.id, first_name: "A", last_name: "B", email, email_normalized: email, postal_code: "94110", zip5: "94110", locale: "en", comment: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect((await app.post(PAGE, { intent: "hide", signatureId: String(foreign.id) }, { Cookie: organizer.cookie })).status).toBe(404);
    expect((await app.post(PAGE, { intent: "hide", signatureId: "x" }, { Cookie: organizer.cookie })).status).toBe(422);
    expect((await app.post(PAGE, { intent: "explode" }, { Cookie: organizer.cookie })).status).toBe(422);
  });
});

describe("invalidating signatures", () => {
  it("by domain: counts first, then invalidates; the public count drops and the audit log has the domain and count", async () => {
    for (let i = 0; i < 3; i++) await addSignature({ email: `bot${i}.${randomBytes(3).toString("hex")}@spam.example` });
    await addSignature({ email: `pending.${randomBytes(3).toString("hex")}@spam.example`, status: "pending" });
    await addSignature({ email: `real.${randomBytes(3).toString("hex")}@notspam.example` });
    const before = await countNow();

    const preview = await app.post(PAGE, { intent: "preview", by: "domain", domain: "@Spam.Example" }, { Cookie: organizer.cookie });
    expect(preview.status).toBe(200);
    const html = await text(preview);
    expect(html).toContain("4 signatures match");
    expect(html).toContain("3 confirmed, 1 pending");
    expect(await publicCount()).toBe(before);

    // A count that no longer holds changes nothing.
    const stale = await app.post(PAGE, { intent: "invalidate", by: "domain", domain: "spam.example", expected: "3" }, { Cookie: organizer.cookie });
    expect(stale.status).toBe(409);
    expect(await publicCount()).toBe(before);

    const done = await app.post(PAGE, { intent: "invalidate", by: "domain", domain: "spam.example", expected: "4" }, { Cookie: organizer.cookie });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(`${PAGE}?invalidated=4`);
    expect(await publicCount()).toBe(before - 3);
    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "signatures.invalidate").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ organizer_id: organizer.organizerId, organization_id: organizer.organizationId });
    expect(audit[0].details).toMatchObject({ criterion: "domain", domain: "spam.example", count: 4, confirmed: 3 });

    // Invalidated signatures are not delivered: none of them is an undelivered candidate any more.
    const statuses = await database.db.selectFrom("signatures").select("status").where("email_normalized", "like", "%@spam.example").execute();
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set(["invalidated"]));
  });

  it("by email (only a hash of it in the audit log) and by time range", async () => {
    const email = `Someone.${randomBytes(3).toString("hex")}@Example.com`;
    await addSignature({ email });
    const before = await countNow();
    const preview = await app.post(PAGE, { intent: "preview", by: "email", email }, { Cookie: organizer.cookie });
    expect(await text(preview)).toContain("1 signature matches");
    expect((await app.post(PAGE, { intent: "invalidate", by: "email", email, expected: "1" }, { Cookie: organizer.cookie })).status).toBe(302);
    expect(await publicCount()).toBe(before - 1);
    const entry = await database.db.selectFrom("audit_log").select("details").where("action", "=", "signatures.invalidate").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ criterion: "email", count: 1 });
    expect(JSON.stringify(entry.details).toLowerCase()).not.toContain(email.toLowerCase());

    const from = new Date(Date.UTC(2020, 0, 1, 10, 0, 0));
    await addSignature({ createdAt: new Date(from.getTime() + 60_000) });
    await addSignature({ createdAt: new Date(from.getTime() + 120_000) });
    await addSignature({ createdAt: new Date(from.getTime() + 3_600_000) });
    const range = { by: "range", from: "2020-01-01T10:00", to: "2020-01-01T10:30" };
    expect(await text(await app.post(PAGE, { intent: "preview", ...range }, { Cookie: organizer.cookie }))).toContain("2 signatures match");
    expect((await app.post(PAGE, { intent: "invalidate", ...range, expected: "2" }, { Cookie: organizer.cookie })).status).toBe(302);
    // One by email out, three in the range added and two of them out.
    expect(await publicCount()).toBe(before - 1 + 3 - 2);
  });

  it("answers bad criteria with field errors and changes nothing", async () => {
    const before = await countNow();
    const noDomain = await app.post(PAGE, { intent: "preview", by: "domain", domain: "not a domain" }, { Cookie: organizer.cookie });
    expect(noDomain.status).toBe(422);
    expect(await noDomain.text()).toContain("the part after @");
    const backwards = await app.post(PAGE, { intent: "invalidate", by: "range", from: "2020-01-02T00:00", to: "2020-01-01T00:00", expected: "0" }, { Cookie: organizer.cookie });
    expect(backwards.status).toBe(422);
    expect(await backwards.text()).toContain("The end must be after the start");
    const noWay = await app.post(PAGE, { intent: "preview", by: "everything" }, { Cookie: organizer.cookie });
    expect(noWay.status).toBe(422);
    const noCount = await app.post(PAGE, { intent: "invalidate", by: "domain", domain: "example.com" }, { Cookie: organizer.cookie });
    expect(noCount.status).toBe(422);
    expect(await publicCount()).toBe(before);
  });

  it("is for organizers of the petition's organization: viewers and other organizations get a 404", async () => {
    const viewer = await signedInOrganizer(app, { email: "viewer.moderation@example.org", org: "sanctuary", role: "viewer" });
    const stranger = await signedInOrganizer(app, { email: "stranger.moderation@example.org", org: "other-org", role: "owner" });
    for (const who of [viewer, stranger]) {
      expect((await app.get(PAGE, { Cookie: who.cookie })).status).toBe(404);
      expect((await app.post(PAGE, { intent: "invalidate", by: "domain", domain: "example.com", expected: "1" }, { Cookie: who.cookie })).status).toBe(404);
    }
    expect((await app.get(PAGE)).status).toBe(302);
  });
});
