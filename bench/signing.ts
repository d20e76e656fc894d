import { sql } from "kysely";
import { committedTransactions, createBenchDatabase, PETITION_SLUG, sampleActivity, type ActivitySample } from "./lib/db";
import { startApp, type BenchContext } from "./lib/app";
import { sleep } from "./lib/cleanup";
import { cpuMs, formatCpu, startCpuMeter, type CpuReport } from "./lib/cpu";
import { runLoad, type LoadResult } from "./lib/load";
import { runPgbench, type PgbenchResult } from "./lib/pgbench";

/** The machine's Redis, as the signing benchmark asks ("real Postgres and Redis"). */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export const SIGNING = { connections: 50, seconds: 15, warmupSeconds: 2, warmupConnections: 10 };

let emailCounter = 0;

/** A sign request body with an email no one has used: what autocannon's setupRequest sends each time. */
export function signBody(prefix = "bench"): string {
  const n = ++emailCounter;
  return new URLSearchParams({ firstName: "Ana", lastName: "Bench", email: `${prefix}-${n}@example.com`, postalCode: "94110" }).toString();
}

export function signingLoad(baseUrl: string, connections: number, seconds: number, prefix = "bench") {
  return runLoad({
    url: `${baseUrl}/petitions/${PETITION_SLUG}`,
    method: "POST",
    connections,
    seconds,
    expectStatus: 302,
    headers: { Origin: baseUrl, "Content-Type": "application/x-www-form-urlencoded" },
    body: () => signBody(prefix),
  });
}

/**
 * Where the confirmation emails go. "worker": as deployed with Redis (REDIS_URL set), the web
 * process writes the signature and its outbox row, the transaction pgbench runs, and leaves the
 * email to `npm run worker`, which is not running while this measures acceptance (mail throughput
 * is bench:fanout's). "in-process": the embedded mode, where the web process sends them itself.
 */
export type SigningJobs = "worker" | "in-process";

export interface SigningResult {
  webProcesses: number;
  jobs: SigningJobs;
  load: LoadResult;
  /**
   * Signature rows of this run: at least the 302s (warm-up included), and at most
   * that plus the requests still in flight when the load generator stopped.
   */
  rowsStored: number;
  accepted: number;
  inFlightAtStop: number;
  cpu: CpuReport;
  activity: { avg: ActivitySample; max: ActivitySample };
  /** Transactions Postgres committed in the bench database per accepted signature (web and in-process jobs). */
  commitsPerSignature: number;
  emailsSent: number;
  outboxPendingAtEnd: number;
}

/** POST /petitions/:slug with unique emails, 50 connections, against a fresh database and the real server. */
export async function benchSigning(context: BenchContext, webProcesses: number, jobs: SigningJobs): Promise<SigningResult> {
  const { sink, log } = context;
  const database = await createBenchDatabase();
  // The web side writes nothing to Redis while signing (rate limits live in Postgres); its own prefix all the same.
  const redis = jobs === "worker" ? { REDIS_URL: BENCH_REDIS_URL, REDIS_PREFIX: database.name } : undefined;
  try {
    const app = await startApp(context, { databaseUrl: database.url, webConcurrency: webProcesses, env: redis });
    let load: LoadResult;
    let warm: LoadResult;
    let cpu: CpuReport;
    let activity: Awaited<ReturnType<ReturnType<typeof sampleActivity>["stop"]>>;
    let emailsSent: number;
    let outboxPendingAtEnd: number;
    try {
      warm = await signingLoad(app.url, SIGNING.warmupConnections, SIGNING.warmupSeconds, "warmup");
      const sentBefore = sink.received();
      const sampler = sampleActivity(database.name);
      const meter = startCpuMeter({ web: app.child.pid });
      load = await signingLoad(app.url, SIGNING.connections, SIGNING.seconds);
      cpu = meter.stop();
      activity = await sampler.stop();
      emailsSent = sink.received() - sentBefore;
      const pending = await database.db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      outboxPendingAtEnd = Number(pending.n);
    } finally {
      await app.stop();
    }
    // Backends report their counters when they exit; the server's have now.
    await sleep(300);
    const commits = await committedTransactions(database.name);
    const stored = await sql<{ n: number }>`select count(*)::int as n from signatures where petition_id = ${database.petitionId}`.execute(database.db);
    const accepted = load.ok + warm.ok;
    const result: SigningResult = {
      webProcesses,
      jobs,
      load,
      rowsStored: stored.rows[0].n,
      accepted,
      inFlightAtStop: SIGNING.warmupConnections + SIGNING.connections,
      cpu,
      activity,
      commitsPerSignature: commits / Math.max(1, accepted),
      emailsSent,
      outboxPendingAtEnd,
    };
    log(
      `signing x${webProcesses} (emails ${jobs === "worker" ? "left to the worker" : "sent in-process"}): ${load.okRps.toFixed(0)} sig/s, p50 ${load.p50} ms, p99 ${load.p99} ms, ${load.unexpected} non-302, ${load.errors} errors; ` +
        `${result.rowsStored} rows for ${accepted} accepted; ${emailsSent} emails sent, ${outboxPendingAtEnd} pending at the end; ` +
        `db connections busy avg ${activity.avg.active.toFixed(1)} (+${activity.avg.idleInTransaction.toFixed(1)} idle in tx) of ${activity.avg.connections.toFixed(0)}; ` +
        `${result.commitsPerSignature.toFixed(1)} commits/signature; CPU per signature: web ${cpuMs(cpu, "web", load.ok)} ms, postgres ${cpuMs(cpu, "postgres", load.ok)} ms; CPU: ${formatCpu(cpu)}`,
    );
    return result;
  } finally {
    await database.drop();
  }
}

/** The same transaction straight from pgbench: the machine's signing limit. */
export async function benchPgbench({ log }: BenchContext): Promise<PgbenchResult> {
  const database = await createBenchDatabase();
  try {
    const result = await runPgbench(database, { clients: SIGNING.connections, threads: 2, seconds: SIGNING.seconds });
    log(
      `pgbench: ${result.tps.toFixed(0)} tps, latency avg ${result.latencyMs} ms, ${result.failed} failed, ${result.rowsStored} rows; ` +
        `CPU per transaction: postgres ${cpuMs(result.cpu, "postgres", result.transactions)} ms; CPU: ${formatCpu(result.cpu)}`,
    );
    return result;
  } finally {
    await database.drop();
  }
}
