import { sql, type Expression, type Kysely } from "kysely";
import type { ScopedPetition } from "./admin-petitions.server";
import { audit } from "./audit.server";
import { COPY_RECORD_END, inlineParameters, openCopyCsv } from "./export-copy.server";
import type { Organizer } from "./organizers.server";
import { readableOrganizationIds } from "~/lib/auth.server";
import { isDatabaseUnavailable } from "~/lib/http.server";
import type { ExportFilters } from "~/validation/export.server";
import { CSV_BOM, csvCell, csvRow } from "../../emails/csv";
import { longStatementPool } from "../../db/client";
import type { DB } from "../../db/schema";

/*
 * CSV exports of a petition's signers, streamed: the response is a
 * ReadableStream that the HTTP layer reads as the client takes it, so the
 * process holds a few chunks at a time whatever the size of the export. Two
 * ways to read the rows, the same bytes out:
 *
 * On Postgres (openSignaturesExport, openDeliveredExport), one
 * `COPY (select …) TO STDOUT (FORMAT csv)` on a connection of the
 * long-statement pool (db/client.ts), the formula neutralization done in the
 * SELECT and the quoting by COPY; this process turns COPY's LF record ends
 * into CRLF and counts records (export-copy.server.ts). Per-row work in this
 * process is what limited the page-by-page export (pg parsing rows into
 * objects, csvCell formatting them: a third of COPY's rate), and COPY leaves
 * it almost none. One statement: an export is a snapshot as of its start.
 *
 * On PGlite (no COPY TO STDOUT over the wire protocol), keyset pages of
 * PAGE_ROWS rows, one read each time the HTTP layer asks for more, formatted
 * here by csvCell. exportSignaturesCsv and exportDeliveredCsv read that way
 * on either database.
 *
 * Why keyset pages and not one long `.stream()` cursor: the pool runs every
 * query under statement_timeout (15 s), which bounds a cursor's whole run, not
 * each fetch; and pg's client-side query_timeout (20 s) ends a pg-cursor
 * *silently* even where statement_timeout is lifted — the stream just stops,
 * as if the rows had run out. An export of a few million rows, or one to a
 * slow client once the HTTP layer applies backpressure, outlives both. A page is a short ordinary query, holds no
 * connection between pages, and is the same SQL on Postgres and PGlite (where
 * `.stream()` does not exist).
 *
 * Pages follow the signature id (signing order, and the heap's order): each
 * page is `id > last ORDER BY id LIMIT n`, which the planner answers with the
 * primary key for a petition with many signatures (one pass over the table in
 * all) and with the petition's own index for a small one. Deliveries page on
 * delivery_signatures' primary key (target_id, signature_id). Rows signed
 * while an export runs appear when their id is ahead of the page being read:
 * an export is "as of the download", not a snapshot.
 */

/** Rows per page (two pages are in memory at a time: the one being written and the next). */
export const PAGE_ROWS = 2_000;
/** Rows per chunk written to the response (about 40 KB). */
const CHUNK_ROWS = 250;

export const SIGNATURE_EXPORT_HEADER = [
  "First name",
  "Last name",
  "Email",
  "ZIP",
  "City",
  "County",
  "State",
  "Comment",
  "Opted in",
  "Source",
  "Signed at",
  "Confirmed at",
  "Status",
] as const;

export const DELIVERED_EXPORT_HEADER = ["Delivery", "Delivered at", ...SIGNATURE_EXPORT_HEADER] as const;

/** How an export ended: every row written, the client went away, or the database failed mid-way. */
export type ExportOutcome = "complete" | "aborted" | "failed";

export interface ExportResult {
  rows: number;
  outcome: ExportOutcome;
}

interface PageSource<Row, Key> {
  header: readonly string[];
  /** Up to `limit` rows after `after` (null: from the start), in key order. */
  page(after: Key | null, limit: number): Promise<Row[]>;
  key(row: Row): Key;
  /** The row as one CSV record, CRLF included. */
  record(row: Row): string;
}

/**
 * A CSV (BOM, header, CRLF rows, formula cells neutralized by csvCell) read
 * page by page as the consumer pulls. `onEnd` runs once, before the stream
 * closes, when the last page is written, the consumer cancels, `signal`
 * aborts (the client disconnected), or a page fails; `rows` counts the rows
 * handed to the consumer so far. If the audit entry of a complete export
 * cannot be written, the stream fails rather than end as if all were well.
 */
