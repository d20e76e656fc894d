import type { Kysely } from "kysely";
import type { DB, Locale } from "../../db/schema";

export interface PublicCampaign {
  id: number;
  slug: string;
  isHome: boolean;
  title: string;
  summary: string;
  body: string;
}

export interface PublicResource {
  kind: string;
  url: string | null;
  title: string;
  description: string;
}

function translated(db: Kysely<DB>, locale: Locale) {
  return db
    .selectFrom("campaigns as c")
    .innerJoin("campaign_translations as en", (join) => join.onRef("en.campaign_id", "=", "c.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_translations as tr", (join) => join.onRef("tr.campaign_id", "=", "c.id").on("tr.locale", "=", locale))
    .select((eb) => [
      "c.id",
      "c.slug",
      "c.is_home as isHome",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
      eb.fn.coalesce("tr.summary", "en.summary").as("summary"),
      eb.fn.coalesce("tr.body", "en.body").as("body"),
    ])
    .where("c.status", "=", "active");
}

/** An active campaign by slug, in the given language (English where untranslated). */
export async function getPublicCampaign(db: Kysely<DB>, slug: string, locale: Locale): Promise<PublicCampaign | null> {
  return (await translated(db, locale).where("c.slug", "=", slug).executeTakeFirst()) ?? null;
}

/** The campaign whose text is the home page's explainer. */
export async function getHomeCampaign(db: Kysely<DB>, locale: Locale): Promise<PublicCampaign | null> {
  return (await translated(db, locale).where("c.is_home", "=", true).orderBy("c.id").executeTakeFirst()) ?? null;
}

export async function listPublicCampaigns(db: Kysely<DB>, locale: Locale): Promise<PublicCampaign[]> {
  return translated(db, locale).orderBy("c.position").orderBy("c.id").execute();
}

export async function listResources(db: Kysely<DB>, campaignId: number, locale: Locale): Promise<PublicResource[]> {
  return db
    .selectFrom("resources as r")
    .innerJoin("resource_translations as en", (join) => join.onRef("en.resource_id", "=", "r.id").on("en.locale", "=", "en"))
    .leftJoin("resource_translations as tr", (join) => join.onRef("tr.resource_id", "=", "r.id").on("tr.locale", "=", locale))
    .select((eb) => [
      "r.kind",
      "r.url",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
      eb.fn.coalesce("tr.description", "en.description").as("description"),
    ])
    .where("r.campaign_id", "=", campaignId)
    .orderBy("r.position")
    .orderBy("r.id")
    .execute();
}

export async function getPublicCampaignById(db: Kysely<DB>, id: number, locale: Locale): Promise<PublicCampaign | null> {
  return (await translated(db, locale).where("c.id", "=", id).executeTakeFirst()) ?? null;
}
