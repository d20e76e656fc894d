import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema";

// A petition's numbers for its dashboard. Nothing here returns a signer's
// name, email or comment: viewers see this page, and viewers see numbers only.

const HOUR_S = 3_600;
const DAY_S = 86_400;
export const HOURS_SHOWN = 48;
export const DAYS_SHOWN = 30;
export const TOP_ROWS = 20;

/** Counted = confirmed and not flagged: what the public count and the officials see. */
const COUNTED = sql<boolean>`s.status = 'confirmed' and s.flagged_reason is null`;

export interface Totals {
  /** Confirmed and not flagged: the number that counts. */
  confirmed: number;
  /** Not yet confirmed by email (and not flagged). */
  pending: number;
  /** Kept but not counted, e.g. over the per-IP rate limit (confirmed or not). */
  flagged: number;
  /** Invalidated by an organizer. */
  invalidated: number;
  /** Signers who confirmed their address (flagged ones included), of all not invalidated. */
  emailConfirmed: number;
  signed: number;
  /** emailConfirmed / signed, 0…1; null before the first signature. */
  confirmationRate: number | null;
}

export interface TimeBucket {
  /** Start of the hour or day, ISO 8601 in UTC. */
  start: string;
  /** Signatures made in it (invalidated ones excluded). */
  signed: number;
  /** Of those, the ones that count now. */
  confirmed: number;
}

export interface PlaceRow {
  /** USPS code; null when the ZIP is unknown. */
  state: string | null;
  city: string | null;
  confirmed: number;
}

export interface SourceRow {
  signed: number;
  confirmed: number;
}

export interface PetitionStats {
  totals: Totals;
  hourly: TimeBucket[];
  daily: TimeBucket[];
  /** Every state with counted signatures, most first (the map needs them all). */
  byState: PlaceRow[];
  /** The TOP_ROWS cities with the most counted signatures. */
  byCity: PlaceRow[];
  /** `?source=`, the TOP_ROWS most used; null is "no source". */
  bySource: (SourceRow & { source: string | null })[];
  /** utm_source / utm_medium / utm_campaign, the TOP_ROWS most used combinations. */
  byUtm: (SourceRow & { utmSource: string | null; utmMedium: string | null; utmCampaign: string | null })[];
  generatedAt: string;
}

async function totals(db: Kysely<DB>, petitionId: number): Promise<Totals> {
  const row = await db
    .selectFrom("signatures as s")
    .select([
      sql<number>`count(*) filter (where ${COUNTED})::int`.as("confirmed"),
      sql<number>`count(*) filter (where s.status = 'pending' and s.flagged_reason is null)::int`.as("pending"),
      sql<number>`count(*) filter (where s.status <> 'invalidated' and s.flagged_reason is not null)::int`.as("flagged"),
      sql<number>`count(*) filter (where s.status = 'invalidated')::int`.as("invalidated"),
      sql<number>`count(*) filter (where s.status = 'confirmed')::int`.as("email_confirmed"),
      sql<number>`count(*) filter (where s.status <> 'invalidated')::int`.as("signed"),
    ])
    .where("s.petition_id", "=", petitionId)
    .executeTakeFirstOrThrow();
  const signed = Number(row.signed);
  const emailConfirmed = Number(row.email_confirmed);
  return {
    confirmed: Number(row.confirmed),
    pending: Number(row.pending),
    flagged: Number(row.flagged),
    invalidated: Number(row.invalidated),
    emailConfirmed,
    signed,
    confirmationRate: signed === 0 ? null : emailConfirmed / signed,
  };
}

/**
 * Signatures per bucket of `seconds` (an hour or a UTC day) over the last
 * `count` buckets, the current one included, with empty buckets as zeros.
 * Buckets are counted from the Unix epoch, so neither the database's nor the
 * server's time zone moves them.
 */
async function timeSeries(db: Kysely<DB>, petitionId: number, seconds: number, count: number, now: Date): Promise<TimeBucket[]> {
  const last = Math.floor(now.getTime() / 1000 / seconds);
  const first = last - count + 1;
  const rows = await db
    .selectFrom("signatures as s")
    .select([
      sql<number>`floor(extract(epoch from s.created_at) / ${seconds}::int)::int`.as("bucket"),
      sql<number>`count(*)::int`.as("signed"),
      sql<number>`count(*) filter (where ${COUNTED})::int`.as("confirmed"),
    ])
    .where("s.petition_id", "=", petitionId)
    .where("s.status", "<>", "invalidated")
    .where("s.created_at", ">=", new Date(first * seconds * 1000))
    .groupBy(sql`1`)
    .execute();
  const byBucket = new Map(rows.map((r) => [Number(r.bucket), r]));
  return Array.from({ length: count }, (_, i) => {
    const bucket = first + i;
    const row = byBucket.get(bucket);
    return {
      start: new Date(bucket * seconds * 1000).toISOString(),
      signed: Number(row?.signed ?? 0),
      confirmed: Number(row?.confirmed ?? 0),
    };
  });
}