export function pagedCsvStream<Row, Key>(
  source: PageSource<Row, Key>,
  options: { signal?: AbortSignal; pageRows?: number; onEnd: (result: ExportResult) => Promise<void> },
): ReadableStream<Uint8Array> {
  const limit = options.pageRows ?? PAGE_ROWS;
  let rows = 0;
  let started = false;
  let ended: Promise<void> | null = null;
  const end = (outcome: ExportOutcome) => (ended ??= options.onEnd({ rows, outcome }));
  const auditFailed = (error: unknown) => console.error(`[export] could not write the audit entry: ${error instanceof Error ? error.message : String(error)}`);
  // Remix's Express adapter keeps reading after the client left; the signal says so at once.
  const onAbort = () => void end("aborted").catch(auditFailed);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const finish = async (outcome: ExportOutcome) => {
    options.signal?.removeEventListener("abort", onAbort);
    await end(outcome);
  };

  // The next page is asked for before this one is formatted, so Postgres and this process work at the same time.
  let next: Promise<Row[]> | null = null;
  const fetchPage = (key: Key | null) => {
    const page = source.page(key, limit);
    page.catch(() => undefined); // Awaited (and thrown) in pull; this only keeps an abandoned prefetch from being "unhandled".
    return page;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.signal?.aborted) {
          await finish("aborted");
          controller.close();
          return;
        }
        if (!started) {
          started = true;
          next = fetchPage(null);
          controller.enqueue(Buffer.from(CSV_BOM + csvRow(source.header), "utf8"));
          return;
        }
        let batch: Row[];
        try {
          batch = await (next ?? Promise.resolve([]));
        } catch (error) {
          await finish("failed").catch(auditFailed);
          throw error;
        }
        const full = batch.length === limit;
        next = full ? fetchPage(source.key(batch[batch.length - 1])) : null;
        // In pieces of CHUNK_ROWS rows rather than one string per page: strings this small die young,
        // and the HTTP layer can send the first piece while the rest are formatted.
        for (let i = 0; i < batch.length; i += CHUNK_ROWS) {
          let text = "";
          for (let j = i; j < Math.min(i + CHUNK_ROWS, batch.length); j++) text += source.record(batch[j]);
          controller.enqueue(Buffer.from(text, "utf8"));
        }
        rows += batch.length;
        if (!full) {
          await finish("complete");
          controller.close();
        }
      },
      async cancel() {
        await finish("aborted");
      },
    },
    { highWaterMark: 1 },
  );
}

/** Start of a UTC day, and the start of the day after (so `to` includes its whole day). */
const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
const dayAfter = (day: string) => new Date(dayStart(day).getTime() + 86_400_000);

type TimeColumn = "s.created_at" | "s.confirmed_at" | "d.sent_at";

/** A timestamp as ISO 8601 in UTC (what Date.toISOString gives), formatted by Postgres (parsing Dates costs this process more); null for null. */
const isoUtcOrNull = (column: TimeColumn) => sql<string | null>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** The same, '' for null. */
const isoUtc = (column: TimeColumn) => sql<string>`coalesce(${isoUtcOrNull(column)}, '')`;

// The Status column: the signature's status, and why it does not count when it is flagged.
const statusLabel = sql<string>`case when s.flagged_reason is null then s.status else s.status || ' (flagged: ' || s.flagged_reason || ')' end`;

/*
 * Per-row cost in this process is what limits an export (Postgres serves the
 * pages faster than pg parses them), so the query hands over the cells that
 * need no neutralization or quoting already joined: the two timestamps (ISO
 * 8601, digits and -:.TZ only) as one field, "Signed at,Confirmed at". Every
 * other cell — anything a signer or an import could have typed — goes through
 * csvCell.
 */
const SIGNER_COLUMNS = [
  "s.first_name",
  "s.last_name",
  "s.email",
  "s.postal_code",
  "s.city",
  "s.county",
  "s.state",
  "s.comment",
  "s.opt_in",
  "s.source",
  sql<string>`${isoUtc("s.created_at")} || ',' || ${isoUtc("s.confirmed_at")}`.as("times"),
  statusLabel.as("status_label"),
] as const;

interface SignerRow {
  first_name: string;
  last_name: string;
  email: string;
  postal_code: string;
  city: string | null;
  county: string | null;
  state: string | null;
  comment: string | null;
  opt_in: boolean;
  source: string | null;
  times: string;
  status_label: string;
}

