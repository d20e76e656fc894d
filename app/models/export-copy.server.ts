import { sql, type CompiledQuery } from "kysely";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import type { ExportOutcome, ExportResult } from "./export.server";

/*
 * A CSV export on Postgres by `COPY (select …) TO STDOUT (FORMAT csv)`:
 * Postgres formats and quotes every field, and this process passes the bytes
 * on. What COPY cannot do is end records in CRLF (RFC 4180, and what the
 * embedded path writes): it writes LF. So the SELECT ends each row with one
 * more column, always NULL, which COPY writes as nothing after a comma: every
 * record ends in ",\n", and here that comma becomes the CR, in place. No
 * byte is added and no chunk copied, which keeps both the CPU time and the
 * garbage of a long export low. A LF inside a quoted field (a comment of
 * several lines) is data and stays as it is; the LFs outside quotes are the
 * records, counted for the audit log.
 */

/** The last column of every SELECT given to openCopyCsv: the comma before it becomes each record's CR. */
export const COPY_RECORD_END = sql<null>`null::text`.as("record_end");

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;

/**
 * Finishes COPY's output chunk by chunk (see above). A record's comma may be
 * the last byte of one chunk and its LF the first of the next, so each chunk
 * is held until the next one has been read: `push` hands back the chunk
 * before, `flush` the last. `inQuotes` carries over too (a quoted field
 * may be cut anywhere); a doubled quote inside a quoted field leaves and
 * re-enters it, which is the same state.
 */
export class CopyCsvRecords {
  private inQuotes = false;
  private held: Buffer | null = null;
  private heldRecords = 0;
  /** Records in the chunks handed back so far. */
  records = 0;

  push(chunk: Buffer): Buffer | null {
    let records = 0;
    const length = chunk.length;
    let i = 0;
    let quote = -1; // next quote at or after i, once looked up (length: none)
    let lf = -1; // next LF at or after i, once looked up (length: none)
    while (i < length) {
      if (quote < i) {
        quote = chunk.indexOf(QUOTE, i);
        if (quote === -1) quote = length;
      }
      if (this.inQuotes) {
        if (quote === length) break;
        this.inQuotes = false;
        i = quote + 1;
        continue;
      }
      if (lf < i) {
        lf = chunk.indexOf(LF, i);
        if (lf === -1) lf = length;
      }
      if (quote < lf) {
        this.inQuotes = true;
        i = quote + 1;
      } else if (lf < length) {
        this.endRecord(lf > 0 ? chunk : this.held, lf > 0 ? lf - 1 : (this.held?.length ?? 0) - 1);
        records++;
        i = lf + 1;
      } else {
        break;
      }
    }
    const done = this.release();
    this.held = chunk;
    this.heldRecords = records;
    return done;
  }

  flush(): Buffer | null {
    if (this.inQuotes) throw new Error("COPY output ended inside a quoted field");
    return this.release();
  }

  private release(): Buffer | null {
    const done = this.held;
    this.records += this.heldRecords;
    this.held = null;
    this.heldRecords = 0;
    return done;
  }

  private endRecord(chunk: Buffer | null, at: number) {
    // Anything else there means the SELECT lacks its empty last column: fail rather than write a broken file.
    if (!chunk || at < 0 || chunk[at] !== COMMA) throw new Error("a COPY record does not end with its empty last column");
    chunk[at] = CR;
  }
}

/**
 * A compiled Kysely query as one SQL text, its parameters written as
 * literals, because COPY takes no bind parameters. Only the kinds of value
 * the export queries bind are accepted — integers, booleans, dates, and
 * short strings from validated filters (a status, a state code) — and a
 * string becomes a standard SQL literal (quotes doubled; the connection
 * runs with standard_conforming_strings on, so a backslash is just a
 * backslash). Every placeholder must be used, and only those: text that
 * looked like a placeholder elsewhere in the SQL would be an error, not a
 * silent substitution.
 */
export function inlineParameters(query: Pick<CompiledQuery, "sql" | "parameters">): string {
  const used = new Set<number>();
  const text = query.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= query.parameters.length) throw new Error(`placeholder $${n} has no parameter`);
    used.add(index);
    return sqlLiteral(query.parameters[index]);
  });
  if (used.size !== query.parameters.length) throw new Error("a parameter of the export query has no placeholder");
  return text;
}

