import { sql } from "kysely";
import type { JobDeps } from "./deps";
import { runPeriodicTasks } from "./periodic";
import { backoffSeconds, executeOutboxRow, RetryableJobError } from "./execute";

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

  const claim = async () => {
    const rows = await sql<{ id: string; attempts: number }>`
      update outbox set attempts = attempts + 1, run_after = now() + make_interval(secs => ${LEASE_SECONDS})
      where id in (
        select id from outbox where status = 'pending' and run_after <= now()
        order by id limit ${batch} for update skip locked
      )
      returning id, attempts`.execute(deps.db);
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

  const tick = async () => {
    if (Date.now() - lastSchedule >= scheduleMs) {
      lastSchedule = Date.now();
      await runPeriodicTasks(deps);
    }
    for (;;) {
      const rows = await claim();
      if (rows.length === 0 || stopped) return;
      await Promise.all(rows.map(runOne));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        // The database may be restarting; the next poll tries again.
        console.error(`[jobs] inline runner: ${(error as Error).message}`);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollMs);
      });
      wakeUp = null;
    }
  })();

  return {
    wake() {
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wakeUp?.();
      await loop;
    },
  };
}
