import { sql, type Kysely } from "kysely";
import { DIGEST_BODY_ROW_LIMIT, renderDeliveryDigest } from "../../emails/delivery-digest";
import type { DB, DeliveryStatus, TargetLevel } from "../../db/schema";
import type { ScopedPetition } from "./admin-petitions.server";
import { audit } from "./audit.server";
import { countedPairs, createDelivery, toDigestSignature, undeliveredPairs } from "./deliveries.server";
import type { Organizer } from "./organizers.server";

// The delivery side of an organizer's petition: which officials its signers
// reach, what each got and when, what the next digest will hold, and
// "deliver now". Sending itself stays in deliveries.server.ts (createDelivery),
// so "deliver now" has the same exactly-once guarantee as the schedule.

/** Deliveries shown per official; older ones are summed up in the totals. */
export const LOG_LIMIT = 10;

export interface DeliveryLogEntry {
  id: number;
  status: DeliveryStatus;
  signatureCount: number;
  createdAt: string;
  sentAt: string | null;
  error: string | null;
}

export interface PetitionOfficial {
  id: number;
  name: string;
  office: string;
  level: TargetLevel;
  jurisdiction: string;
  state: string;
  active: boolean;
  /** Counted signatures this official has not been sent (or queued) yet. */
  undelivered: number;
  /** Signatures in digests that went out. */
  sent: number;
  /** Signatures in digests queued but not sent yet. */
  queued: number;
  /** Signatures in digests the mail server refused for good. */
  failed: number;
  deliveryCount: number;
  /** When the scheduler will next send a digest on its own: null means at its next run (if anything is waiting). */
  nextScheduledAt: string | null;
  /** The most recent LOG_LIMIT deliveries, newest first. */
  log: DeliveryLogEntry[];
}

export interface PetitionDeliveries {
  intervalSeconds: number;
  officials: PetitionOfficial[];
}

/**
 * The officials who serve a petition's signers (or are its fixed targets, or
 * have been sent digests of it), each with the log of their digests and the
 * number of counted signatures waiting for them. Organizer-only data: the
 * rows hold the officials' details, never the signers'.
 */