export function sqlLiteral(value: unknown): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("only integers are inlined into the export query");
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("an invalid date cannot be inlined into the export query");
    return `'${value.toISOString()}'::timestamptz`;
  }
  if (typeof value === "string") {
    if (value.includes("\0")) throw new TypeError("a string with NUL cannot be inlined into the export query");
    return `'${value.replace(/'/g, "''")}'`;
  }
  throw new TypeError(`a ${typeof value} cannot be inlined into the export query`);
}

export interface CopyCsvOptions {
  /** Where the connection comes from: the long-statement pool. */
  pool: pg.Pool;
  /** The SELECT whose rows are the CSV records: cells already neutralized (Postgres quotes them), COPY_RECORD_END last. */
  select: string;
  /** Written before the first record: the BOM and the header row. */
  head: Uint8Array;
  signal?: AbortSignal;
  /** Cancels the statement of a backend (by pid), from another connection: a COPY waiting on a lock does not notice its client leave. */
  cancelBackend: (pid: number) => Promise<unknown>;
  /** Runs once, before the stream closes: complete, aborted (the consumer left) or failed. */
  onEnd: (result: ExportResult) => Promise<void>;
}

/**
 * Checks a connection out of the pool (its failure is the caller's: a 503
 * before any byte is sent), then answers a stream that writes the head and
 * the COPY's records as the consumer pulls. The connection goes back when
 * the COPY ends; when the consumer leaves or the COPY fails, the statement
 * is cancelled and the connection closed (it may be mid-COPY), and the pool
 * opens a fresh one when needed. Backpressure reaches Postgres: the socket
 * is not read while the consumer is behind.
 */
export async function openCopyCsv(options: CopyCsvOptions): Promise<ReadableStream<Uint8Array>> {
  const client = await options.pool.connect();
  try {
    // The session's own limit, whatever the role's or the database's default: an export ends when it is done.
    await client.query("set statement_timeout = 0; set standard_conforming_strings = on");
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  const pid = (client as pg.PoolClient & { processID?: number }).processID;

  const records = new CopyCsvRecords();
  let rows = 0;
  let copy: ReturnType<typeof copyTo> | null = null;
  let chunks: AsyncIterator<Buffer> | null = null;
  let released = false;
  let ended: Promise<void> | null = null;

  const release = (destroy: boolean) => {
    if (released) return;
    released = true;
    client.release(destroy ? new Error("export stopped mid-COPY") : undefined);
  };
  /** Stops a COPY that may still run: cancel it on the server, then drop the connection. */
  const stop = async () => {
    if (released) return;
    if (!copy) return release(false);
    if (pid) await options.cancelBackend(pid).catch(() => undefined);
    release(true);
  };
  const auditFailed = (error: unknown) => console.error(`[export] could not write the audit entry: ${error instanceof Error ? error.message : String(error)}`);
  const end = (outcome: ExportOutcome) => (ended ??= options.onEnd({ rows, outcome }));
  const abandon = async () => {
    options.signal?.removeEventListener("abort", onAbort);
    const audited = end("aborted");
    await stop();
    await audited;
  };
  // Remix's Express adapter keeps reading after the client left; the signal says so at once.
  const onAbort = () => void abandon().catch(auditFailed);
  options.signal?.addEventListener("abort", onAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.signal?.aborted) {
          await abandon();
          controller.close();
          return;
        }
        if (!copy) {
          copy = client.query(copyTo(`COPY (${options.select}) TO STDOUT WITH (FORMAT csv, HEADER false)`));
          // Errors reach the reader below; this keeps one after a stop (connection closed under it) from being unhandled.
          copy.on("error", () => undefined);
          chunks = copy[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
          controller.enqueue(options.head);
          return;
        }
        // Read until a chunk is ready to hand on (the first is held until the second arrives) or the COPY ends.
        for (;;) {
          let next: IteratorResult<Buffer>;
          let ready: Buffer | null;
          try {
            next = await chunks!.next();
            ready = next.done ? records.flush() : records.push(next.value);
          } catch (error) {
            if (released) return; // stopped while waiting: abandon() has audited it
            options.signal?.removeEventListener("abort", onAbort);
            const audited = end("failed");
            release(true);
            await audited.catch(auditFailed);
            throw error;
          }
          if (released) return;
          rows = records.records;
          if (ready) controller.enqueue(ready);
          if (next.done) {
            options.signal?.removeEventListener("abort", onAbort);
            release(false);
            await end("complete");
            controller.close();
            return;
          }
          if (ready) return;
        }
      },
      async cancel() {
        await abandon();
      },
    },
    { highWaterMark: 1 },
  );
}
