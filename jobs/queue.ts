import { Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import type { JobDeps } from "./deps";
import { runPeriodicTasks } from "./periodic";
import { executeOutboxRow, FIRST_RETRY_SECONDS, MAX_ATTEMPTS } from "./execute";
import { scheduleEveryMs } from "./inline-runner";
import { JOB_KINDS } from "./outbox";

export const OUTBOX_QUEUE = "outbox";

/** Rows relayed this long ago and still not done are relayed again (Redis may have lost them). */
const REQUEUE_AFTER_SECONDS = 600;

/**
 * BullMQ takes a job from its wait list (jobs without a priority) before any
 * prioritized one, so every kind of job not named here (confirmations, digests,
 * invitations) goes before bulk mail. Among bulk jobs, a fan-out goes before
 * batches, so a second update's sending starts while a first is still going out.
 */
export const BULK_PRIORITY: Readonly<Record<string, number>> = {
  [JOB_KINDS.updateFanout]: 1,
  [JOB_KINDS.updateBatch]: 2,
};
/**
 * Update batches in BullMQ (relayed, not done) at most, across all workers. Priority
 * only decides which job a free slot takes next, and a batch held back by
 * MAIL_RATE_PER_MINUTE keeps its slot for minutes: relaying a few batches at a time
 * leaves the other slots to confirmations. A few are enough to keep the SMTP
 * connections busy, as each batch sends several messages at once. (A fan-out is
 * quick and sends nothing, so it is not counted.)
 */
export const BATCHES_IN_FLIGHT = 4;

export interface QueueWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency?: number;
  relayEveryMs?: number;
  /** Shorter lock durations make a killed worker's jobs come back sooner (the fault tests use this). */
  lockDurationMs?: number;
  /** Update batches relayed at a time (BATCHES_IN_FLIGHT). */
  batchesInFlight?: number;
}

export interface QueueWorker {
  worker: Worker;
  queue: Queue;
  stop(): Promise<void>;
}

/**
 * Moves committed outbox rows into BullMQ. The job id is the outbox id, so a
 * row relayed twice is one job; and executeOutboxRow checks the row's status,
 * so even a job that runs twice sends once. While Redis is away, add() fails
 * at once (no offline queue) and the rows wait as "pending". Update batches go
 * in a few at a time (batchesInFlight) and with a low priority (BULK_PRIORITY).
 */
export async function relayOutbox(deps: Pick<JobDeps, "db">, queue: Queue, limit = 200, batchesInFlight = BATCHES_IN_FLIGHT): Promise<number> {
  const stale = await deps.db
    .updateTable("outbox")
    .set({ status: "pending" })
    .where("status", "=", "queued")
    .where("relayed_at", "<", sql<Date>`now() - make_interval(secs => ${REQUEUE_AFTER_SECONDS})`)
    .returning("id")
    .execute();
  // A job that gave up without recording it (Postgres was down too) stays in BullMQ's failed set,
  // where its id would swallow the re-relay: remove it so the row gets a fresh job.
  for (const row of stale) {
    const job = await queue.getJob(`outbox-${row.id}`);
    if (job && (await job.isFailed())) await job.remove();
  }
  return deps.db.transaction().execute(async (trx) => {
    const due = () =>
      trx
        .selectFrom("outbox")
        .select(["id", "kind"])
        .where("status", "=", "pending")
        .where("run_after", "<=", sql<Date>`now()`)
        .orderBy("id")
        .forUpdate()
        .skipLocked();
    const queuedBatches = await trx
      .selectFrom("outbox")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("status", "=", "queued")
      .where("kind", "=", JOB_KINDS.updateBatch)
      .executeTakeFirstOrThrow();
    const room = Math.max(0, batchesInFlight - Number(queuedBatches.n));
    const rows = [
      ...(await due().where("kind", "!=", JOB_KINDS.updateBatch).limit(limit).execute()),
      ...(room > 0 ? await due().where("kind", "=", JOB_KINDS.updateBatch).limit(room).execute() : []),
    ];
    if (rows.length === 0) return 0;
    await queue.addBulk(
      rows.map((row) => ({
        name: row.kind,
        data: { outboxId: String(row.id) },
        opts: { jobId: `outbox-${row.id}`, ...(BULK_PRIORITY[row.kind] ? { priority: BULK_PRIORITY[row.kind] } : {}) },
      })),
    );
    await trx
      .updateTable("outbox")
      .set({ status: "queued", relayed_at: sql`now()` })
      .where(
        "id",
        "in",
        rows.map((row) => row.id),
      )
      .execute();
    return rows.length;
  });
}

/**
 * The worker side: a BullMQ Worker on its own Redis connection running outbox
 * jobs, the relay, and the digest scheduler. stop() lets running jobs finish,
 * then closes every connection it opened (BullMQ leaves passed-in ones open).
 */
export function startQueueWorker(deps: JobDeps, options: QueueWorkerOptions): QueueWorker {
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  // The relay's connection fails fast while Redis is down, so rows stay pending instead of piling up in memory.
  const queueConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  for (const connection of [workerConnection, queueConnection]) {
    connection.on("error", (error) => console.warn(`[jobs] redis: ${error.message}`));
  }
  const queue = new Queue(OUTBOX_QUEUE, {
    connection: queueConnection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: MAX_ATTEMPTS,
      backoff: { type: "exponential", delay: FIRST_RETRY_SECONDS * 1000 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    },
  });
  queue.on("error", (error) => console.warn(`[jobs] queue: ${error.message}`));
  const worker = new Worker(
    OUTBOX_QUEUE,
    async (job) => {
      const outboxId = String(job.data?.outboxId ?? "");
      if (!/^\d+$/.test(outboxId)) throw new UnrecoverableError("job without an outbox id");
      return executeOutboxRow(deps, outboxId, job.attemptsMade + 1);
    },
    {
      connection: workerConnection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 10,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
    },
  );
  worker.on("error", (error) => console.warn(`[jobs] worker: ${error.message}`));

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeUp: (() => void) | null = null;
  let lastSchedule = 0;
  const scheduleMs = scheduleEveryMs(deps.deliveryIntervalMs);
  const relayEveryMs = options.relayEveryMs ?? 250;
  const loop = (async () => {
    while (!stopped) {
      try {
        if (Date.now() - lastSchedule >= scheduleMs) {
          lastSchedule = Date.now();
          await runPeriodicTasks(deps);
        }
        while ((await relayOutbox(deps, queue, 200, options.batchesInFlight)) > 0 && !stopped);
      } catch (error) {
        console.warn(`[jobs] relay: ${(error as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, relayEveryMs);
      });
    }
  })();

  return {
    worker,
    queue,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wakeUp?.();
      await loop;
      // While Redis is away, commands wait for it (maxRetriesPerRequest: null) and so would a
      // graceful close() or quit(): a stop during an outage would never finish. Then close
      // without waiting; a job cut short stays unfinished in the outbox (or stalled in Redis) and runs again.
      const redisUp = workerConnection.status === "ready";
      await worker.close(!redisUp);
      await queue.close();
      for (const connection of [workerConnection, queueConnection]) {
        if (redisUp && connection.status === "ready") await connection.quit().catch(() => {});
        else connection.disconnect();
      }
    },
  };
}
