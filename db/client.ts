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
  /** Connections for long statements (CSV exports by COPY); see longStatementPool. */
  longPoolSize?: number;
}

export interface DatabaseHandle {
  db: Database;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

/*
 * The pool of long statements, by the Kysely instance it belongs to (so code
 * that is handed `db` can find it without another service to pass around).
 * Created on first use: a server that never exports holds no extra connection.
 * The map lives on globalThis because this module runs twice in one server:
 * server.ts opens the database with this file, and the Remix build, whose
 * routes ask for the pool, bundles its own copy.
 */
const LONG_POOLS = Symbol.for("sanctuary.db.longStatementPools");
const longPools: WeakMap<Database, () => pg.Pool> = ((globalThis as { [LONG_POOLS]?: WeakMap<Database, () => pg.Pool> })[LONG_POOLS] ??= new WeakMap());

/**
 * A second, small pool on the same database for statements that may rightly
 * run for minutes (a CSV export by COPY of a million rows to a slow client),
 * or null on PGlite. The request pool's limits would end them: its
 * statement_timeout (15 s) and pg's client-side query_timeout (20 s), which
 * pg applies to a COPY stream too. This pool sets neither; a user of it sets
 * `statement_timeout = 0` on the connection it checks out. Its size bounds
 * how many such statements run at once, and keeps them from taking the
 * request pool's connections.
 */
export function longStatementPool(db: Database): pg.Pool | null {
  return longPools.get(db)?.() ?? null;
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
    let long: pg.Pool | null = null;
    longPools.set(db, () => {
      if (long) return long;
      long = new pg.Pool({
        connectionString: options.databaseUrl,
        max: options.longPoolSize ?? 3,
        connectionTimeoutMillis: 3_000,
        idleTimeoutMillis: 10_000,
        application_name: "sanctuary-long",
      });
      long.on("error", (error) => console.error(`[db] idle client error (long statements): ${error.message}`));
      long.on("connect", (client) => client.on("error", () => {}));
      return long;
    });
    return {
      db,
      kind: "postgres",
      close: async () => {
        await db.destroy();
        await (long as pg.Pool | null)?.end();
      },
    };
  }
  const dataDir = path.resolve(options.dataDir ?? "./data");
  mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(path.join(dataDir, "pglite"));
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite: pglite as never }) });
  return { db, kind: "pglite", close: () => db.destroy() };
}
