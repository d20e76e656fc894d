import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema";
import type { DigestSignature } from "../../emails/delivery-digest";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";

/** A signature as a digest shows it to an official: a comment hidden by moderation is left out. */
export function toDigestSignature(row: {
  first_name: string;
  last_name: string;
  postal_code: string;
  city: string | null;
  state: string | null;
  comment: string | null;
  comment_hidden: boolean;
  confirmed_at: Date | string | null;
}): DigestSignature {
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    postalCode: row.postal_code,
    city: row.city,
    state: row.state,
    comment: row.comment_hidden ? null : row.comment,
    confirmedAt: row.confirmed_at as Date,
  };
}

export interface DueDelivery {
  petitionId: number;
  targetId: number;
  pending: number;
}

/**
 * Counted signatures (confirmed, not flagged) paired with each official they
 * reach: the officials of the petition's "local" levels who serve the
 * signature's ZIP (the petition's organization's own or platform-wide ones,
 * as for fixed officials), or the officials a "fixed" petition names. One rule for
 * what a digest claims and what the workspace previews. Optionally for one petition.
 */
export function countedPairs(db: Kysely<DB>, petitionId?: number) {
  const base = (rule: "local" | "fixed") => {
    let query = db
      .selectFrom("signatures as s")
      .innerJoin("petitions as p", "p.id", "s.petition_id")
      .where("p.target_rule", "=", rule)
      .where("s.status", "=", "confirmed")
      .where("s.flagged_reason", "is", null);
    if (petitionId !== undefined) query = query.where("s.petition_id", "=", petitionId);
    return query;
  };
  const local = base("local")
    .innerJoin("target_zip_codes as tz", "tz.zip_code", "s.zip5")
    .innerJoin("targets as t", "t.id", "tz.target_id")
    .select(["s.id as signature_id", "s.petition_id", "t.id as target_id"])
    .where(sql<boolean>`t.level = any(p.target_levels)`)
    // Only the petition's organization's officials, or platform-wide ones: an official another organization
    // imported for the same ZIP (at an address it controls) never receives this organization's signers.
    .where((eb) => eb.or([eb("t.organization_id", "is", null), eb("t.organization_id", "=", eb.ref("p.organization_id"))]))
    .where("t.active", "=", true);
  const fixed = base("fixed")
    .innerJoin("petition_targets as pt", "pt.petition_id", "p.id")
    .innerJoin("targets as t", "t.id", "pt.target_id")
    .select(["s.id as signature_id", "s.petition_id", "t.id as target_id"])
    .where("t.active", "=", true);
  return local.unionAll(fixed);
}

/** countedPairs minus what each official already received, as "candidate". */
export function undeliveredPairs(db: Kysely<DB>, petitionId?: number) {
  return db
    .selectFrom(countedPairs(db, petitionId).as("candidate"))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("delivery_signatures as ds")
            .select(sql`1`.as("one"))
            .whereRef("ds.target_id", "=", "candidate.target_id")
            .whereRef("ds.signature_id", "=", "candidate.signature_id"),
        ),
      ),
    );
}

/** Petition/official pairs with undelivered signatures whose last digest is older than their interval. */
export async function findDueDeliveries(db: Kysely<DB>, defaultIntervalMs: number): Promise<DueDelivery[]> {
  const rows = await undeliveredPairs(db)
    .innerJoin("petitions as p", "p.id", "candidate.petition_id")
    .select(["candidate.petition_id", "candidate.target_id", sql<number>`count(*)::int`.as("pending")])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("deliveries as d")
            .select(sql`1`.as("one"))
            .whereRef("d.petition_id", "=", "candidate.petition_id")
            .whereRef("d.target_id", "=", "candidate.target_id")
            .where(
              "d.created_at",
              ">",
              sql<Date>`now() - make_interval(secs => coalesce(p.delivery_interval_seconds, ${defaultIntervalMs / 1000}::double precision))`,
            ),
        ),
      ),
    )
    .groupBy(["candidate.petition_id", "candidate.target_id"])
    .execute();
  return rows.map((row) => ({ petitionId: row.petition_id, targetId: row.target_id, pending: Number(row.pending) }));
}

/**
 * Creates one digest for a petition and official: claims every undelivered
 * confirmed signature for it and queues the email, in one transaction. The
 * primary key of delivery_signatures makes each claim exactly-once even when
 * two digests run at once; the advisory lock keeps them from both producing
 * (half-empty) digests. With `force` the interval is not checked ("deliver now").
 * Returns the delivery id, or null when there was nothing to deliver or it was not yet due.
 */
export async function createDelivery(
  db: Kysely<DB>,
  pair: { petitionId: number; targetId: number },
  options: { defaultIntervalMs: number; force?: boolean },
): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${pair.petitionId}::int, ${pair.targetId}::int)`.execute(trx);
    if (!options.force) {
      const recent = await trx
        .selectFrom("deliveries as d")
        .innerJoin("petitions as p", "p.id", "d.petition_id")
        .select("d.id")
        .where("d.petition_id", "=", pair.petitionId)
        .where("d.target_id", "=", pair.targetId)
        .where(
          "d.created_at",
          ">",
          sql<Date>`now() - make_interval(secs => coalesce(p.delivery_interval_seconds, ${options.defaultIntervalMs / 1000}::double precision))`,
        )
        .executeTakeFirst();
      if (recent) return null;
    }
    const delivery = await trx
      .insertInto("deliveries")
      .values({ petition_id: pair.petitionId, target_id: pair.targetId, signature_count: 0 })
      .returning("id")
      .executeTakeFirstOrThrow();
    const claimed = await trx
      .insertInto("delivery_signatures")
      .columns(["target_id", "signature_id", "delivery_id"])
      .expression(
        undeliveredPairs(trx, pair.petitionId)
          .select(["candidate.target_id", "candidate.signature_id", sql<number>`${delivery.id}::int`.as("delivery_id")])
          .where("candidate.petition_id", "=", pair.petitionId)
          .where("candidate.target_id", "=", pair.targetId),
      )
      .onConflict((oc) => oc.columns(["target_id", "signature_id"]).doNothing())
      .returning("signature_id")
      .execute();
    if (claimed.length === 0) {
      await trx.deleteFrom("deliveries").where("id", "=", delivery.id).execute();
      return null;
    }
    await trx.updateTable("deliveries").set({ signature_count: claimed.length }).where("id", "=", delivery.id).execute();
    await enqueueOutbox(trx, JOB_KINDS.deliveryDigest, { deliveryId: delivery.id });
    return delivery.id;
  });
}

/** Creates every digest that is due. Safe to run from several processes at once. */
export async function scheduleDueDeliveries(db: Kysely<DB>, defaultIntervalMs: number): Promise<number[]> {
  const created: number[] = [];
  for (const pair of await findDueDeliveries(db, defaultIntervalMs)) {
    const id = await createDelivery(db, pair, { defaultIntervalMs });
    if (id !== null) created.push(id);
  }
  return created;
}
