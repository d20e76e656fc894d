import { mkdirSync } from "node:fs";
import path from "node:path";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import type { DB } from "./schema";

export type Database = Kysely<DB>;

export interface DatabaseOptions {
  /** postgres://… ; without it the embedded PGlite in dataDir is used. */
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
}

export interface DatabaseHandle {
  db: Database;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

// pg returns int8 and numeric as strings; counts are cast to int in SQL instead (PGlite returns numbers).

/**
 * Opens the database: a pg pool when a URL is given, else PGlite in dataDir.
 * The pool has an error listener (an idle client dropped by a Postgres restart
 * would otherwise crash the process) and connection and statement timeouts,
 * so an outage fails requests quickly instead of hanging them.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 15_000,
      query_timeout: 20_000,
    });
    pool.on("error", (error) => {
      console.error(`[db] idle client error: ${error.message}`);
    });
    // The pool listens only to idle clients. A checked-out client between two queries (inside
    // a transaction, e.g. while the relay adds jobs to Redis) emits its connection error with
    // no listener, which would crash the process. The error is not lost: the client's next
    // query fails ("not queryable", a 503), and the pool discards the client on release.
    pool.on("connect", (client) => {
      client.on("error", () => {});
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  const dataDir = path.resolve(options.dataDir ?? "./data");
  mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(path.join(dataDir, "pglite"));
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite: pglite as never }) });
  return { db, kind: "pglite", close: () => db.destroy() };
}
