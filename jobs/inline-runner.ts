import { sql } from "kysely";
import type { JobDeps } from "./deps";
import { runPeriodicTasks } from "./periodic";
import { backoffSeconds, executeOutboxRow, RetryableJobError } from "./execute";
import { JOB_KINDS } from "./outbox";

const BULK_KINDS: string[] = [JOB_KINDS.updateFanout, JOB_KINDS.updateBatch];
/** Of the runner's slots, bulk jobs may hold this many at once. */
const BULK_SLOTS = 2;

export interface JobRunner {
  /** Look at the outbox now instead of at the next poll (called after a commit that wrote to it). */
  wake(): void;
  stop(): Promise<void>;
}

/** A claimed row is not picked again for this long, so a crash mid-job means a retry, not a loss. */
const LEASE_SECONDS = 300;

/** How often to look for due digests: often enough for short intervals in tests, at most once a minute. */
export function scheduleEveryMs(deliveryIntervalMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(deliveryIntervalMs / 2)));
}

/**
 * Runs outbox jobs inside this process: the embedded default, when there is
 * no Redis. It drives the same handlers as the BullMQ worker through
 * executeOutboxRow, claiming rows with a lease so that two runners (or a
 * restart) never lose a job.
 */
export function startInlineRunner(deps: JobDeps, options: { pollMs?: number; batch?: number } = {}): JobRunner {
  const pollMs = options.pollMs ?? 500;
  const batch = options.batch ?? 10;
  const scheduleMs = scheduleEveryMs(deps.deliveryIntervalMs);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeUp: (() => void) | null = null;
  let lastSchedule = 0;

  // Claims due rows, bulk kinds (update fan-outs and batches) only when `bulk` is set.
  const claim = async (limit: number, bulk: boolean) => {
    const rows = await sql<{ id: string; kind: string; attempts: number }>`
      update outbox set attempts = attempts + 1, run_after = now() + make_interval(secs => ${LEASE_SECONDS})
      where id in (
        select id from outbox where status = 'pending' and run_after <= now()
          and (kind in (${sql.join(BULK_KINDS)})) = ${bulk}
        order by id limit ${limit} for update skip locked
      )
      returning id, kind, attempts`.execute(deps.db);
    return rows.rows;
  };

  const runOne = async (row: { id: string; attempts: number }) => {
    try {
      await executeOutboxRow(deps, String(row.id), row.attempts);
    } catch (error) {
      const delay = backoffSeconds(row.attempts);
      await deps.db
        .updateTable("outbox")
        .set({ run_after: sql`now() + make_interval(secs => ${delay})` })
        .where("id", "=", String(row.id) as never)
        .execute();
      if (!(error instanceof RetryableJobError)) console.error(`[jobs] outbox#${row.id} crashed: ${(error as Error).message}`);
    }
  };

  const running = new Set<Promise<void>>();
  let bulkRunning = 0;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const start = (row: { id: string; kind: string; attempts: number }) => {
    const bulk = BULK_KINDS.includes(row.kind);
    if (bulk) bulkRunning++;
    const job: Promise<void> = runOne(row).finally(() => {
      running.delete(job);
      if (bulk) bulkRunning--;
      wake();
    });
    running.add(job);
  };

  // Slots are refilled as jobs finish, not round by round: a rate-paced update batch can take a
  // minute, and a signer's confirmation email must not wait for it. Bulk jobs get at most
  // BULK_SLOTS of the slots and are claimed after everything else.
  const fill = async () => {
    for (;;) {
      const free = batch - running.size;
      if (free <= 0 || stopped) return;
      const rows = await claim(free, false);
      const bulkFree = Math.min(free - rows.length, BULK_SLOTS - bulkRunning);
      if (bulkFree > 0) rows.push(...(await claim(bulkFree, true)));
      if (rows.length === 0) return;
      for (const row of rows) start(row);
    }
  };

  const tick = async () => {
    if (Date.now() - lastSchedule >= scheduleMs) {
      lastSchedule = Date.now();
      await runPeriodicTasks(deps);
    }
    await fill();
  };

  const loop = (async () => {
    while (!stopped) {
      woken = false;
      try {
        await tick();
      } catch (error) {
        // The database may be restarting; the next poll tries again.
        console.error(`[jobs] inline runner: ${(error as Error).message}`);
      }
      if (stopped) break;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollMs);
      });
      wakeUp = null;
    }
    await Promise.all(running);
  })();

  return {
    wake,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wakeUp?.();
      await loop;
    },
  };
}
