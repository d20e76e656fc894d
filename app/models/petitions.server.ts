import { sharedState } from "~/lib/shared-state.server";
import type { Kysely } from "kysely";
import { preparedQuery } from "~/lib/prepared-query.server";
import type { DB, Locale, PetitionStatus, TargetLevel } from "../../db/schema";
import { PUBLIC_PETITION_STATUSES } from "../../db/schema";

export interface PublicPetition {
  id: number;
  slug: string;
  status: PetitionStatus;
  goal: number;
  campaignId: number | null;
  targetRule: "local" | "fixed";
  targetLevels: TargetLevel[];
  locale: Locale;
  title: string;
  summary: string;
  body: string;
  /** Fixed targets' offices, for "who receives it" when the rule is "fixed". */
  fixedTargets: { name: string; office: string }[];
}

function translated(db: Kysely<DB>, locale: Locale) {
  // The requested language, falling back to English where a translation is missing.
  return db
    .selectFrom("petitions as p")
    .innerJoin("petition_translations as en", (join) => join.onRef("en.petition_id", "=", "p.id").on("en.locale", "=", "en"))
    .leftJoin("petition_translations as tr", (join) => join.onRef("tr.petition_id", "=", "p.id").on("tr.locale", "=", locale))
    .select((eb) => [
      "p.id",
      "p.slug",
      "p.status",
      "p.goal",
      "p.campaign_id",
      "p.target_rule",
      "p.target_levels",
      "p.position",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
      eb.fn.coalesce("tr.summary", "en.summary").as("summary"),
      eb.fn.coalesce("tr.body", "en.body").as("body"),
      eb.fn.coalesce("tr.locale", "en.locale").as("text_locale"),
    ])
    .where("p.status", "in", PUBLIC_PETITION_STATUSES);
}

type Row = Awaited<ReturnType<ReturnType<typeof translated>["executeTakeFirstOrThrow"]>>;

function toPublic(row: Row, fixedTargets: PublicPetition["fixedTargets"] = []): PublicPetition {
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    goal: row.goal,
    campaignId: row.campaign_id,
    targetRule: row.target_rule,
    targetLevels: row.target_levels,
    locale: row.text_locale as Locale,
    title: row.title,
    summary: row.summary,
    body: row.body,
    fixedTargets,
  };
}

/** Compiled once: the petition page asks it on every view (not cached, so an organizer's edit shows at once). */
const publicPetitionBySlug = preparedQuery(2, (db: Kysely<DB>, slug: string, locale: Locale) => translated(db, locale).where("p.slug", "=", slug));

/** A petition the public may see (open or closed), in the given language; null for drafts, archived or unknown slugs. */
export async function getPublicPetition(db: Kysely<DB>, slug: string, locale: Locale): Promise<PublicPetition | null> {
  const [row] = await publicPetitionBySlug(db, slug, locale);
  if (!row) return null;
  const fixed =
    row.target_rule === "fixed"
      ? await db
          .selectFrom("petition_targets as pt")
          .innerJoin("targets as t", "t.id", "pt.target_id")
          .select(["t.name", "t.office"])
          .where("pt.petition_id", "=", row.id)
          .where("t.active", "=", true)
          .execute()
      : [];
  return toPublic(row, fixed);
}

/** Open and closed petitions, optionally of one campaign, open ones first. */
export async function listPublicPetitions(
  db: Kysely<DB>,
  locale: Locale,
  options: { campaignId?: number } = {},
): Promise<PublicPetition[]> {
  let query = translated(db, locale);
  if (options.campaignId !== undefined) query = query.where("p.campaign_id", "=", options.campaignId);
  const rows = await query.orderBy("p.status", "desc").orderBy("p.position").orderBy("p.id").execute();
  return rows.map((row) => toPublic(row));
}

export async function getPublicPetitionById(db: Kysely<DB>, id: number, locale: Locale): Promise<PublicPetition | null> {
  const row = await translated(db, locale).where("p.id", "=", id).executeTakeFirst();
  return row ? toPublic(row) : null;
}

