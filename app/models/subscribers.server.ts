import { sql, type Kysely, type Transaction } from "kysely";
import { normalizeEmail } from "~/lib/email-normalize";
import type { DB, FollowStatus, Locale, SubscriberStatus } from "../../db/schema";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";

/**
 * Emails a subscriber can be sent by asking for them (a fresh preferences link, a
 * "delete my data" confirmation) within one window: anyone may type anyone's address
 * into /preferences, so this is what keeps the form from being used to flood a mailbox.
 */
export const SUBSCRIBER_MAIL_LIMIT = 3;
/** The budget comes back once this long has passed since the last such email. */
export const SUBSCRIBER_MAIL_WINDOW_SECONDS = 60 * 60;

/**
 * Takes one email from a subscriber's budget of requested emails, or returns false
 * when it is spent or the subscriber cannot be mailed. subscribers.emails_sent and
 * last_emailed_at count these emails only (updates and follow emails are counted on
 * their own rows): the count restarts at 1 once the window has passed since the last
 * one, so at most SUBSCRIBER_MAIL_LIMIT go out per window.
 */
export async function reserveSubscriberEmail(trx: Transaction<DB> | Kysely<DB>, subscriberId: number): Promise<boolean> {
  const windowPassed = sql<boolean>`(last_emailed_at is null or last_emailed_at < now() - make_interval(secs => ${SUBSCRIBER_MAIL_WINDOW_SECONDS}))`;
  const row = await trx
    .updateTable("subscribers")
    .set({
      emails_sent: sql`case when ${windowPassed} then 1 else emails_sent + 1 end`,
      last_emailed_at: sql`now()`,
    })
    .where("id", "=", subscriberId)
    .where("status", "=", "active")
    .where(sql<boolean>`(${windowPassed} or emails_sent < ${SUBSCRIBER_MAIL_LIMIT})`)
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Queues a fresh preferences link for whoever follows, or followed, something with this
 * address, within the subscriber's email budget. Returns whether an email was queued;
 * the caller must show the same page either way, so the form never tells whether an
 * address is known. Only people who confirmed a follow at some point qualify: an
 * address that never confirmed anything gets no mail because a stranger typed it.
 */
export async function requestPreferencesLink(db: Kysely<DB>, email: string): Promise<boolean> {
  const subscriber = await db
    .selectFrom("subscribers as s")
    .select("s.id")
    .where("s.email_normalized", "=", normalizeEmail(email))
    .where("s.status", "=", "active")
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("follows as f")
          .select("f.id")
          .whereRef("f.subscriber_id", "=", "s.id")
          .where((eb) => eb.or([eb("f.status", "!=", "pending"), eb("f.confirmed_at", "is not", null)])),
      ),
    )
    .executeTakeFirst();
  if (!subscriber) return false;
  return db.transaction().execute(async (trx) => {
    if (!(await reserveSubscriberEmail(trx, subscriber.id))) return false;
    await enqueueOutbox(trx, JOB_KINDS.preferencesLink, { subscriberId: subscriber.id });
    return true;
  });
}

export interface FollowedCampaign {
  campaignId: number;
  slug: string;
  title: string;
  status: FollowStatus;
  /** A follow the person confirmed once and then stopped can be resumed from the preferences page. */
  canResume: boolean;
}

export interface SubscriberPreferences {
  subscriberId: number;
  locale: Locale;
  status: SubscriberStatus;
  follows: FollowedCampaign[];
}

/**
 * What the preferences page shows: the subscriber's language and every campaign they
 * follow or followed, titled in `locale` (English where untranslated). Null for an
 * unknown or erased subscriber, whose page no longer exists.
 */
