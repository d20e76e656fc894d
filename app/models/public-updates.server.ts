import { sql, type Kysely } from "kysely";
import type { DB, Locale } from "../../db/schema";

export interface PublicUpdate {
  id: number;
  title: string;
  /** Markdown as the organizer wrote it; render with renderMarkdown before showing. */
  body: string;
  /** The language the text is actually in (English when there is no translation). */
  locale: Locale;
  publishedAt: Date;
}

/**
 * A campaign's updates the public may see, newest first: active ones whose publish time
 * has come (a scheduled update stays hidden until then, a cancelled one for good), in the
 * given language with English where untranslated.
 */
export async function listPublishedUpdates(
  db: Kysely<DB>,
  campaignId: number,
  locale: Locale,
  options: { limit: number; offset?: number },
): Promise<PublicUpdate[]> {
  const rows = await db
    .selectFrom("campaign_updates as u")
    .innerJoin("campaign_update_translations as en", (join) => join.onRef("en.update_id", "=", "u.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_update_translations as tr", (join) => join.onRef("tr.update_id", "=", "u.id").on("tr.locale", "=", locale))
    .select((eb) => [
      "u.id",
      "u.publish_at",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
      eb.fn.coalesce("tr.body", "en.body").as("body"),
      eb.fn.coalesce("tr.locale", "en.locale").as("text_locale"),
    ])
    .where("u.campaign_id", "=", campaignId)
    .where("u.status", "=", "active")
    .where("u.publish_at", "<=", sql<Date>`now()`)
    .orderBy("u.publish_at", "desc")
    .orderBy("u.id", "desc")
    .limit(options.limit)
    .offset(options.offset ?? 0)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    body: row.body,
    locale: row.text_locale as Locale,
    publishedAt: new Date(row.publish_at),
  }));
}

export interface FeedCampaign {
  id: number;
  slug: string;
  title: string;
  summary: string;
  /** The organization that runs it: the feed's author. */
  organizationName: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An active campaign with what its Atom feed needs, in the given language (English where untranslated). */
export async function getFeedCampaign(db: Kysely<DB>, slug: string, locale: Locale): Promise<FeedCampaign | null> {
  const row = await db
    .selectFrom("campaigns as c")
    .innerJoin("organizations as o", "o.id", "c.organization_id")
    .innerJoin("campaign_translations as en", (join) => join.onRef("en.campaign_id", "=", "c.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_translations as tr", (join) => join.onRef("tr.campaign_id", "=", "c.id").on("tr.locale", "=", locale))
    .select((eb) => [
      "c.id",
      "c.slug",
      "c.created_at",
      "c.updated_at",
      "o.name as organizationName",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
      eb.fn.coalesce("tr.summary", "en.summary").as("summary"),
    ])
    .where("c.slug", "=", slug)
    .where("c.status", "=", "active")
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    organizationName: row.organizationName,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