/** What signing and the count API need of a petition: no body, no summary, no translation but the English title. */
export interface PetitionRef {
  id: number;
  slug: string;
  status: PetitionStatus;
  goal: number;
  organizationId: number;
  campaignId: number | null;
  targetRule: "local" | "fixed";
  /** The English title (the count API is not localized). */
  title: string;
}

/** An open or closed petition's ref by slug, straight from the database; null for drafts, archived or unknown slugs. */
export async function findPetitionRef(db: Kysely<DB>, slug: string): Promise<PetitionRef | null> {
  const row = await db
    .selectFrom("petitions as p")
    .innerJoin("petition_translations as en", (join) => join.onRef("en.petition_id", "=", "p.id").on("en.locale", "=", "en"))
    .select(["p.id", "p.slug", "p.status", "p.goal", "p.organization_id", "p.campaign_id", "p.target_rule", "en.title"])
    .where("p.slug", "=", slug)
    .where("p.status", "in", PUBLIC_PETITION_STATUSES)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    goal: row.goal,
    organizationId: row.organization_id,
    campaignId: row.campaign_id,
    targetRule: row.target_rule,
    title: row.title,
  };
}

/**
 * How long a process reuses a petition ref (getPetitionRef). The editor's save
 * forgets the saving process's refs at once (forgetPetitionRefs); other web
 * processes (WEB_CONCURRENCY > 1, or other machines) see the change within this.
 */
export const PETITION_REF_MAX_AGE_MS = 1_000;
/** Unknown slugs are remembered too (a flood of them would otherwise reach the database each time): bound the map. */
const MAX_CACHED_REFS = 1_000;

interface RefEntry {
  at: number;
  ref: Promise<PetitionRef | null>;
  /** The answer once it has come, for readers that cannot wait a tick (peekPetitionRef). */
  settled?: { value: PetitionRef | null };
}

/**
 * Per database (tests run several apps in one process, each on its own
 * database), and one per process (sharedState): the editor's save runs in the
 * Remix build's copy of this module, signing and the count API in server.ts's,
 * and a save must reach both.
 */
const refCaches = sharedState("petitionRefs", () => new WeakMap<Kysely<DB>, Map<string, RefEntry>>());

function freshEntry(db: Kysely<DB>, slug: string): RefEntry | undefined {
  const hit = refCaches.get(db)?.get(slug);
  return hit && Date.now() - hit.at <= PETITION_REF_MAX_AGE_MS ? hit : undefined;
}

/**
 * findPetitionRef, reused for up to PETITION_REF_MAX_AGE_MS; concurrent
 * readers of the same slug share one query. The hot paths (the count API, the
 * sign action) otherwise asked the database the same question per request.
 */
export function getPetitionRef(db: Kysely<DB>, slug: string): Promise<PetitionRef | null> {
  const hit = freshEntry(db, slug);
  if (hit) return hit.ref;
  let cache = refCaches.get(db);
  if (!cache) {
    cache = new Map();
    refCaches.set(db, cache);
  }
  if (cache.size >= MAX_CACHED_REFS) cache.clear();
  const entry: RefEntry = { at: Date.now(), ref: findPetitionRef(db, slug) };
  cache.set(slug, entry);
  entry.ref.then(
    (value) => {
      entry.settled = { value };
    },
    // A failed lookup (the database away) is not remembered: the next request asks again.
    () => {
      if (cache.get(slug) === entry) cache.delete(slug);
    },
  );
  return entry.ref;
}

/** The cached ref if one is fresh and has arrived (null: no such public petition); undefined when getPetitionRef must ask. */
export function peekPetitionRef(db: Kysely<DB>, slug: string): PetitionRef | null | undefined {
  return freshEntry(db, slug)?.settled?.value;
}

/** Forget this process's cached refs, so a change an organizer just saved (closing a petition) applies to the next request. */
export function forgetPetitionRefs(db: Kysely<DB>): void {
  refCaches.get(db)?.clear();
}
