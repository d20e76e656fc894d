import { data } from "@remix-run/node";
import { sql, type Kysely, type Transaction } from "kysely";
import { can } from "~/lib/auth.server";
import { audit } from "./audit.server";
import type { Organizer } from "./organizers.server";
import { forbidden } from "./petition-editor.server";
import type { DB, Locale, Role, UpdateKind, UpdateStatus } from "../../db/schema";
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
 * A skipped milestone gets no fan-out. Given a transaction, it writes inside it
 * (the milestone check holds a lock while it decides what to publish).
 */
export async function publishUpdate(db: Kysely<DB> | Transaction<DB>, input: NewCampaignUpdate): Promise<number> {
  const write = async (trx: Transaction<DB>) => {
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
  };
  return db.isTransaction ? write(db as Transaction<DB>) : db.transaction().execute(write);
}

export interface ScopedCampaign {
  id: number;
  slug: string;
  title: string;
  organizationId: number;
  /** Whether this organizer may write and cancel updates (organizer role or above). */
  canWrite: boolean;
}

/**
 * A campaign of the organizer's organizations, for its updates pages. Another
 * organization's campaign is a 404 (the workspace never confirms it exists);
 * one the organizer sees but lacks `role` in (a viewer writing) is a 403.
 */
export async function requireUpdatesCampaign(db: Kysely<DB>, organizer: Organizer, slug: string, role: Role): Promise<ScopedCampaign> {
  const row = await db
    .selectFrom("campaigns as c")
    .innerJoin("campaign_translations as t", (join) => join.onRef("t.campaign_id", "=", "c.id").on("t.locale", "=", "en"))
    .select(["c.id", "c.slug", "c.organization_id", "t.title"])
    .where("c.slug", "=", slug)
    .executeTakeFirst();
  if (!row || !can(organizer, row.organization_id, "viewer")) throw data({ messageKey: "notFound.body" }, { status: 404 });
  if (!can(organizer, row.organization_id, role)) throw forbidden();
  return { id: row.id, slug: row.slug, title: row.title, organizationId: row.organization_id, canWrite: can(organizer, row.organization_id, "organizer") };
}

/**
 * An organizer's update, published now (publishAt omitted) or at publishAt,
 * and audit-logged with ids only.
 */
export async function createCampaignUpdate(
  db: Kysely<DB>,
  organizer: Organizer,
  campaign: ScopedCampaign,
  input: { en: UpdateText; es: UpdateText | null; sendAt: Date | null },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const updateId = await publishUpdate(trx, {
      campaignId: campaign.id,
      translations: input.es ? { en: input.en, es: input.es } : { en: input.en },
      publishAt: input.sendAt ?? undefined,
      kind: "post",
      createdBy: organizer.id,
    });
    await audit(trx, {
      organizerId: organizer.id,
      organizationId: campaign.organizationId,
      action: "campaign_update.create",
      subject: campaign.slug,
      details: { campaignId: campaign.id, updateId, scheduled: input.sendAt !== null, languages: input.es ? 2 : 1 },
    });
    return updateId;
  });
}

export type CancelResult = "cancelled" | "not-found" | "already-published";

/**
 * Withdraws an update that has not gone out yet: status "cancelled", and its
 * pending fan-out row marked done so no runner picks it up. The update row is
 * locked and publish_at compared with the database's clock in the same
 * transaction, so an update that has just fallen due is never half cancelled.
 * The fan-out handler also skips cancelled updates, in case the row was
 * already claimed.
 */
export async function cancelCampaignUpdate(db: Kysely<DB>, organizer: Organizer, campaign: ScopedCampaign, updateId: number): Promise<CancelResult> {
  return db.transaction().execute(async (trx): Promise<CancelResult> => {
    const update = await trx
      .selectFrom("campaign_updates")
      .select(["id", "status", sql<boolean>`publish_at > now()`.as("future")])
      .where("id", "=", updateId)
      .where("campaign_id", "=", campaign.id)
      .forUpdate()
      .executeTakeFirst();
    if (!update) return "not-found";
    if (update.status !== "active" || !update.future) return "already-published";
    await trx.updateTable("campaign_updates").set({ status: "cancelled" }).where("id", "=", update.id).execute();
    const withdrawn = await trx
      .updateTable("outbox")
      .set({ status: "done", done_at: sql`now()`, last_error: "cancelled before publication" })
      .where("kind", "=", JOB_KINDS.updateFanout)
      .where("status", "=", "pending")
      .where(sql<boolean>`payload->>'updateId' = ${String(update.id)}`)
      .executeTakeFirst();
    await audit(trx, {
      organizerId: organizer.id,
      organizationId: campaign.organizationId,
      action: "campaign_update.cancel",
      subject: campaign.slug,
      details: { campaignId: campaign.id, updateId: update.id, outboxRows: Number(withdrawn.numUpdatedRows) },
    });
    return "cancelled";
  });
}