export async function listPetitionDeliveries(
  db: Kysely<DB>,
  petition: ScopedPetition,
  options: { defaultIntervalMs: number; now?: Date },
): Promise<PetitionDeliveries> {
  const now = options.now ?? new Date();
  const settings = await db
    .selectFrom("petitions")
    .select(["delivery_interval_seconds", "target_rule"])
    .where("id", "=", petition.id)
    .executeTakeFirstOrThrow();
  const intervalSeconds = settings.delivery_interval_seconds ?? options.defaultIntervalMs / 1000;

  const waiting = await undeliveredPairs(db, petition.id)
    .select(["candidate.target_id", sql<number>`count(*)::int`.as("n")])
    .groupBy("candidate.target_id")
    .execute();
  const sums = await db
    .selectFrom("deliveries")
    .select([
      "target_id",
      sql<number>`count(*)::int`.as("deliveries"),
      sql<number>`coalesce(sum(signature_count) filter (where status = 'sent'), 0)::int`.as("sent"),
      sql<number>`coalesce(sum(signature_count) filter (where status = 'pending'), 0)::int`.as("queued"),
      sql<number>`coalesce(sum(signature_count) filter (where status = 'failed'), 0)::int`.as("failed"),
      sql<Date>`max(created_at)`.as("last_at"),
    ])
    .where("petition_id", "=", petition.id)
    .groupBy("target_id")
    .execute();
  const fixed =
    settings.target_rule === "fixed"
      ? await db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", petition.id).execute()
      : [];

  const ids = [...new Set([...waiting.map((r) => r.target_id), ...sums.map((r) => r.target_id), ...fixed.map((r) => r.target_id)])];
  if (ids.length === 0) return { intervalSeconds, officials: [] };

  const targets = await db
    .selectFrom("targets")
    .select(["id", "name", "office", "level", "jurisdiction", "state", "active"])
    .where("id", "in", ids)
    .orderBy("state")
    .orderBy("jurisdiction")
    .orderBy("level")
    .orderBy("name")
    .execute();
  const logRows = await db
    .selectFrom((qb) =>
      qb
        .selectFrom("deliveries")
        .select([
          "id",
          "target_id",
          "status",
          "signature_count",
          "created_at",
          "sent_at",
          "error",
          sql<number>`row_number() over (partition by target_id order by created_at desc, id desc)`.as("rank"),
        ])
        .where("petition_id", "=", petition.id)
        .as("d"),
    )
    .selectAll()
    .where("d.rank", "<=", LOG_LIMIT)
    .orderBy("d.created_at", "desc")
    .orderBy("d.id", "desc")
    .execute();

  const waitingBy = new Map(waiting.map((r) => [r.target_id, Number(r.n)]));
  const sumsBy = new Map(sums.map((r) => [r.target_id, r]));
  const officials = targets.map((t): PetitionOfficial => {
    const sum = sumsBy.get(t.id);
    const lastAt = sum ? new Date(sum.last_at) : null;
    const due = lastAt ? new Date(lastAt.getTime() + intervalSeconds * 1000) : null;
    return {
      id: t.id,
      name: t.name,
      office: t.office,
      level: t.level,
      jurisdiction: t.jurisdiction,
      state: t.state,
      active: t.active,
      undelivered: waitingBy.get(t.id) ?? 0,
      sent: Number(sum?.sent ?? 0),
      queued: Number(sum?.queued ?? 0),
      failed: Number(sum?.failed ?? 0),
      deliveryCount: Number(sum?.deliveries ?? 0),
      nextScheduledAt: due && due > now ? due.toISOString() : null,
      log: logRows
        .filter((d) => d.target_id === t.id)
        .map((d) => ({
          id: d.id,
          status: d.status,
          signatureCount: d.signature_count,
          createdAt: new Date(d.created_at).toISOString(),
          sentAt: d.sent_at ? new Date(d.sent_at).toISOString() : null,
          error: d.error,
        })),
    };
  });
  return { intervalSeconds, officials };
}

/** Whether a digest of this petition can concern this official: they serve a signer, are a fixed target, or were sent one. */
async function servesPetition(db: Kysely<DB>, petitionId: number, targetId: number): Promise<boolean> {
  const row = await db
    .selectNoFrom(({ exists, selectFrom, or }) =>
      or([
        exists(
          selectFrom(countedPairs(db, petitionId).as("candidate"))
            .select(sql`1`.as("one"))
            .where("candidate.target_id", "=", targetId),
        ),
        exists(
          selectFrom("deliveries").select(sql`1`.as("one")).where("petition_id", "=", petitionId).where("target_id", "=", targetId),
        ),
        exists(
          selectFrom("petition_targets").select(sql`1`.as("one")).where("petition_id", "=", petitionId).where("target_id", "=", targetId),
        ),
      ]).as("serves"),
    )
    .executeTakeFirstOrThrow();
  return Boolean(row.serves);
}

export interface DigestPreview {
  target: { id: number; name: string; office: string; jurisdiction: string; email: string; active: boolean };
  /** Counted signatures waiting for this official: what "deliver now" would send. */
  undelivered: number;
  /** Signatures in the preview (at most DIGEST_BODY_ROW_LIMIT, the rows a digest shows in its body). */
  shown: number;
  subject: string;
  text: string;
  attachment: string | null;
}

/**
 * The digest this official would get if it went out now, rendered with the
 * real template from the signatures waiting for them. It shows signers'
 * names, ZIP codes and comments: organizers and up only. Null when the
 * official has nothing to do with this petition (a 404 for the caller).
 */
