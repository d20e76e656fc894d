import { scheduleDueDeliveries } from "../app/models/deliveries.server";
import { checkMilestones } from "../app/models/milestones.server";
import type { JobDeps } from "./deps";

/**
 * Work found by looking rather than by being told: digests that fell due, and
 * petitions that reached a milestone of their goal. Both runners (in-process and
 * the BullMQ worker) call this every scheduleEveryMs(); it is safe to run from
 * several processes at once. Deliveries go first, so a failing milestone check
 * never holds back a digest.
 */
export async function runPeriodicTasks(deps: JobDeps): Promise<void> {
  await scheduleDueDeliveries(deps.db, deps.deliveryIntervalMs);
  await checkMilestones(deps.db, { appUrl: deps.appUrl });
}
