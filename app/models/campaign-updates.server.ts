import type { Kysely } from "kysely";
import type { DB, Locale, UpdateKind, UpdateStatus } from "../../db/schema";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";

export interface UpdateText {
  title: string;
  /** Markdown, rendered and sanitized when shown or mailed. */
  body: string;
}

export interface NewCampaignUpdate {
  campaignId: number;
  /** English is required; other languages fall back to it. */
  translations: Partial<Record<Locale, UpdateText>> & { en: UpdateText };
  /** When it appears on the campaign page and goes out by email; now when omitted. */
  publishAt?: Date;
  kind?: UpdateKind;
  createdBy?: number | null;
  petitionId?: number | null;
  milestonePercent?: number | null;
  /** "skipped" records a milestone that is not sent (a higher one was reached at the same time). */
  status?: UpdateStatus;
}

/**
 * Stores an update and, in the same transaction, the outbox row of its fan-out, due at
 * publishAt: the outbox's run_after is the schedule, so no other timer is needed.
 * A skipped milestone gets no fan-out.
 */
export async function publishUpdate(db: Kysely<DB>, input: NewCampaignUpdate): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const status = input.status ?? "active";
    const update = await trx
      .insertInto("campaign_updates")
      .values({
        campaign_id: input.campaignId,
        kind: input.kind ?? "post",
        petition_id: input.petitionId ?? null,
        milestone_percent: input.milestonePercent ?? null,
        status,
        publish_at: input.publishAt ?? new Date(),
        created_by: input.createdBy ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const rows = Object.entries(input.translations)
      .filter((entry): entry is [Locale, UpdateText] => Boolean(entry[1]))
      .map(([locale, text]) => ({ update_id: update.id, locale, title: text.title, body: text.body }));
    await trx.insertInto("campaign_update_translations").values(rows).execute();
    if (status === "active") {
      await enqueueOutbox(trx, JOB_KINDS.updateFanout, { updateId: update.id }, { runAfter: input.publishAt });
    }
    return update.id;
  });
}