/** One signer as CSV cells in SIGNATURE_EXPORT_HEADER's order, CRLF-terminated (csvRow's format, without its array). */
function signerRecord(s: SignerRow): string {
  return (
    csvCell(s.first_name) +
    "," +
    csvCell(s.last_name) +
    "," +
    csvCell(s.email) +
    "," +
    csvCell(s.postal_code) +
    "," +
    csvCell(s.city) +
    "," +
    csvCell(s.county) +
    "," +
    csvCell(s.state) +
    "," +
    csvCell(s.comment) +
    (s.opt_in ? ",yes," : ",no,") +
    csvCell(s.source) +
    "," +
    s.times +
    "," +
    csvCell(s.status_label) +
    "\r\n"
  );
}

/**
 * A text cell as csvCell writes it, less the quoting, which COPY does: a value
 * beginning with =, +, -, @, a tab or a CR gets a leading ' (a spreadsheet
 * would run it as a formula), and an empty value becomes NULL, because COPY
 * writes '' as "" and NULL as nothing, where csvCell writes both as nothing.
 * COPY then quotes exactly what csvCell quotes: a field holding a comma, a
 * quote (doubled) or a line break. The first character is read as its code
 * (= + - @ tab CR are 61 43 45 64 9 13): an integer comparison, where
 * left(value, 1) makes a string per cell (a million-row COPY took 6.2 s with
 * it, 4.7 s with ascii, 3.1 s with no neutralization at all).
 */
const neutralized = (value: Expression<string | null>) =>
  sql<string | null>`nullif(case when ascii(${value}) in (61, 43, 45, 64, 9, 13) then '''' || ${value} else ${value} end, '')`;

/** The signer cells in SIGNATURE_EXPORT_HEADER's order, for COPY: the bytes signerRecord writes. */
const SIGNER_COPY_COLUMNS = [
  neutralized(sql.ref("s.first_name")).as("first_name"),
  neutralized(sql.ref("s.last_name")).as("last_name"),
  neutralized(sql.ref("s.email")).as("email"),
  neutralized(sql.ref("s.postal_code")).as("postal_code"),
  neutralized(sql.ref("s.city")).as("city"),
  neutralized(sql.ref("s.county")).as("county"),
  neutralized(sql.ref("s.state")).as("state"),
  neutralized(sql.ref("s.comment")).as("comment"),
  sql<string>`case when s.opt_in then 'yes' else 'no' end`.as("opt_in"),
  neutralized(sql.ref("s.source")).as("source"),
  isoUtcOrNull("s.created_at").as("signed_at"),
  isoUtcOrNull("s.confirmed_at").as("confirmed_at"),
  // Begins with the status, a word: never a formula, never empty.
  statusLabel.as("status_label"),
] as const;

/**
 * The signatures an export with these filters selects, before the columns;
 * never an erased signer's (their data is gone, and they asked for it).
 * status "confirmed" (the default) is what counts: confirmed and not flagged;
 * "pending" is unconfirmed and not flagged; "all" is every signature of the
 * petition — pending, confirmed, invalidated and flagged — with the Status
 * column telling them apart.
 */
function selectedSignatures(db: Kysely<DB>, petitionId: number, filters: ExportFilters) {
  let query = db.selectFrom("signatures as s").where("s.petition_id", "=", petitionId).where("s.erased_at", "is", null);
  if (filters.status !== "all") query = query.where("s.status", "=", filters.status).where("s.flagged_reason", "is", null);
  if (filters.from) query = query.where("s.created_at", ">=", dayStart(filters.from));
  if (filters.to) query = query.where("s.created_at", "<", dayAfter(filters.to));
  if (filters.state) query = query.where("s.state", "=", filters.state);
  if (filters.optedIn) query = query.where("s.opt_in", "=", filters.optedIn === "yes");
  return query;
}

/** The selected signatures with the columns keyset pages read. */
export function signatureExportQuery(db: Kysely<DB>, petitionId: number, filters: ExportFilters) {
  return selectedSignatures(db, petitionId, filters).select(["s.id", ...SIGNER_COLUMNS]);
}