export async function getSubscriberPreferences(db: Kysely<DB>, subscriberId: number, locale: Locale): Promise<SubscriberPreferences | null> {
  const subscriber = await db
    .selectFrom("subscribers")
    .select(["id", "locale", "status"])
    .where("id", "=", subscriberId)
    .where("status", "!=", "erased")
    .executeTakeFirst();
  if (!subscriber) return null;
  const follows = await db
    .selectFrom("follows as f")
    .innerJoin("campaigns as c", "c.id", "f.campaign_id")
    .innerJoin("campaign_translations as en", (join) => join.onRef("en.campaign_id", "=", "c.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_translations as tr", (join) => join.onRef("tr.campaign_id", "=", "c.id").on("tr.locale", "=", locale))
    .select((eb) => ["f.campaign_id", "f.status", "f.confirmed_at", "c.slug", eb.fn.coalesce("tr.title", "en.title").as("title")])
    .where("f.subscriber_id", "=", subscriberId)
    .orderBy("c.position")
    .orderBy("c.id")
    .execute();
  return {
    subscriberId: subscriber.id,
    locale: subscriber.locale,
    status: subscriber.status,
    follows: follows.map((f) => ({
      campaignId: f.campaign_id,
      slug: f.slug,
      title: f.title,
      status: f.status,
      canResume: f.status === "unsubscribed" && f.confirmed_at !== null,
    })),
  };
}

/**
 * Stops one campaign's emails to one subscriber, at once and for good (until they
 * follow again). Safe to repeat, and a no-op when there is no such follow (an erased
 * subscriber's follows are gone): a one-click unsubscribe must always succeed.
 */
export async function unsubscribeFromCampaign(db: Kysely<DB>, subscriberId: number, campaignId: number): Promise<void> {
  await db
    .updateTable("follows")
    .set({ status: "unsubscribed", unsubscribed_at: sql`now()` })
    .where("subscriber_id", "=", subscriberId)
    .where("campaign_id", "=", campaignId)
    .where("status", "!=", "unsubscribed")
    .execute();
}

/** Stops every campaign's emails to one subscriber. Safe to repeat. */
export async function unsubscribeFromAll(db: Kysely<DB>, subscriberId: number): Promise<void> {
  await db
    .updateTable("follows")
    .set({ status: "unsubscribed", unsubscribed_at: sql`now()` })
    .where("subscriber_id", "=", subscriberId)
    .where("status", "!=", "unsubscribed")
    .execute();
}

/**
 * Turns a stopped follow back on. Only one the person had confirmed: the preferences
 * link proves they own the mailbox, but not that they ever asked for this campaign.
 */
export async function resumeFollowing(db: Kysely<DB>, subscriberId: number, campaignId: number): Promise<void> {
  await db
    .updateTable("follows")
    .set({ status: "confirmed", unsubscribed_at: null })
    .where("subscriber_id", "=", subscriberId)
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "unsubscribed")
    .where("confirmed_at", "is not", null)
    .execute();
}

/** The language of a subscriber's emails from now on. */
export async function setSubscriberLocale(db: Kysely<DB>, subscriberId: number, locale: Locale): Promise<void> {
  await db
    .updateTable("subscribers")
    .set({ locale, updated_at: sql`now()` })
    .where("id", "=", subscriberId)
    .where("status", "!=", "erased")
    .execute();
}

export interface UnsubscribeTarget {
  campaignTitle: string;
  /** Whether the subscriber still gets this campaign's emails (a pending or confirmed follow). */
  following: boolean;
  /** Whether the subscriber still has a preferences page (not erased). */
  hasPreferences: boolean;
}

/**
 * What an unsubscribe link points at, without changing anything: the campaign's title
 * in `locale` and whether the follow is still on. Null when the campaign does not exist.
 */
export async function inspectUnsubscribe(db: Kysely<DB>, subscriberId: number, campaignId: number, locale: Locale): Promise<UnsubscribeTarget | null> {
  const campaign = await db
    .selectFrom("campaigns as c")
    .innerJoin("campaign_translations as en", (join) => join.onRef("en.campaign_id", "=", "c.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_translations as tr", (join) => join.onRef("tr.campaign_id", "=", "c.id").on("tr.locale", "=", locale))
    .select((eb) => eb.fn.coalesce("tr.title", "en.title").as("title"))
    .where("c.id", "=", campaignId)
    .executeTakeFirst();
  if (!campaign) return null;
  const [follow, subscriber] = await Promise.all([
    db
      .selectFrom("follows")
      .select("status")
      .where("subscriber_id", "=", subscriberId)
      .where("campaign_id", "=", campaignId)
      .executeTakeFirst(),
    db.selectFrom("subscribers").select("status").where("id", "=", subscriberId).executeTakeFirst(),
  ]);
  return {
    campaignTitle: campaign.title,
    following: follow !== undefined && follow.status !== "unsubscribed",
    hasPreferences: subscriber !== undefined && subscriber.status !== "erased",
  };
}
