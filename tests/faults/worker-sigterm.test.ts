import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import {
  sleep,
  startPrivatePostgres,
  startPrivateRedis,
  startServer,
  startWorker,
  stopAllProcesses,
  type ChildHandle,
  type PrivateDatabase,
  type PrivatePostgres,
  type PrivateRedis,
  type ServerProcess,
} from "../support/processes";
import { FAULTS, inspectQueue, PREFIX, sentTwice, tail } from "./helpers";
import { startSlowSink, type SlowSink } from "./slow-smtp";

// (b) SIGTERM to a worker with jobs in flight: it exits 0 within 30 s, having finished
// its jobs or handed them back to the queue, and the next worker sends the rest once.

const CONFIRM_SUBJECT = "Confirm your signature:";

let postgres: PrivatePostgres;
let database: PrivateDatabase;
let redis: PrivateRedis;
let sink: SlowSink;
let server: ServerProcess;
let vars: Record<string, string>;
const workers: ChildHandle[] = [];

async function signMany(tag: string, n: number): Promise<string[]> {
  const emails = Array.from({ length: n }, (_, i) => `${tag}.${i}@example.com`);
  for (let i = 0; i < emails.length; i += 10) {
    const statuses = await Promise.all(
      emails.slice(i, i + 10).map(async (email) => {
        const res = await server.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email }));
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s !== 302)).toEqual([]);
  }
  return emails;
}

const confirmationsTo = (emails: string[]) => sink.messages.filter((m) => emails.includes(m.to) && m.subject.startsWith(CONFIRM_SUBJECT));

async function outboxStatuses() {
  const rows = await database.db.selectFrom("outbox").select(["status", sql<number>`count(*)::int`.as("n")]).groupBy("status").execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe.skipIf(!FAULTS)("SIGTERM to a worker with jobs in flight", () => {
  beforeAll(async () => {
    [postgres, redis, sink] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startSlowSink({ delayMs: 200 })]);
    database = await postgres.createDatabase();
    vars = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, SMTP_URL: sink.url, SIGN_RATE_LIMITS: "off" };
    server = await startServer(vars);
    vars.APP_URL = server.url;
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await server?.stop("SIGTERM", 10_000);
    await stopAllProcesses();
    await database?.close();
    await sink?.close();
    await redis?.destroy();
    await postgres?.destroy();
  });

  it("finishes the running jobs, exits 0, and leaves the rest to the next worker: everything mailed once", { timeout: 240_000 }, async () => {
    const emails = await signMany("term", 120);
    const queue = inspectQueue(redis.url);
    const first = await startWorker(vars, "worker-1");
    workers.push(first);
    await sink.waitFor((m) => emails.includes(m.to), 20, 60_000);

    const signalledAt = Date.now();
    const atSignal = await queue.counts();
    first.signal("SIGTERM");
    const exit = await first.exited;
    const stopMs = exit.at - signalledAt;
    const afterExit = await queue.counts();
    const outboxAfterExit = await outboxStatuses();
    const sentByFirst = confirmationsTo(emails).length;

    const second = await startWorker(vars, "worker-2");
    workers.push(second);
    const restartedAt = Date.now();
    const drained = await sink
      .waitFor((m) => emails.includes(m.to), emails.length, 90_000)
      .then(() => true)
      .catch(() => false);
    const drainMs = Date.now() - restartedAt;
    await sleep(2_000);
    console.log(
      [
        ``,
        `fault (b1) SIGTERM with jobs in flight (SMTP 200 ms a message): ${emails.length} confirmations`,
        `  at SIGTERM      BullMQ ${JSON.stringify(atSignal)}`,
        `  worker-1        exit ${exit.signal ?? exit.code} after ${stopMs} ms; ${sentByFirst} sent; then BullMQ ${JSON.stringify(afterExit)}, outbox ${JSON.stringify(outboxAfterExit)}`,
        `  worker-2        ${drained ? "the rest sent" : "NOT ALL SENT"} ${(drainMs / 1000).toFixed(1)} s after it started; total ${confirmationsTo(emails).length}, sent twice: ${sentTwice(sink.messages).length}`,
        ``,
      ].join("\n"),
    );
    await queue.close();

    expect(exit, tail(first)).toMatchObject({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(30_000);
    expect(first.output()).toContain("SIGTERM");
    expect(drained, tail(second)).toBe(true);
    // Nothing left active (stalled) in Redis, and nothing sent without being recorded as done.
    expect(afterExit.active).toBe(0);
    expect(outboxAfterExit.done ?? 0).toBe(sentByFirst);
    expect(sentByFirst).toBeLessThan(emails.length);
    expect(confirmationsTo(emails)).toHaveLength(emails.length);
    expect(new Set(confirmationsTo(emails).map((m) => m.to)).size).toBe(emails.length);
    expect(sentTwice(sink.messages)).toEqual([]);
    expect(second.alive(), tail(second)).toBe(true);
  });

  it("with the mail server hanging, still exits 0 within 30 s and hands the jobs back; the next worker sends each once", { timeout: 240_000 }, async () => {
    const worker = workers.at(-1)!;
    expect(worker.alive()).toBe(true);
    const queue = inspectQueue(redis.url);
    sink.hold();
    const emails = await signMany("hung", 30);
    await waitUntil(async () => sink.held().total >= 5, 30_000, "messages stuck in SMTP");

    const signalledAt = Date.now();
    const atSignal = await queue.counts();
    const heldAtSignal = sink.held().total;
    worker.signal("SIGTERM");
    const exit = await worker.exited;
    const stopMs = exit.at - signalledAt;
    const afterExit = await queue.counts();
    const outboxAfterExit = await outboxStatuses();
    await waitUntil(async () => sink.held().open === 0, 15_000, "the stopped worker's SMTP connections to close");
    sink.release();
    expect(confirmationsTo(emails)).toHaveLength(0);

    const next = await startWorker(vars, "worker-3");
    workers.push(next);
    const restartedAt = Date.now();
    await sink.waitFor((m) => emails.includes(m.to), emails.length, 60_000);
    const resumedMs = Date.now() - restartedAt;
    await sleep(2_000);
    console.log(
      [
        ``,
        `fault (b2) SIGTERM while the mail server hangs: ${emails.length} confirmations`,
        `  at SIGTERM      BullMQ ${JSON.stringify(atSignal)}; ${heldAtSignal} messages stuck in SMTP (the client times out after 10 s)`,
        `  worker-2        exit ${exit.signal ?? exit.code} after ${stopMs} ms; then BullMQ ${JSON.stringify(afterExit)}, outbox ${JSON.stringify(outboxAfterExit)}`,
        `  worker-3        all sent ${(resumedMs / 1000).toFixed(1)} s after it started; total ${confirmationsTo(emails).length}, sent twice: ${sentTwice(sink.messages).length}`,
        ``,
      ].join("\n"),
    );
    await queue.close();

    expect(exit, tail(worker)).toMatchObject({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(30_000);
    expect(afterExit.active).toBe(0);
    expect(confirmationsTo(emails)).toHaveLength(emails.length);
    expect(sentTwice(sink.messages)).toEqual([]);
    expect(next.alive(), tail(next)).toBe(true);
  });
});
