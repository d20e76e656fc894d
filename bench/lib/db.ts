import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { openDatabase, type Database } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { seed } from "../../db/seed";
import { onCleanup } from "./cleanup";

/** The server the benchmarks create their databases on (trust auth, user postgres, as on the dev machines). */
export const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The petition every benchmark signs and reads (from the seed content). */
export const PETITION_SLUG = "tell-your-mayor-defy-trump-expand-sanctuary";

export interface BenchDatabase {
  name: string;
  url: string;
  db: Database;
  petitionId: number;
  /** Closes this process's connections, then drops the database (WITH FORCE: a stuck server cannot block it). */
  drop(): Promise<void>;
}

export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/** A new database `bench_<random>`, migrated with the app's migrations and seeded with its seed content. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  let handle: Awaited<ReturnType<typeof openDatabase>> | null = null;
  const release = onCleanup(`database ${name}`, async () => {
    await handle?.close().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  try {
    const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    handle = await openDatabase({ databaseUrl: url, poolSize: 4 });
    await migrateToLatest(handle.db);
    await seed(handle.db);
    const petition = await handle.db.selectFrom("petitions").select("id").where("slug", "=", PETITION_SLUG).executeTakeFirstOrThrow();
    return { name, url, db: handle.db, petitionId: petition.id, drop: release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Counted signatures of a petition, as the public count defines them. */
export async function countedSignatures(db: Database, petitionId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from signatures
    where petition_id = ${petitionId} and status = 'confirmed' and flagged_reason is null`.execute(db);
  return rows[0].n;
}

/** Committed transactions of one database so far (pg_stat_database; a backend reports at exit or within ~1 s of going idle). */
export async function committedTransactions(name: string): Promise<number> {
  const { rows } = await adminQuery<{ n: string }>("select xact_commit::text as n from pg_stat_database where datname = $1", [name]);
  return Number(rows[0]?.n ?? 0);
}

export interface ActivitySample {
  /** Connections to the database. */
  connections: number;
  /** Running a statement right now. */
  active: number;
  /** Inside a transaction, waiting for the client to send the next statement. */
  idleInTransaction: number;
  /** Waiting on a lock. */
  lockWaits: number;
}

/**
 * Samples pg_stat_activity for one database every intervalMs until stopped:
 * busy connections near the pool size mean the pool is the queue; mostly idle
 * connections while the web process is at 100 % CPU mean the process is.
 */
export function sampleActivity(name: string, intervalMs = 250): { stop(): Promise<{ samples: number; avg: ActivitySample; max: ActivitySample }> } {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  const samples: ActivitySample[] = [];
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ state: string | null; wait: string | null; n: number }>(
        `select state, wait_event_type as wait, count(*)::int as n from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid() group by 1, 2`,
        [name],
      );
      const sample: ActivitySample = { connections: 0, active: 0, idleInTransaction: 0, lockWaits: 0 };
      for (const row of rows) {
        sample.connections += row.n;
        if (row.state === "active") sample.active += row.n;
        if (row.state === "idle in transaction") sample.idleInTransaction += row.n;
        if (row.wait === "Lock") sample.lockWaits += row.n;
      }
      samples.push(sample);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      const keys = ["connections", "active", "idleInTransaction", "lockWaits"] as const;
      const avg = { connections: 0, active: 0, idleInTransaction: 0, lockWaits: 0 };
      const max = { connections: 0, active: 0, idleInTransaction: 0, lockWaits: 0 };
      for (const sample of samples) {
        for (const key of keys) {
          avg[key] += sample[key] / samples.length;
          max[key] = Math.max(max[key], sample[key]);
        }
      }
      return { samples: samples.length, avg, max };
    },
  };
}