/** The SELECT a Postgres export COPYs, one row per CSV record in signing order; also what the benchmark COPYs through psql. */
export function signatureCopySelect(db: Kysely<DB>, petitionId: number, filters: ExportFilters): string {
  return inlineParameters(selectedSignatures(db, petitionId, filters).select([...SIGNER_COPY_COLUMNS, COPY_RECORD_END]).orderBy("s.id").compile());
}

/** What an export writes into the audit log besides who and when: never the personal data it contained. */
function auditDetails(result: ExportResult, startedAt: Date, extra: Record<string, unknown>) {
  return { ...extra, rows: result.rows, outcome: result.outcome, startedAt: startedAt.toISOString(), format: "csv" };
}

export interface ExportContext {
  organizer: Organizer;
  petition: ScopedPetition;
  /** The request's signal: the export stops, and is audited with the rows sent so far, when the client leaves. */
  signal?: AbortSignal;
  /** Read keyset pages of this many rows, on Postgres too, instead of one COPY. */
  pageRows?: number;
}

/** Every long-statement connection is taken by another export: a 503 that says so, rather than a queue of unknown length. */
export class ExportsBusyError extends Error {
  constructor() {
    super("every export connection is in use");
    this.name = "ExportsBusyError";
  }
}

/**
 * A Postgres export by COPY: a connection of the long-statement pool, the
 * BOM and header row, then the records of `select`. Null on PGlite (the
 * caller reads keyset pages instead). Throws ExportsBusyError when the pool
 * has no connection to spare within its wait, or what the database threw.
 */
async function copyExport(
  db: Kysely<DB>,
  options: { select: string; header: readonly string[]; signal?: AbortSignal; onEnd: (result: ExportResult) => Promise<void> },
): Promise<ReadableStream<Uint8Array> | null> {
  const pool = longStatementPool(db);
  if (!pool) return null;
  try {
    return await openCopyCsv({
      pool,
      select: options.select,
      head: Buffer.from(CSV_BOM + csvRow(options.header), "utf8"),
      signal: options.signal,
      cancelBackend: (pid) => sql`select pg_cancel_backend(${pid})`.execute(db),
      onEnd: options.onEnd,
    });
  } catch (error) {
    // The pool's wait ran out with every connection in use: exports, not an outage.
    if (/timeout exceeded when trying to connect/i.test((error as Error | null)?.message ?? "") && pool.totalCount >= (pool.options.max ?? 10)) {
      throw new ExportsBusyError();
    }
    throw error;
  }
}

/** The audit entry of a signature export. */
function signaturesAudit(db: Kysely<DB>, context: ExportContext & { filters: ExportFilters }) {
  const { organizer, petition, filters } = context;
  const startedAt = new Date();
  return (result: ExportResult) =>
    audit(db, {
      organizerId: organizer.id,
      organizationId: petition.organizationId,
      action: "export.signatures",
      subject: petition.slug,
      details: auditDetails(result, startedAt, { filters }),
    });
}

/**
 * The signers of a petition as a streamed CSV in signing order, audited
 * ("export.signatures": who, the filters, rows written, outcome) once it
 * ends: by COPY on Postgres, in keyset pages on PGlite or when
 * `context.pageRows` asks for pages. Erased signers are left out. Comments
 * are exported as written, hidden ones too: hiding is for public pages. The
 * caller checks that the organizer may export (organizer role or higher).
 */
export async function openSignaturesExport(db: Kysely<DB>, context: ExportContext & { filters: ExportFilters }): Promise<ReadableStream<Uint8Array>> {
  if (context.pageRows === undefined) {
    const copied = await copyExport(db, {
      select: signatureCopySelect(db, context.petition.id, context.filters),
      header: SIGNATURE_EXPORT_HEADER,
      signal: context.signal,
      onEnd: signaturesAudit(db, context),
    });
    if (copied) return copied;
  }
  return exportSignaturesCsv(db, context);
}

/** The same export read in keyset pages, on either database (PGlite's way). */
export function exportSignaturesCsv(db: Kysely<DB>, context: ExportContext & { filters: ExportFilters }): ReadableStream<Uint8Array> {
  const { petition, filters } = context;
  return pagedCsvStream(
    {
      header: SIGNATURE_EXPORT_HEADER,
      page: (after: number | null, limit) => {
        let query = signatureExportQuery(db, petition.id, filters).orderBy("s.id").limit(limit);
        if (after !== null) query = query.where("s.id", ">", after);
        return query.execute();
      },
      key: (row) => row.id,
      record: (row) => signerRecord(row),
    },
    { signal: context.signal, pageRows: context.pageRows, onEnd: signaturesAudit(db, context) },
  );
}