export async function previewNextDigest(
  db: Kysely<DB>,
  petition: ScopedPetition,
  targetId: number,
  options: { appUrl: string; now?: Date },
): Promise<DigestPreview | null> {
  if (!(await servesPetition(db, petition.id, targetId))) return null;
  const target = await db
    .selectFrom("targets")
    .select(["id", "name", "office", "jurisdiction", "email", "active"])
    .where("id", "=", targetId)
    .executeTakeFirst();
  if (!target) return null;
  const waiting = undeliveredPairs(db, petition.id).where("candidate.target_id", "=", targetId);
  const count = await waiting.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  const signatures = await waiting
    .innerJoin("signatures as s", "s.id", "candidate.signature_id")
    .select(["s.first_name", "s.last_name", "s.postal_code", "s.city", "s.state", "s.comment", "s.comment_hidden", "s.confirmed_at"])
    .orderBy("s.confirmed_at")
    .orderBy("s.id")
    .limit(DIGEST_BODY_ROW_LIMIT)
    .execute();
  const delivered = await db
    .selectFrom("delivery_signatures as ds")
    .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("d.petition_id", "=", petition.id)
    .where("ds.target_id", "=", targetId)
    .executeTakeFirstOrThrow();
  const translation = await db
    .selectFrom("petition_translations")
    .select("summary")
    .where("petition_id", "=", petition.id)
    .where("locale", "=", "en")
    .executeTakeFirst();

  const undeliveredCount = Number(count.n);
  const base = { target, undelivered: undeliveredCount, shown: signatures.length };
  if (signatures.length === 0) return { ...base, subject: "", text: "", attachment: null };
  const digest = renderDeliveryDigest({
    locale: "en",
    targetName: target.name,
    targetOffice: target.office,
    jurisdiction: target.jurisdiction,
    petitionTitle: petition.title,
    petitionUrl: `${options.appUrl}/petitions/${petition.slug}`,
    petitionSummary: translation?.summary ?? "",
    signatures: signatures.map(toDigestSignature),
    totalToDate: Number(delivered.n) + undeliveredCount,
    generatedAt: options.now,
  });
  return { ...base, subject: digest.subject, text: digest.text, attachment: digest.attachments[0]?.filename ?? null };
}

export interface DeliverNowResult {
  deliveryIds: number[];
  signatures: number;
}

/**
 * "Deliver now": a digest right away, whatever the interval, to one official
 * of the petition or to every official with signatures waiting. Each digest is
 * createDelivery's, so racing the scheduler (or another click) never sends a
 * signature twice. Audit-logged with ids and counts, never names.
 * Returns null when `targetId` does not concern this petition.
 */
export async function deliverNow(
  db: Kysely<DB>,
  organizer: Organizer,
  petition: ScopedPetition,
  scope: { targetId: number } | "all",
  options: { defaultIntervalMs: number },
): Promise<DeliverNowResult | null> {
  let targetIds: number[];
  if (scope === "all") {
    const waiting = await undeliveredPairs(db, petition.id).select("candidate.target_id").distinct().orderBy("candidate.target_id").execute();
    targetIds = waiting.map((r) => r.target_id);
  } else {
    if (!(await servesPetition(db, petition.id, scope.targetId))) return null;
    targetIds = [scope.targetId];
  }
  const deliveryIds: number[] = [];
  for (const targetId of targetIds) {
    const id = await createDelivery(db, { petitionId: petition.id, targetId }, { defaultIntervalMs: options.defaultIntervalMs, force: true });
    if (id !== null) deliveryIds.push(id);
  }
  const counted =
    deliveryIds.length === 0
      ? 0
      : Number(
          (
            await db
              .selectFrom("deliveries")
              .select(sql<number>`coalesce(sum(signature_count), 0)::int`.as("n"))
              .where("id", "in", deliveryIds)
              .executeTakeFirstOrThrow()
          ).n,
        );
  await audit(db, {
    organizerId: organizer.id,
    organizationId: petition.organizationId,
    action: "delivery.deliver_now",
    subject: `petition:${petition.slug}`,
    details: { petitionId: petition.id, scope: scope === "all" ? "all" : "one", targetIds, deliveryIds, signatures: counted },
  });
  return { deliveryIds, signatures: counted };
}