/** How an update shows in the list: its stored status plus where its publication has got to. */
export type UpdateState = "scheduled" | "sending" | "sent" | "cancelled" | "skipped";

export interface UpdateListItem {
  id: number;
  kind: UpdateKind;
  title: string;
  languages: Locale[];
  milestonePercent: number | null;
  petitionTitle: string | null;
  publishAt: string;
  state: UpdateState;
  /** Only a scheduled update can be cancelled. */
  cancellable: boolean;
  recipients: number;
  sent: number;
  failed: number;
  pending: number;
}

function stateOf(row: { status: UpdateStatus; future: boolean; fanout_done_at: Date | null; pending: number }): UpdateState {
  if (row.status === "cancelled") return "cancelled";
  if (row.status === "skipped") return "skipped";
  if (row.future) return "scheduled";
  return row.fanout_done_at !== null && row.pending === 0 ? "sent" : "sending";
}

/** A campaign's updates, newest publication first, with their send numbers (counts only, no recipient). */
export async function listCampaignUpdates(db: Kysely<DB>, campaignId: number): Promise<UpdateListItem[]> {
  const rows = await db
    .selectFrom("campaign_updates as u")
    .innerJoin("campaign_update_translations as t", (join) => join.onRef("t.update_id", "=", "u.id").on("t.locale", "=", "en"))
    .leftJoin("petition_translations as pt", (join) => join.onRef("pt.petition_id", "=", "u.petition_id").on("pt.locale", "=", "en"))
    .select((eb) => [
      "u.id",
      "u.kind",
      "u.status",
      "u.milestone_percent",
      "u.publish_at",
      "u.fanout_done_at",
      "t.title",
      "pt.title as petition_title",
      sql<boolean>`u.publish_at > now()`.as("future"),
      eb
        .selectFrom("campaign_update_translations as l")
        .select(sql<string>`string_agg(l.locale, ',' order by l.locale)`.as("locales"))
        .whereRef("l.update_id", "=", "u.id")
        .as("locales"),
    ])
    .where("u.campaign_id", "=", campaignId)
    .orderBy("u.publish_at", "desc")
    .orderBy("u.id", "desc")
    .limit(500)
    .execute();
  const ids = rows.map((row) => row.id);
  const sends =
    ids.length === 0
      ? []
      : await db
          .selectFrom("update_sends")
          .select([
            "update_id",
            sql<number>`count(*)::int`.as("recipients"),
            sql<number>`(count(*) filter (where status = 'sent'))::int`.as("sent"),
            sql<number>`(count(*) filter (where status = 'failed'))::int`.as("failed"),
            sql<number>`(count(*) filter (where status = 'pending'))::int`.as("pending"),
          ])
          .where("update_id", "in", ids)
          .groupBy("update_id")
          .execute();
  const byUpdate = new Map(sends.map((s) => [s.update_id, s]));
  return rows.map((row) => {
    const counts = byUpdate.get(row.id);
    const numbers = {
      recipients: Number(counts?.recipients ?? 0),
      sent: Number(counts?.sent ?? 0),
      failed: Number(counts?.failed ?? 0),
      pending: Number(counts?.pending ?? 0),
    };
    const state = stateOf({ status: row.status, future: Boolean(row.future), fanout_done_at: row.fanout_done_at, pending: numbers.pending });
    return {
      id: row.id,
      kind: row.kind,
      title: row.title,
      languages: (row.locales ?? "en").split(",") as Locale[],
      milestonePercent: row.milestone_percent,
      petitionTitle: row.petition_title,
      publishAt: new Date(row.publish_at).toISOString(),
      state,
      cancellable: state === "scheduled",
      ...numbers,
    };
  });
}

/** The campaign's confirmed followers: who an update published now would go to (less bounced addresses). */
export async function confirmedFollowerCount(db: Kysely<DB>, campaignId: number): Promise<number> {
  const row = await db
    .selectFrom("follows")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "confirmed")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
