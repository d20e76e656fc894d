import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSignaturesCsv, SIGNATURE_EXPORT_HEADER } from "../../app/models/export.server";
import { loadOrganizer } from "../../app/models/organizers.server";
import type { ExportFilters } from "../../app/validation/export.server";
import { longStatementPool } from "../../db/client";
import type { DB, SignatureStatus } from "../../db/schema";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

// CSV exports (per petition and per official) and the audit log, over HTTP on the real Postgres,
// and once on PGlite. Jobs do not run in these apps: no delivery scheduler touches the fixtures.

const BOM = "\uFEFF";
const HEADER = [...SIGNATURE_EXPORT_HEADER];

let database: TestDatabase;
let app: TestApp;
let organizer: Awaited<ReturnType<typeof signedInOrganizer>>;
let viewer: Awaited<ReturnType<typeof signedInOrganizer>>;
let owner: Awaited<ReturnType<typeof signedInOrganizer>>;
let outsider: Awaited<ReturnType<typeof signedInOrganizer>>;
let outsiderOwner: Awaited<ReturnType<typeof signedInOrganizer>>;
let admin: Awaited<ReturnType<typeof signedInOrganizer>>;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url }, { runJobsInProcess: false });
  organizer = await signedInOrganizer(app, { email: "exporter@example.org", role: "organizer" });
  viewer = await signedInOrganizer(app, { email: "viewer@example.org", role: "viewer" });
  owner = await signedInOrganizer(app, { email: "owner@example.org", role: "owner" });
  outsider = await signedInOrganizer(app, { email: "outsider@other.example", org: "other-org", role: "organizer" });
  outsiderOwner = await signedInOrganizer(app, { email: "boss@other.example", org: "other-org", role: "owner" });
  admin = await signedInOrganizer(app, { email: "admin@example.org", role: "admin" });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** RFC 4180: records end in CRLF; quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  if (field !== "" || record.length > 0) throw new Error(`the CSV does not end with CRLF: ${JSON.stringify(text.slice(-40))}`);
  return records;
}

/** The export as rows of named cells (after checking BOM and header). */
async function exportRows(res: Response, header: readonly string[] = HEADER): Promise<Record<string, string>[]> {
  expect(res.status).toBe(200);
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
  expect(text.startsWith(BOM)).toBe(true);
  const [head, ...rows] = parseCsv(text.slice(1));
  expect(head).toEqual(header);
  return rows.map((row) => {
    expect(row).toHaveLength(header.length);
    return Object.fromEntries(header.map((name, i) => [name, row[i]]));
  });
}