export interface ExportTarget {
  id: number;
  name: string;
  office: string;
}

/**
 * An official whose deliveries of this petition may be exported: one of the
 * petition's organization (or a shared one, organization_id null), or one the
 * petition was delivered to. Anything else is null (a 404): an id from
 * another organization says nothing about it.
 */
export async function findExportTarget(db: Kysely<DB>, petition: ScopedPetition, targetId: number): Promise<ExportTarget | null> {
  const row = await db
    .selectFrom("targets as t")
    .select(["t.id", "t.name", "t.office"])
    .where("t.id", "=", targetId)
    .where((eb) =>
      eb.or([
        eb("t.organization_id", "is", null),
        eb("t.organization_id", "=", petition.organizationId),
        eb.exists(
          eb
            .selectFrom("deliveries as d")
            .select(sql`1`.as("one"))
            .whereRef("d.target_id", "=", "t.id")
            .where("d.petition_id", "=", petition.id),
        ),
      ]),
    )
    .executeTakeFirst();
  return row ?? null;
}

/** The signatures of a petition's sent digests to one official, before the columns; never an erased signer's. */
function deliveredSignatures(db: Kysely<DB>, petitionId: number, targetId: number) {
  return db
    .selectFrom("delivery_signatures as ds")
    .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
    .innerJoin("signatures as s", "s.id", "ds.signature_id")
    .where("ds.target_id", "=", targetId)
    .where("d.petition_id", "=", petitionId)
    .where("d.status", "=", "sent")
    .where("s.erased_at", "is", null);
}

/** The audit entry of a delivered export. */
function deliveredAudit(db: Kysely<DB>, context: ExportContext & { target: ExportTarget }) {
  const { organizer, petition, target } = context;
  const startedAt = new Date();
  return (result: ExportResult) =>
    audit(db, {
      organizerId: organizer.id,
      organizationId: petition.organizationId,
      action: "export.delivered",
      subject: petition.slug,
      details: auditDetails(result, startedAt, { targetId: target.id, target: `${target.name}, ${target.office}` }),
    });
}

/**
 * What was delivered to one official for a petition: every signature of the
 * petition's sent digests to them, with the digest's id and sending time, in
 * signature order. Digests still pending or failed are left out (they did not
 * reach the official), and so are erased signers. Audited as
 * "export.delivered". By COPY on Postgres, as openSignaturesExport.
 */
export async function openDeliveredExport(db: Kysely<DB>, context: ExportContext & { target: ExportTarget }): Promise<ReadableStream<Uint8Array>> {
  if (context.pageRows === undefined) {
    const select = deliveredSignatures(db, context.petition.id, context.target.id)
      // "Delivery,Delivered at": an id and an ISO time, nothing to neutralize.
      .select([sql<number>`d.id`.as("delivery_id"), isoUtcOrNull("d.sent_at").as("delivered_at"), ...SIGNER_COPY_COLUMNS, COPY_RECORD_END])
      .orderBy("ds.signature_id")
      .compile();
    const copied = await copyExport(db, {
      select: inlineParameters(select),
      header: DELIVERED_EXPORT_HEADER,
      signal: context.signal,
      onEnd: deliveredAudit(db, context),
    });
    if (copied) return copied;
  }
  return exportDeliveredCsv(db, context);
}

/** The same export read in keyset pages (on delivery_signatures' primary key), on either database. */
export function exportDeliveredCsv(db: Kysely<DB>, context: ExportContext & { target: ExportTarget }): ReadableStream<Uint8Array> {
  const { petition, target } = context;
  return pagedCsvStream(
    {
      header: DELIVERED_EXPORT_HEADER,
      page: (after: number | null, limit) => {
        let query = deliveredSignatures(db, petition.id, target.id)
          .select([...SIGNER_COLUMNS, "ds.signature_id", sql<string>`d.id::text || ',' || ${isoUtc("d.sent_at")}`.as("delivery")])
          .orderBy("ds.signature_id")
          .limit(limit);
        if (after !== null) query = query.where("ds.signature_id", ">", after);
        return query.execute();
      },
      key: (row) => row.signature_id,
      // "Delivery,Delivered at": an id and an ISO time, nothing to neutralize.
      record: (row) => `${row.delivery},${signerRecord(row)}`,
    },
    { signal: context.signal, pageRows: context.pageRows, onEnd: deliveredAudit(db, context) },
  );
}

