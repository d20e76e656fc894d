import { scheduleDueDeliveries } from "../app/models/deliveries.server";
import type { JobDeps } from "./deps";

/**
 * Work found by looking rather than by being told: digests that fell due. Both runners
 * (in-process and the BullMQ worker) call this every scheduleEveryMs(); it is safe to run
 * from several processes at once.
 */
export async function runPeriodicTasks(deps: JobDeps): Promise<void> {
  await scheduleDueDeliveries(deps.db, deps.deliveryIntervalMs);
}
