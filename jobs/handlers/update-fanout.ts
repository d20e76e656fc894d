import { sql } from "kysely";
import { z } from "zod";
import type { JobDeps } from "../deps";
import { enqueueOutbox, JOB_KINDS } from "../outbox";

export const UpdateFanoutPayload = z.object({ updateId: z.number().int().positive() });

/** Recipients per batch: one update.batch job each. */
export const FANOUT_PAGE_SIZE = 500;

type Step = "page" | "done" | "stop";

/**
 * Pages through a campaign update's recipients (confirmed follows of active
 * subscribers) by subscriber id, starting after `fanout_cursor`. Each page is one
 * transaction: its `update_sends` rows, the batch's outbox row and the advanced
 * cursor commit together, with the update row locked, so two fan-outs of one
 * update take turns and the second finds the page already taken. A retry after a
 * crash resumes at the cursor; an empty page records the fan-out as done.
 * Cancelled and skipped updates get nothing; an update whose publication was moved
 * later is left to a fan-out due at its new time.
 */
export async function fanOutUpdate(deps: JobDeps, payload: unknown, options: { pageSize?: number } = {}): Promise<void> {
  const { updateId } = UpdateFanoutPayload.parse(payload);
  const pageSize = options.pageSize ?? FANOUT_PAGE_SIZE;
  for (;;) {
    const step = await deps.db.transaction().execute(async (trx): Promise<Step> => {
      const update = await trx
        .selectFrom("campaign_updates")
        .select(["campaign_id", "status", "fanout_cursor", "fanout_batches", "fanout_done_at", "publish_at", sql<boolean>`publish_at > now()`.as("early")])
        .where("id", "=", updateId)
        .forUpdate()
        .executeTakeFirst();
      if (!update || update.status !== "active" || update.fanout_done_at) return "stop";
      if (update.early) {
        await enqueueOutbox(trx, JOB_KINDS.updateFanout, { updateId }, { runAfter: new Date(update.publish_at) });
        return "stop";
      }
      const batch = update.fanout_batches + 1;
      // One statement: pick the page, record its sends, and report where it ended.
      const { rows } = await sql<{ n: number; last: number | null }>`
        with page as (
          select f.subscriber_id
          from follows f
          join subscribers s on s.id = f.subscriber_id
          where f.campaign_id = ${update.campaign_id} and f.status = 'confirmed' and s.status = 'active'
            and f.subscriber_id > ${update.fanout_cursor}
          order by f.subscriber_id
          limit ${pageSize}
        ), recorded as (
          insert into update_sends (update_id, subscriber_id, batch)
          select ${updateId}, subscriber_id, ${batch} from page
          on conflict do nothing
        )
        select count(*)::int as n, max(subscriber_id) as last from page`.execute(trx);
      const { n, last } = rows[0];
      if (n === 0 || last === null) {
        await trx.updateTable("campaign_updates").set({ fanout_done_at: sql`now()` }).where("id", "=", updateId).execute();
        return "done";
      }
      await enqueueOutbox(trx, JOB_KINDS.updateBatch, { updateId, batch });
      await trx.updateTable("campaign_updates").set({ fanout_cursor: last, fanout_batches: batch }).where("id", "=", updateId).execute();
      return "page";
    });
    if (step !== "page") return;
  }
}