async function createPetition(db: Kysely<DB>, organizationSlug = "sanctuary") {
  const organization = await db.selectFrom("organizations").select("id").where("slug", "=", organizationSlug).executeTakeFirstOrThrow();
  const slug = `export-test-${randomBytes(4).toString("hex")}`;
  const petition = await db
    .insertInto("petitions")
    .values({ organization_id: organization.id, slug, status: "open", target_rule: "fixed" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("petition_translations").values({ petition_id: petition.id, locale: "en", title: `Petition ${slug}` }).execute();
  return { id: petition.id, slug, organizationId: organization.id };
}

interface SignerInput {
  firstName?: string;
  lastName?: string;
  email?: string;
  comment?: string | null;
  state?: string;
  city?: string;
  county?: string;
  zip?: string;
  optIn?: boolean;
  source?: string | null;
  status?: SignatureStatus;
  flaggedReason?: string | null;
  createdAt?: Date;
}

async function sign(db: Kysely<DB>, petitionId: number, input: SignerInput = {}): Promise<number> {
  const email = input.email ?? `signer.${randomBytes(5).toString("hex")}@example.com`;
  const status = input.status ?? "confirmed";
  const createdAt = input.createdAt ?? new Date("2026-11-20T12:00:00.000Z");
  const row = await db
    .insertInto("signatures")
    .values({
      petition_id: petitionId,
      first_name: input.firstName ?? "Ana",
      last_name: input.lastName ?? "López",
      email,
      email_normalized: email.toLowerCase(),
      postal_code: input.zip ?? "94110",
      zip5: (input.zip ?? "94110").slice(0, 5),
      city: input.city ?? "San Francisco",
      county: input.county ?? "San Francisco County",
      state: input.state ?? "CA",
      comment: input.comment === undefined ? null : input.comment,
      opt_in: input.optIn ?? false,
      locale: "en",
      source: input.source ?? null,
      status,
      flagged_reason: input.flaggedReason ?? null,
      created_at: createdAt,
      confirmed_at: status === "confirmed" ? new Date(createdAt.getTime() + 60_000) : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** `n` confirmed signatures in one statement. */
async function signMany(db: Kysely<DB>, petitionId: number, n: number): Promise<void> {
  await sql`
    insert into signatures (petition_id, first_name, last_name, email, email_normalized, postal_code, zip5, city, county, state,
                            locale, status, created_at, confirmed_at)
    select ${petitionId}::int, 'Bulk', 'Signer ' || i, 'bulk' || i || '@example.com', 'bulk' || i || '@example.com', '94110', '94110',
           'San Francisco', 'San Francisco County', 'CA', 'en', 'confirmed', now() - interval '1 day', now()
    from generate_series(1, ${n}::int) as i`.execute(db);
}

const exportUrl = (slug: string, query = "") => `/admin/petitions/${slug}/export${query}`;

async function auditEntries(action: string, subject: string) {
  return database.db
    .selectFrom("audit_log")
    .selectAll()
    .where("action", "=", action)
    .where("subject", "=", subject)
    .orderBy("id")
    .execute();
}

describe("GET /admin/petitions/:slug/export", () => {
  it("answers a streamed UTF-8 CSV download with a BOM, a header row and the counted signatures", async () => {
    const petition = await createPetition(database.db);
    const first = await sign(database.db, petition.id, {
      firstName: "José",
      lastName: "Müller-Nguyễn",
      email: "Jose@Example.com",
      comment: "¡Sí se puede! Đặng, Zoë, Siobhán",
      optIn: true,
      source: "newsletter",
      createdAt: new Date("2026-11-21T08:30:15.123Z"),
    });
    await sign(database.db, petition.id, { firstName: "Second" });
    await sign(database.db, petition.id, { firstName: "Pending", status: "pending" });
    await sign(database.db, petition.id, { firstName: "Flagged", flaggedReason: "rate-limit" });
    await sign(database.db, petition.id, { firstName: "Invalid", status: "invalidated" });
    expect(first).toBeGreaterThan(0);

    const res = await app.get(exportUrl(petition.slug), { Cookie: organizer.cookie });
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="${petition.slug}-signatures-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    const rows = await exportRows(res);
    expect(rows.map((row) => row["First name"])).toEqual(["José", "Second"]);
    expect(rows[0]).toEqual({
      "First name": "José",
      "Last name": "Müller-Nguyễn",
      Email: "Jose@Example.com",
      ZIP: "94110",
      City: "San Francisco",
      County: "San Francisco County",
      State: "CA",
      Comment: "¡Sí se puede! Đặng, Zoë, Siobhán",
      "Opted in": "yes",
      Source: "newsletter",
      "Signed at": "2026-11-21T08:30:15.123Z",
      "Confirmed at": "2026-11-21T08:31:15.123Z",
      Status: "confirmed",
    });
    expect(rows[1]["Opted in"]).toBe("no");
    expect(rows[1].Comment).toBe("");
  });

  it("filters by status, signing dates (UTC days, both included), state and opt-in", async () => {
    const petition = await createPetition(database.db);
    const day = (iso: string) => new Date(iso);
    await sign(database.db, petition.id, { firstName: "Early", createdAt: day("2026-11-01T00:00:00.000Z"), state: "CA", optIn: true });
    await sign(database.db, petition.id, { firstName: "Mid", createdAt: day("2026-11-10T23:59:59.999Z"), state: "NY", optIn: false });
    await sign(database.db, petition.id, { firstName: "Late", createdAt: day("2026-11-11T00:00:00.000Z"), state: "CA", optIn: false });
    await sign(database.db, petition.id, { firstName: "Waiting", status: "pending", createdAt: day("2026-11-05T10:00:00Z"), state: "CA" });
    await sign(database.db, petition.id, { firstName: "Flagged", flaggedReason: "rate-limit", createdAt: day("2026-11-05T10:00:00Z") });
    await sign(database.db, petition.id, { firstName: "Gone", status: "invalidated", createdAt: day("2026-11-05T10:00:00Z") });

    const names = async (query: string) =>
      (await exportRows(await app.get(exportUrl(petition.slug, query), { Cookie: organizer.cookie }))).map((row) => row["First name"]);
    expect(await names("")).toEqual(["Early", "Mid", "Late"]);
    expect(await names("?status=confirmed")).toEqual(["Early", "Mid", "Late"]);
    expect(await names("?status=pending")).toEqual(["Waiting"]);
    expect(await names("?status=all")).toEqual(["Early", "Mid", "Late", "Waiting", "Flagged", "Gone"]);
    expect(await names("?from=2026-11-02&to=2026-11-10")).toEqual(["Mid"]);
    expect(await names("?from=2026-11-01&to=2026-11-01")).toEqual(["Early"]);
    expect(await names("?from=2026-11-11")).toEqual(["Late"]);
    expect(await names("?to=2026-11-10")).toEqual(["Early", "Mid"]);
    expect(await names("?state=ca")).toEqual(["Early", "Late"]);
    expect(await names("?optedIn=yes")).toEqual(["Early"]);
    expect(await names("?optedIn=no&state=CA")).toEqual(["Late"]);
    expect(await names("?status=all&state=CA&from=2026-11-02")).toEqual(["Late", "Waiting", "Flagged", "Gone"]);
    expect(await names("?status=pending&optedIn=yes")).toEqual([]);
    // Empty fields (a filter form sent as GET with blanks) mean "no filter"; unknown parameters are ignored.
    expect(await names("?status=&from=&to=&state=&optedIn=&utm_source=x")).toEqual(["Early", "Mid", "Late"]);

    const all = await exportRows(await app.get(exportUrl(petition.slug, "?status=all"), { Cookie: organizer.cookie }));
    expect(Object.fromEntries(all.map((row) => [row["First name"], row.Status]))).toEqual({
      Early: "confirmed",
      Mid: "confirmed",
      Late: "confirmed",
      Waiting: "pending",
      Flagged: "confirmed (flagged: rate-limit)",
      Gone: "invalidated",
    });
  });

  it("answers a bad filter with a 400 that says what is wrong, and audits nothing", async () => {
    const petition = await createPetition(database.db);
    const cases: [string, string][] = [
      ["?status=everything", "status must be confirmed, pending or all"],
      ["?from=yesterday", "from must be a date like 2026-11-25"],
      ["?from=2026-02-30", "from must be a real date"],
      ["?to=2026-13-01", "to must be a real date"],
      ["?from=2026-11-10&to=2026-11-01", "to must be on or after from"],
      ["?state=California", "state must be a two-letter code"],
      ["?state=C1", "state must be a two-letter code"],
      ["?optedIn=maybe", "optedIn must be yes or no"],
      [`?from=${"9".repeat(5000)}`, "from must be a date"],
    ];
    for (const [query, message] of cases) {
      const res = await app.get(exportUrl(petition.slug, query), { Cookie: organizer.cookie });
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text(), query).toContain(message);
    }
    expect(await auditEntries("export.signatures", petition.slug)).toHaveLength(0);
  });

  it("neutralizes spreadsheet formulas and quotes commas, quotes and line breaks", async () => {
    const petition = await createPetition(database.db);
    const nasty = [
      { firstName: '=HYPERLINK("http://evil.example","click")', lastName: "+1", comment: "-1" },
      { firstName: "@x", lastName: "\tTabbed", comment: "\rReturn" },
      { firstName: "Smith, Jr.", lastName: 'Say "no"', comment: "line one\nline two\r\nline three" },
      { firstName: "=1+2", lastName: "Plain", comment: "=cmd|' /C calc'!A0", source: "@campaign" },
    ];
    for (const fields of nasty) await sign(database.db, petition.id, fields);
    const res = await app.get(exportUrl(petition.slug), { Cookie: organizer.cookie });
    const raw = await res.clone().text();
    const rows = await exportRows(res);
    expect(rows[0]["First name"]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(rows[0]["Last name"]).toBe("'+1");
    expect(rows[0].Comment).toBe("'-1");
    expect(rows[1]["First name"]).toBe("'@x");
    expect(rows[1]["Last name"]).toBe("'\tTabbed");
    expect(rows[1].Comment).toBe("'\rReturn");
    expect(rows[2]["First name"]).toBe("Smith, Jr.");
    expect(rows[2]["Last name"]).toBe('Say "no"');
    expect(rows[2].Comment).toBe("line one\nline two\r\nline three");
    expect(rows[3]["First name"]).toBe("'=1+2");
    expect(rows[3].Comment).toBe("'=cmd|' /C calc'!A0");
    expect(rows[3].Source).toBe("'@campaign");
    // As bytes: quoted where it must be, quotes doubled, and no cell a spreadsheet would run.
    expect(raw).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(raw).toContain(`"Smith, Jr.","Say ""no"""`);
    for (const record of parseCsv(raw.slice(1))) for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("lets organizers, owners and admins export; a viewer gets 403, another organization 404, an anonymous visitor the login page", async () => {
    const petition = await createPetition(database.db);
    await sign(database.db, petition.id);
    for (const who of [organizer, owner, admin]) {
      expect(await exportRows(await app.get(exportUrl(petition.slug), { Cookie: who.cookie }))).toHaveLength(1);
    }
    const denied = await app.get(exportUrl(petition.slug), { Cookie: viewer.cookie });
    expect(denied.status).toBe(403);
    expect(await denied.text()).not.toContain("@example.com");
    const hidden = await app.get(exportUrl(petition.slug), { Cookie: outsider.cookie });
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).not.toContain("@example.com");
    expect((await app.get(exportUrl("no-such-petition"), { Cookie: organizer.cookie })).status).toBe(404);
    const anonymous = await app.get(exportUrl(petition.slug, "?status=all"));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe(`/admin/login?next=${encodeURIComponent(exportUrl(petition.slug, "?status=all"))}`);
    // Only the three allowed exports were audited.
    expect(await auditEntries("export.signatures", petition.slug)).toHaveLength(3);
  });

  it("writes an audit entry when the export ends: who, the filters, the rows written", async () => {
    const petition = await createPetition(database.db);
    for (let i = 0; i < 3; i++) await sign(database.db, petition.id, { state: "NY" });
    await sign(database.db, petition.id, { state: "CA" });
    const before = new Date();
    const rows = await exportRows(await app.get(exportUrl(petition.slug, "?state=NY&from=2026-01-01"), { Cookie: organizer.cookie }));
    expect(rows).toHaveLength(3);
    const entries = await auditEntries("export.signatures", petition.slug);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.organizer_id).toBe(organizer.organizerId);
    expect(entry.organization_id).toBe(petition.organizationId);
    expect(entry.created_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
    expect(entry.details).toMatchObject({ filters: { status: "confirmed", state: "NY", from: "2026-01-01" }, rows: 3, outcome: "complete", format: "csv" });
    expect(JSON.stringify(entry.details)).not.toContain("@example.com");
  });

  it("streams a large export: the response starts before any row is read, rows arrive before it ends, and all 50,000 arrive", async () => {
    const petition = await createPetition(database.db);
    await signMany(database.db, petition.id, 50_000);
    // Two locks held from outside: one on signatures (no page can be read) and one on audit_log (the export cannot finish).
    const rowsLock = new pg.Client({ connectionString: database.url });
    const auditLock = new pg.Client({ connectionString: database.url });
    await rowsLock.connect();
    await auditLock.connect();
    try {
      await rowsLock.query("begin; lock table signatures in access exclusive mode");
      await auditLock.query("begin; lock table audit_log in exclusive mode");
      const res = await app.get(exportUrl(petition.slug), { Cookie: organizer.cookie });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
      let text = "";
      while (!text.endsWith("\r\n")) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        text += decoder.decode(value, { stream: true });
      }
      // The headers and the header row arrived while no signature could be read.
      expect(text).toBe(`${BOM}${HEADER.join(",")}\r\n`);

      await rowsLock.query("commit");
      const rssBefore = process.memoryUsage().rss;
      let peakRss = rssBefore;
      let records = 0;
      let last = "";
      while (records < 50_000) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        const chunk = decoder.decode(value, { stream: true });
        // A CRLF may straddle two chunks.
        records += ((last + chunk).match(/\r\n/g) ?? []).length;
        last = chunk.slice(-1);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      // Every row is here, and the response has not ended: it is still waiting to write its audit entry.
      expect(records).toBe(50_000);
      expect(await auditEntries("export.signatures", petition.slug)).toHaveLength(0);
      await auditLock.query("commit");
      const rest = await reader.read();
      expect(rest.done).toBe(true);
      // Client and server share this process: a buffered 50,000-row export would show here; a stream barely does.
      expect(peakRss - rssBefore).toBeLessThan(100 * 1024 * 1024);
      const [entry] = await auditEntries("export.signatures", petition.slug);
      expect(entry.details).toMatchObject({ rows: 50_000, outcome: "complete" });
    } finally {
      await rowsLock.query("rollback").catch(() => undefined);
      await auditLock.query("rollback").catch(() => undefined);
      await rowsLock.end();
      await auditLock.end();
    }
  });

  it("audits what was sent when the client goes away mid-export", async () => {
    const petition = await createPetition(database.db);
    await signMany(database.db, petition.id, 5_000);
    const lock = new pg.Client({ connectionString: database.url });
    await lock.connect();
    try {
      await lock.query("begin; lock table signatures in access exclusive mode");
      const controller = new AbortController();
      const res = await fetch(app.url + exportUrl(petition.slug), { headers: { Cookie: organizer.cookie }, signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => undefined);
      // Audited as soon as the server sees the client leave, with the rows sent by then (none: no page could be read).
      await waitUntil(async () => (await auditEntries("export.signatures", petition.slug)).length > 0, 10_000, "the audit entry");
      await lock.query("commit");
      const [entry] = await auditEntries("export.signatures", petition.slug);
      expect(entry.details).toMatchObject({ rows: 0, outcome: "aborted" });
    } finally {
      await lock.query("rollback").catch(() => undefined);
      await lock.end();
    }
  });

  it("reads page by page as the consumer pulls, and audits the rows handed over when it is cancelled", async () => {
    const petition = await createPetition(database.db);
    await signMany(database.db, petition.id, 1_000);
    const account = (await loadOrganizer(database.db, organizer.organizerId))!;
    const scoped = { id: petition.id, slug: petition.slug, status: "open", goal: 0, organizationId: petition.organizationId, campaignId: null, title: "" };
    const stream = exportSignaturesCsv(database.db, { organizer: account, petition: scoped, filters: { status: "confirmed" }, pageRows: 100 });
    const reader = stream.getReader();
    const header = await reader.read();
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(header.value)).toContain("First name,Last name,Email");
    const page = await reader.read();
    expect(new TextDecoder().decode(page.value).split("\r\n").length - 1).toBe(100);
    await reader.cancel();
    const [entry] = await auditEntries("export.signatures", petition.slug);
    // The page read plus at most the one read ahead: not the 1,000 a buffered export would have fetched.
    expect(entry.details).toMatchObject({ outcome: "aborted" });
    expect((entry.details as { rows: number }).rows).toBeGreaterThanOrEqual(100);
    expect((entry.details as { rows: number }).rows).toBeLessThanOrEqual(200);
  });
});

describe("GET /admin/petitions/:slug/officials/:targetId/export", () => {
  async function createTarget(db: Kysely<DB>, name: string, organizationId: number | null) {
    const row = await db
      .insertInto("targets")
      .values({ organization_id: organizationId, name, office: "Mayor", level: "city", jurisdiction: `Testville ${randomBytes(3).toString("hex")}`, state: "CA", email: `${name.replace(/\W/g, "")}@example.org` })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function deliver(db: Kysely<DB>, petitionId: number, targetId: number, signatureIds: number[], status: "sent" | "pending" | "failed") {
    const delivery = await db
      .insertInto("deliveries")
      .values({
        petition_id: petitionId,
        target_id: targetId,
        status,
        signature_count: signatureIds.length,
        sent_at: status === "sent" ? new Date("2026-11-22T09:00:00.000Z") : null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("delivery_signatures")
      .values(signatureIds.map((signatureId) => ({ target_id: targetId, signature_id: signatureId, delivery_id: delivery.id })))
      .execute();
    return delivery.id;
  }

  it("lists what the sent digests delivered to that official, and nothing delivered to others or still unsent", async () => {
    const petition = await createPetition(database.db);
    const other = await createPetition(database.db);
    const mayor = await createTarget(database.db, "Mayor One", petition.organizationId);
    const sheriff = await createTarget(database.db, "Sheriff Two", null);
    const [a, b, c, d] = [
      await sign(database.db, petition.id, { firstName: "Alma", comment: "=1+1" }),
      await sign(database.db, petition.id, { firstName: "Bea" }),
      await sign(database.db, petition.id, { firstName: "Cruz" }),
      await sign(database.db, petition.id, { firstName: "Dani" }),
    ];
    const elsewhere = await sign(database.db, other.id, { firstName: "Other petition" });
    const sent = await deliver(database.db, petition.id, mayor, [a, b], "sent");
    await deliver(database.db, petition.id, sheriff, [c], "sent");
    await deliver(database.db, petition.id, mayor, [d], "pending");
    await deliver(database.db, other.id, mayor, [elsewhere], "sent");

    const url = `/admin/petitions/${petition.slug}/officials/${mayor}/export`;
    const res = await app.get(url, { Cookie: organizer.cookie });
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="${petition.slug}-official-${mayor}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    const rows = await exportRows(res, ["Delivery", "Delivered at", ...HEADER]);
    expect(rows.map((row) => row["First name"])).toEqual(["Alma", "Bea"]);
    expect(rows[0]).toMatchObject({ Delivery: String(sent), "Delivered at": "2026-11-22T09:00:00.000Z", Comment: "'=1+1", Status: "confirmed" });

    const sheriffRows = await exportRows(await app.get(`/admin/petitions/${petition.slug}/officials/${sheriff}/export`, { Cookie: owner.cookie }), [
      "Delivery",
      "Delivered at",
      ...HEADER,
    ]);
    expect(sheriffRows.map((row) => row["First name"])).toEqual(["Cruz"]);

    const [entry] = await auditEntries("export.delivered", petition.slug);
    expect(entry.organizer_id).toBe(organizer.organizerId);
    expect(entry.details).toMatchObject({ targetId: mayor, rows: 2, outcome: "complete" });
  });

  it("answers 403 to a viewer, 404 for another organization, an unknown or malformed official, and another organization's official", async () => {
    const petition = await createPetition(database.db);
    const mayor = await createTarget(database.db, "Mayor Three", petition.organizationId);
    const otherOrg = await database.db.selectFrom("organizations").select("id").where("slug", "=", "other-org").executeTakeFirstOrThrow();
    const foreign = await createTarget(database.db, "Foreign Official", otherOrg.id);
    const url = (target: string | number, slug = petition.slug) => `/admin/petitions/${slug}/officials/${target}/export`;
    expect((await app.get(url(mayor), { Cookie: viewer.cookie })).status).toBe(403);
    expect((await app.get(url(mayor), { Cookie: outsider.cookie })).status).toBe(404);
    expect((await app.get(url(foreign), { Cookie: organizer.cookie })).status).toBe(404);
    for (const bad of ["999999", "abc", "1e3", "-1", "0", "99999999999999999999"]) {
      expect((await app.get(url(bad), { Cookie: organizer.cookie })).status, bad).toBe(404);
    }
    expect((await app.get(url(mayor))).status).toBe(302);
    const empty = await exportRows(await app.get(url(mayor), { Cookie: organizer.cookie }), ["Delivery", "Delivered at", ...HEADER]);
    expect(empty).toEqual([]);
  });
});

describe("export by COPY on Postgres", () => {
  const longPool = () => longStatementPool(app.services.db)!;
  /** Export connections checked out (not idle) right now. */
  const exportConnectionsInUse = () => longPool().totalCount - longPool().idleCount;
  /** This database's export backends that are running or waiting on a statement. */
  async function busyExportBackends(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'sanctuary-long' and state <> 'idle'`.execute(database.db);
    return rows[0].n;
  }
  const scoped = (petition: { id: number; slug: string; organizationId: number }) => ({ ...petition, status: "open", goal: 0, campaignId: null, title: "" });

  it("writes the same bytes as the page-by-page export, for every cell a spreadsheet or a CSV reader could trip on", async () => {
    const petition = await createPetition(database.db);
    const tricky = [
      "",
      "plain",
      " leading space",
      "'already quoted",
      "=SUM(A1:A9)",
      "+1",
      "-",
      "@here",
      "\tTab",
      "\rCR",
      "\nLF first",
      "line one\nline two",
      "crlf\r\ninside",
      "trailing LF\n",
      '"',
      '""',
      'say "no"',
      ",",
      "a,b",
      "\\.",
      "back\\slash",
      "Zoë Đặng ¡Sí!",
      "=",
      "x=1",
    ];
    const n = tricky.length;
    for (let i = 0; i < n; i++) {
      const at = (k: number) => tricky[(i + k) % n];
      await sign(database.db, petition.id, {
        firstName: at(0),
        lastName: at(1),
        email: `${at(2)}#${i}@example.com`,
        zip: at(3),
        city: at(4),
        county: at(5),
        state: at(6),
        comment: i % 5 === 0 ? null : at(7),
        source: i % 4 === 0 ? null : at(8),
        optIn: i % 2 === 0,
        status: i % 7 === 3 ? "pending" : "confirmed",
        flaggedReason: i % 6 === 5 ? 'limit, "burst"' : null,
        createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i, i)),
      });
    }
    const account = (await loadOrganizer(database.db, organizer.organizerId))!;
    const paged = async (filters: ExportFilters) =>
      Buffer.from(
        await new Response(exportSignaturesCsv(database.db, { organizer: account, petition: scoped(petition), filters, pageRows: 7 })).arrayBuffer(),
      );
    for (const [query, filters] of [
      ["?status=all", { status: "all" }],
      ["", { status: "confirmed" }],
      ["?status=all&optedIn=yes&from=2026-11-01", { status: "all", optedIn: "yes", from: "2026-11-01" }],
    ] as const) {
      const copied = Buffer.from(await (await app.get(exportUrl(petition.slug, query), { Cookie: organizer.cookie })).arrayBuffer());
      const expected = await paged(filters);
      expect(copied.toString("utf8"), query).toBe(expected.toString("utf8"));
      expect(copied.equals(expected), query).toBe(true);
    }
    // The exports above were read by COPY, on the export connections, and counted right.
    expect(longPool().totalCount).toBeGreaterThan(0);
    const entries = await auditEntries("export.signatures", petition.slug);
    const all = entries.find((entry) => (entry.details as { filters: ExportFilters }).filters.status === "all")!;
    expect(all.details).toMatchObject({ rows: n, outcome: "complete" });
    expect((await exportRows(await app.get(exportUrl(petition.slug, "?status=all"), { Cookie: organizer.cookie }))).length).toBe(n);
  });

  it("leaves erased signers out of both exports", async () => {
    const petition = await createPetition(database.db);
    const kept = await sign(database.db, petition.id, { firstName: "Kept" });
    const erased = await sign(database.db, petition.id, { firstName: "Erased" });
    await database.db.updateTable("signatures").set({ erased_at: new Date() }).where("id", "=", erased).execute();
    const names = async (query: string) =>
      (await exportRows(await app.get(exportUrl(petition.slug, query), { Cookie: organizer.cookie }))).map((row) => row["First name"]);
    expect(await names("")).toEqual(["Kept"]);
    expect(await names("?status=all")).toEqual(["Kept"]);
    const account = (await loadOrganizer(database.db, organizer.organizerId))!;
    const pagedText = await new Response(
      exportSignaturesCsv(database.db, { organizer: account, petition: scoped(petition), filters: { status: "all" }, pageRows: 10 }),
    ).text();
    expect(pagedText).toContain("Kept");
    expect(pagedText).not.toContain("Erased");

    const target = await database.db
      .insertInto("targets")
      .values({ organization_id: petition.organizationId, name: "Mayor Erasure", office: "Mayor", level: "city", jurisdiction: `Erasetown ${randomBytes(3).toString("hex")}`, state: "CA", email: "mayor.erasure@example.org" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const delivery = await database.db
      .insertInto("deliveries")
      .values({ petition_id: petition.id, target_id: target.id, status: "sent", signature_count: 2, sent_at: new Date("2026-11-22T09:00:00.000Z") })
      .returning("id")
      .executeTakeFirstOrThrow();
    await database.db
      .insertInto("delivery_signatures")
      .values([kept, erased].map((signatureId) => ({ target_id: target.id, signature_id: signatureId, delivery_id: delivery.id })))
      .execute();
    const delivered = await exportRows(await app.get(`/admin/petitions/${petition.slug}/officials/${target.id}/export`, { Cookie: organizer.cookie }), [
      "Delivery",
      "Delivered at",
      ...HEADER,
    ]);
    expect(delivered.map((row) => row["First name"])).toEqual(["Kept"]);
    const [entry] = await auditEntries("export.delivered", petition.slug);
    expect(entry.details).toMatchObject({ rows: 1, outcome: "complete" });
  });

  it("keeps only a few chunks in memory, not what it has sent; and gives the connection back and stops the COPY when the client leaves", async () => {
    const petition = await createPetition(database.db);
    await signMany(database.db, petition.id, 500_000);
    expect(exportConnectionsInUse()).toBe(0);
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const controller = new AbortController();
    const res = await fetch(app.url + exportUrl(petition.slug), { headers: { Cookie: organizer.cookie, "Accept-Encoding": "identity" }, signal: controller.signal });
    const reader = res.body!.getReader();
    let bytes = 0;
    const readUpTo = async (total: number) => {
      while (bytes < total) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        bytes += value!.byteLength;
      }
    };
    // V8 frees a dead buffer's memory on a background thread after a GC, later on a busy machine (a CI run once saw
    // 19 MB still counted right after gc()): the least of a few readings over half a second is what is really held.
    const buffersHeld = async () => {
      let least = Infinity;
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 100));
        least = Math.min(least, process.memoryUsage().arrayBuffers);
      }
      return least;
    };
    // Server and client share this process. Between the 5th and the 15th MB, 10 MB more are sent and read: held,
    // they would show here; a few chunks in flight at either point do not add up to that.
    try {
      await readUpTo(5 * 1024 * 1024);
      const buffersAt5 = await buffersHeld();
      await readUpTo(15 * 1024 * 1024);
      expect((await buffersHeld()) - buffersAt5).toBeLessThan(6 * 1024 * 1024);
    } catch (error) {
      // Leave no export running to hold a connection the next tests need.
      controller.abort();
      throw error;
    }
    // Rows are flowing: the COPY holds an export connection.
    expect(exportConnectionsInUse()).toBe(1);
    controller.abort();
    await reader.read().catch(() => undefined);
    await waitUntil(async () => (await auditEntries("export.signatures", petition.slug)).length > 0, 10_000, "the audit entry");
    const [entry] = await auditEntries("export.signatures", petition.slug);
    expect(entry.details).toMatchObject({ outcome: "aborted" });
    expect((entry.details as { rows: number }).rows).toBeGreaterThan(0);
    expect((entry.details as { rows: number }).rows).toBeLessThan(500_000);
    await waitUntil(async () => exportConnectionsInUse() === 0 && (await busyExportBackends()) === 0, 10_000, "the export connection to come back");
    expect(longPool().waitingCount).toBe(0);
    // And the next export gets a connection and completes.
    expect(await exportRows(await app.get(exportUrl(petition.slug, "?state=NY"), { Cookie: organizer.cookie }))).toEqual([]);
    expect(exportConnectionsInUse()).toBe(0);
  });

  it("cancels a COPY that waits on a lock when its client leaves", async () => {
    const petition = await createPetition(database.db);
    await sign(database.db, petition.id);
    const lock = new pg.Client({ connectionString: database.url });
    await lock.connect();
    try {
      await lock.query("begin; lock table signatures in access exclusive mode");
      const controller = new AbortController();
      const res = await fetch(app.url + exportUrl(petition.slug), { headers: { Cookie: organizer.cookie }, signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      await waitUntil(async () => (await busyExportBackends()) === 1, 10_000, "the COPY to wait on the lock");
      controller.abort();
      await reader.read().catch(() => undefined);
      // The lock is still held: only a cancel ends that backend's wait (a closed socket goes unnoticed until it writes).
      await waitUntil(async () => (await busyExportBackends()) === 0 && exportConnectionsInUse() === 0, 10_000, "the COPY to be cancelled");
    } finally {
      await lock.query("rollback").catch(() => undefined);
      await lock.end();
    }
  });

  it("runs past the request pool's time limits, and answers 503 while every export connection is taken", async () => {
    const petition = await createPetition(database.db);
    await signMany(database.db, petition.id, 1_000);
    const lock = new pg.Client({ connectionString: database.url });
    await lock.connect();
    const started = Date.now();
    try {
      await lock.query("begin; lock table signatures in access exclusive mode");
      const readers = [];
      for (let i = 0; i < 3; i++) {
        const res = await app.get(exportUrl(petition.slug), { Cookie: organizer.cookie });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        await reader.read();
        readers.push(reader);
      }
      const busy = await app.get(exportUrl(petition.slug), { Cookie: organizer.cookie });
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("60");
      expect(await busy.text()).toContain("Other exports are running");
      // Longer than the request pool's statement_timeout (15 s) and pg's query_timeout (20 s), which would end a COPY there.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 21_000 - (Date.now() - started))));
      await lock.query("commit");
      const decoder = new TextDecoder();
      for (const reader of readers) {
        let text = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
        expect(parseCsv(text)).toHaveLength(1_000);
      }
      const entries = await auditEntries("export.signatures", petition.slug);
      expect(entries.map((entry) => entry.details)).toEqual([
        expect.objectContaining({ rows: 1_000, outcome: "complete" }),
        expect.objectContaining({ rows: 1_000, outcome: "complete" }),
        expect.objectContaining({ rows: 1_000, outcome: "complete" }),
      ]);
      expect(exportConnectionsInUse()).toBe(0);
    } finally {
      await lock.query("rollback").catch(() => undefined);
      await lock.end();
    }
  }, 60_000);
});

describe("/admin/audit", () => {
  it("shows owners their organizations' entries, newest first, and admins everything; organizers and viewers get 403", async () => {
    const ours = await createPetition(database.db);
    const theirs = await createPetition(database.db, "other-org");
    await sign(database.db, ours.id);
    await sign(database.db, theirs.id);
    await exportRows(await app.get(exportUrl(ours.slug, "?state=CA"), { Cookie: organizer.cookie }));
    await exportRows(await app.get(exportUrl(theirs.slug), { Cookie: outsider.cookie }));

    const page = await app.get("/admin/audit", { Cookie: owner.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Audit log");
    expect(html).toContain("exporter@example.org");
    expect(html).toContain("export.signatures");
    expect(html).toContain(ours.slug);
    expect(html).toMatch(/rows: 1/);
    expect(html).toContain("&quot;state&quot;:&quot;CA&quot;");
    expect(html).not.toContain(theirs.slug);
    expect(html).not.toContain("outsider@other.example");

    const theirPage = await (await app.get("/admin/audit", { Cookie: outsiderOwner.cookie })).text();
    expect(theirPage).toContain(theirs.slug);
    expect(theirPage).not.toContain(ours.slug);

    const adminPage = await (await app.get("/admin/audit", { Cookie: admin.cookie })).text();
    expect(adminPage).toContain(ours.slug);
    expect(adminPage).toContain(theirs.slug);
    // Newest first.
    expect(adminPage.indexOf(theirs.slug)).toBeLessThan(adminPage.indexOf(ours.slug));

    for (const who of [organizer, viewer, outsider]) {
      const res = await app.get("/admin/audit", { Cookie: who.cookie });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("export.signatures");
    }
    // The workspace links to it for owners and admins only.
    expect(await (await app.get("/admin", { Cookie: owner.cookie })).text()).toContain('href="/admin/audit"');
    expect(await (await app.get("/admin", { Cookie: admin.cookie })).text()).toContain('href="/admin/audit"');
    expect(await (await app.get("/admin", { Cookie: organizer.cookie })).text()).not.toContain('href="/admin/audit"');
    const anonymous = await app.get("/admin/audit");
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2Faudit");
  });

  it("pages 50 entries at a time with a link to older ones; a bad page is a 400", async () => {
    const org = await database.db.selectFrom("organizations").select("id").where("slug", "=", "other-org").executeTakeFirstOrThrow();
    await database.db
      .insertInto("audit_log")
      .values(
        Array.from({ length: 60 }, (_, i) => ({
          organizer_id: outsiderOwner.organizerId,
          organization_id: org.id,
          action: "test.paging",
          subject: `entry-${String(i).padStart(2, "0")}`,
          details: JSON.stringify({ i }),
        })),
      )
      .execute();
    const first = await (await app.get("/admin/audit", { Cookie: outsiderOwner.cookie })).text();
    expect(first).toContain("entry-59");
    expect(first).not.toContain("entry-09");
    const older = /href="(\/admin\/audit\?before=\d+)"/.exec(first);
    expect(older).not.toBeNull();
    const second = await (await app.get(older![1], { Cookie: outsiderOwner.cookie })).text();
    expect(second).toContain("entry-00");
    expect(second).not.toContain("entry-59");
    expect(second).toContain("Newest entries");
    for (const bad of ["?before=abc", "?before=-5", "?before=0", "?before=99999999999999999999999"]) {
      expect((await app.get(`/admin/audit${bad}`, { Cookie: outsiderOwner.cookie })).status, bad).toBe(400);
    }
  });
});

describe("export on the embedded database (PGlite)", () => {
  let dataDir: string;
  let embedded: TestApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "sanctuary-export-"));
    embedded = await startTestApp({ DATA_DIR: dataDir }, { runJobsInProcess: false });
  });

  afterAll(async () => {
    await embedded?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("streams the same CSV page by page and audits it", async () => {
    expect(embedded.services.dbKind).toBe("pglite");
    const db = embedded.services.db;
    const who = await signedInOrganizer(embedded, { email: "embedded@example.org", role: "organizer" });
    const petition = await createPetition(db);
    await sign(db, petition.id, { firstName: "=Zoë", comment: 'Hola, "amigos"' });
    await signMany(db, petition.id, 2_500);
    const rows = await exportRows(await embedded.get(exportUrl(petition.slug), { Cookie: who.cookie }));
    expect(rows).toHaveLength(2_501);
    expect(rows[0]).toMatchObject({ "First name": "'=Zoë", Comment: 'Hola, "amigos"' });
    const filtered = await exportRows(await embedded.get(exportUrl(petition.slug, "?status=pending"), { Cookie: who.cookie }));
    expect(filtered).toEqual([]);
    const entries = await db.selectFrom("audit_log").selectAll().where("subject", "=", petition.slug).orderBy("id").execute();
    expect(entries.map((entry) => (entry.details as { rows: number }).rows)).toEqual([2_501, 0]);
  }, 120_000);

  it("leaves erased signers out", async () => {
    const db = embedded.services.db;
    const who = await signedInOrganizer(embedded, { email: "embedded-erasure@example.org", role: "organizer" });
    const petition = await createPetition(db);
    await sign(db, petition.id, { firstName: "Kept" });
    const erased = await sign(db, petition.id, { firstName: "Erased" });
    await db.updateTable("signatures").set({ erased_at: new Date() }).where("id", "=", erased).execute();
    const rows = await exportRows(await embedded.get(exportUrl(petition.slug, "?status=all"), { Cookie: who.cookie }));
    expect(rows.map((row) => row["First name"])).toEqual(["Kept"]);
  }, 60_000);
});