/** A file name for Content-Disposition: the given parts, ASCII letters, digits and dashes only, and today's UTC date. */
export function exportFileName(...parts: (string | number)[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const safe = parts.map((part) => String(part).replace(/[^A-Za-z0-9-]+/g, "-"));
  return `${[...safe, date].join("-")}.csv`;
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditLogEntry {
  id: string;
  createdAt: Date;
  organizerEmail: string | null;
  organizationName: string | null;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

/**
 * Organizations whose audit log the organizer may read: those they own; null
 * means every entry (a platform admin). An empty list means none (a 403).
 */
export function auditReadableOrganizationIds(organizer: Organizer): number[] | null {
  if (readableOrganizationIds(organizer) === null) return null;
  return organizer.memberships.filter((m) => m.role === "owner").map((m) => m.organizationId);
}

/**
 * One page of the audit log, newest first, of the organizations the organizer
 * owns (all of it for an admin; entries without an organization are for
 * admins only). `before` is the id of the last entry of the previous page;
 * `nextBefore` is set when there are older entries.
 */
export async function listAuditLog(
  db: Kysely<DB>,
  organizer: Organizer,
  options: { before?: string; limit?: number } = {},
): Promise<{ entries: AuditLogEntry[]; nextBefore: string | null }> {
  const organizationIds = auditReadableOrganizationIds(organizer);
  if (organizationIds !== null && organizationIds.length === 0) return { entries: [], nextBefore: null };
  const limit = options.limit ?? AUDIT_PAGE_SIZE;
  let query = db
    .selectFrom("audit_log as a")
    .leftJoin("organizers as o", "o.id", "a.organizer_id")
    .leftJoin("organizations as g", "g.id", "a.organization_id")
    .select([sql<string>`a.id::text`.as("id"), "a.created_at", "o.email", "g.name", "a.action", "a.subject", "a.details"])
    .orderBy("a.id", "desc")
    .limit(limit + 1);
  if (organizationIds !== null) query = query.where("a.organization_id", "in", organizationIds);
  if (options.before) query = query.where("a.id", "<", sql<string>`${options.before}::bigint`);
  const rows = await query.execute();
  const entries = rows.slice(0, limit).map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    organizerEmail: row.email,
    organizationName: row.name,
    action: row.action,
    subject: row.subject,
    details: typeof row.details === "string" ? (JSON.parse(row.details) as Record<string, unknown>) : (row.details ?? {}),
  }));
  return { entries, nextBefore: rows.length > limit ? entries[entries.length - 1].id : null };
}

/** Headers of a CSV download: UTF-8 text, a file name, never cached (it holds people's data). */
export function csvDownloadHeaders(fileName: string): HeadersInit {
  return {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${fileName}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
}

/** A short plain-text answer for an export URL that cannot be served (a bad filter, a role that may not export). */
export function plainTextResponse(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}

const EXPORTS_BUSY_TEXT = "Other exports are running and every connection for exports is in use. Try again in a minute.";

const THROWN_STATUS_TEXT: Record<number, string> = {
  404: "Not found: there is no petition at this address that you can see.",
  503: "The database is not answering right now. Try again in a few seconds.",
};

/**
 * Runs a resource route's handler and answers what it throws the way a CSV
 * client understands: a thrown `data(…, { status })` (requirePetition's 404)
 * or an unreachable database becomes a short plain-text answer with that
 * status, and so does an export that finds every export connection in use.
 * Remix would log those as server errors and answer JSON. Redirects (a thrown
 * Response) pass through.
 */
export async function plainTextErrors(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    const thrown = error as { type?: string; init?: ResponseInit | null } | null;
    if (thrown?.type === "DataWithResponseInit") {
      const status = thrown.init?.status ?? 500;
      return plainTextResponse(status, THROWN_STATUS_TEXT[status] ?? "This export cannot be served.");
    }
    if (error instanceof ExportsBusyError) {
      const response = plainTextResponse(503, EXPORTS_BUSY_TEXT);
      response.headers.set("Retry-After", "60");
      return response;
    }
    if (isDatabaseUnavailable(error)) {
      const response = plainTextResponse(503, THROWN_STATUS_TEXT[503]);
      response.headers.set("Retry-After", "10");
      return response;
    }
    throw error;
  }
}
