import type { Kysely } from "kysely";
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

/** A petition the public may see (open or closed), in the given language; null for drafts, archived or unknown slugs. */
export async function getPublicPetition(db: Kysely<DB>, slug: string, locale: Locale): Promise<PublicPetition | null> {
  const row = await translated(db, locale).where("p.slug", "=", slug).executeTakeFirst();
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