async function byState(db: Kysely<DB>, petitionId: number): Promise<PlaceRow[]> {
  const rows = await db
    .selectFrom("signatures as s")
    .select(["s.state", sql<number>`count(*)::int`.as("confirmed")])
    .where("s.petition_id", "=", petitionId)
    .where(COUNTED)
    .groupBy("s.state")
    .orderBy(sql`2`, "desc")
    .orderBy("s.state")
    .execute();
  return rows.map((r) => ({ state: r.state, city: null, confirmed: Number(r.confirmed) }));
}

async function byCity(db: Kysely<DB>, petitionId: number): Promise<PlaceRow[]> {
  const rows = await db
    .selectFrom("signatures as s")
    .select(["s.city", "s.state", sql<number>`count(*)::int`.as("confirmed")])
    .where("s.petition_id", "=", petitionId)
    .where(COUNTED)
    .groupBy(["s.city", "s.state"])
    .orderBy(sql`3`, "desc")
    .orderBy("s.city")
    .orderBy("s.state")
    .limit(TOP_ROWS)
    .execute();
  return rows.map((r) => ({ state: r.state, city: r.city, confirmed: Number(r.confirmed) }));
}

async function bySource(db: Kysely<DB>, petitionId: number) {
  const rows = await db
    .selectFrom("signatures as s")
    .select(["s.source", sql<number>`count(*)::int`.as("signed"), sql<number>`count(*) filter (where ${COUNTED})::int`.as("confirmed")])
    .where("s.petition_id", "=", petitionId)
    .where("s.status", "<>", "invalidated")
    .groupBy("s.source")
    .orderBy(sql`2`, "desc")
    .orderBy("s.source")
    .limit(TOP_ROWS)
    .execute();
  return rows.map((r) => ({ source: r.source, signed: Number(r.signed), confirmed: Number(r.confirmed) }));
}

async function byUtm(db: Kysely<DB>, petitionId: number) {
  const rows = await db
    .selectFrom("signatures as s")
    .select([
      sql<string | null>`s.utm->>'utm_source'`.as("utm_source"),
      sql<string | null>`s.utm->>'utm_medium'`.as("utm_medium"),
      sql<string | null>`s.utm->>'utm_campaign'`.as("utm_campaign"),
      sql<number>`count(*)::int`.as("signed"),
      sql<number>`count(*) filter (where ${COUNTED})::int`.as("confirmed"),
    ])
    .where("s.petition_id", "=", petitionId)
    .where("s.status", "<>", "invalidated")
    .where("s.utm", "is not", null)
    .groupBy([sql`1`, sql`2`, sql`3`])
    .orderBy(sql`4`, "desc")
    .orderBy(sql`1`)
    .orderBy(sql`2`)
    .orderBy(sql`3`)
    .limit(TOP_ROWS)
    .execute();
  return rows.map((r) => ({
    utmSource: r.utm_source,
    utmMedium: r.utm_medium,
    utmCampaign: r.utm_campaign,
    signed: Number(r.signed),
    confirmed: Number(r.confirmed),
  }));
}

/**
 * Every number on a petition's dashboard: totals, signatures per hour (last
 * HOURS_SHOWN hours) and per UTC day (last DAYS_SHOWN days), counted
 * signatures by state and city, and signatures by source and UTM tags.
 * Aggregates only: safe to show a viewer. The petition must already be scoped
 * to the organizer (requirePetition).
 */
export async function getPetitionStats(db: Kysely<DB>, petition: { id: number }, options: { now?: Date } = {}): Promise<PetitionStats> {
  const now = options.now ?? new Date();
  // One after another, not Promise.all: seven connections for one dashboard would starve signing in a surge.
  const t = await totals(db, petition.id);
  const hourly = await timeSeries(db, petition.id, HOUR_S, HOURS_SHOWN, now);
  const daily = await timeSeries(db, petition.id, DAY_S, DAYS_SHOWN, now);
  const states = await byState(db, petition.id);
  const cities = await byCity(db, petition.id);
  const sources = await bySource(db, petition.id);
  const utm = await byUtm(db, petition.id);
  return {
    totals: t,
    hourly,
    daily,
    byState: states,
    byCity: cities,
    bySource: sources,
    byUtm: utm,
    generatedAt: now.toISOString(),
  };
}
