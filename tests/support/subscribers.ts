import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { normalizeEmail } from "../../app/lib/email-normalize";
import { preferencesToken, unsubscribeToken } from "../../app/lib/subscriber-links.server";
import type { DB, FollowStatus, Locale } from "../../db/schema";
import { TEST_LINK_SECRET } from "./jobs";

export const CAMPUS = "sanctuary-campus-movement";
export const CASA = "casa-de-maryland-trust-act";

export async function campaignId(db: Kysely<DB>, slug: string): Promise<number> {
  const row = await db.selectFrom("campaigns").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
  return row.id;
}

/** A follower as the follow flow leaves them: one subscriber row and a follow per campaign, inserted directly. */
export async function addFollower(
  db: Kysely<DB>,
  options: { email?: string; locale?: Locale; firstName?: string; follows: Record<string, FollowStatus> },
): Promise<{ subscriberId: number; email: string }> {
  const email = options.email ?? `follower.${randomBytes(4).toString("hex")}@example.com`;
  const subscriber = await db
    .insertInto("subscribers")
    .values({
      email,
      email_normalized: normalizeEmail(email),
      first_name: options.firstName ?? "Rosa",
      postal_code: "94110",
      zip5: "94110",
      locale: options.locale ?? "en",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const [slug, status] of Object.entries(options.follows)) {
    await db
      .insertInto("follows")
      .values({
        subscriber_id: subscriber.id,
        campaign_id: await campaignId(db, slug),
        status,
        confirmed_at: status === "pending" ? null : sql<Date>`now()`,
        unsubscribed_at: status === "unsubscribed" ? sql<Date>`now()` : null,
      })
      .execute();
  }
  return { subscriberId: subscriber.id, email };
}

export async function followsOf(db: Kysely<DB>, subscriberId: number): Promise<Record<string, FollowStatus>> {
  const rows = await db
    .selectFrom("follows as f")
    .innerJoin("campaigns as c", "c.id", "f.campaign_id")
    .select(["c.slug", "f.status"])
    .where("f.subscriber_id", "=", subscriberId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.slug, r.status]));
}

export function unsubscribePath(subscriberId: number, campaign: number): string {
  return `/unsubscribe/${unsubscribeToken(TEST_LINK_SECRET, subscriberId, campaign)}`;
}

export function preferencesPath(subscriberId: number): string {
  return `/preferences/${preferencesToken(TEST_LINK_SECRET, subscriberId)}`;
}

/** The first link to `path` (e.g. "/preferences/", "/erase/") in an email's text part. */
export function linkIn(text: string, path: string): string {
  const match = new RegExp(`https?://\\S+${path.replace(/\//g, "\\/")}[\\w.-]+(\\?lang=\\w+)?`).exec(text);
  if (!match) throw new Error(`no ${path} link in the email`);
  return match[0];
}
