import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { issueErasureToken, eraseSubscriber } from "../../app/models/erasure.server";
import { issueFollowToken, MAX_EMAILS_PER_FOLLOW } from "../../app/models/follows.server";
import { preferencesToken, unsubscribeToken } from "../../app/lib/subscriber-links.server";
import { formatInterval } from "../../app/models/petition-editor.server";
import type { DB } from "../../db/schema";
import type { TestApp } from "../support/app";
import { text, type Field } from "../support/fuzz";
import { TEST_LINK_SECRET } from "../support/jobs";
import { signedInOrganizer } from "../support/organizers";
import { addFollower, CAMPUS, CASA, campaignId } from "../support/subscribers";
import type { OrganizerInfo, SubscriberLinks } from "./generators";

/**
 * The records the campaign and organizer cases of the fuzz suite point at, made before
 * its "nothing written" snapshot. Each is chosen so that what the generators send with it
 * changes nothing (see SubscriberLinks and OrganizerInfo in generators.ts).
 */

const HOME = "sanctuary-cities-and-counties";
/** Ids no subscriber or campaign has (the second is the largest a Postgres integer holds). */
const NO_SUCH_ID = [999_999, 2_147_483_647];

/** An archived campaign of the same organization: its follow form is a 404. */
export async function archivedCampaign(db: Kysely<DB>): Promise<string> {
  const slug = `fuzz-archived-${randomBytes(3).toString("hex")}`;
  const { organization_id } = await db.selectFrom("campaigns").select("organization_id").where("slug", "=", CAMPUS).executeTakeFirstOrThrow();
  const { id } = await db.insertInto("campaigns").values({ organization_id, slug, status: "archived" }).returning("id").executeTakeFirstOrThrow();
  await db.insertInto("campaign_translations").values({ campaign_id: id, locale: "en", title: "An archived campaign" }).execute();
  return slug;
}

async function followId(db: Kysely<DB>, subscriberId: number): Promise<number> {
  const row = await db.selectFrom("follows").select("id").where("subscriber_id", "=", subscriberId).executeTakeFirstOrThrow();
  return row.id;
}

/** Follows, subscribers and their links, as SubscriberLinks describes them. */
export async function subscriberLinks(db: Kysely<DB>): Promise<SubscriberLinks> {
  const campus = await campaignId(db, CAMPUS);
  const casa = await campaignId(db, CASA);
  const home = await campaignId(db, HOME);

  // Follows the Campus campaign only (confirmed): their preferences page and unsubscribe link.
  const follower = await addFollower(db, { follows: { [CAMPUS]: "confirmed" } });
  const confirmedToken = await issueFollowToken(db, await followId(db, follower.subscriberId));
  const expiredErasure = await issueErasureToken(db, follower.subscriberId);
  await db.updateTable("erasure_tokens").set({ expires_at: sql<Date>`now() - interval '1 day'` }).where("subscriber_id", "=", follower.subscriberId).execute();
  const erasureToken = await issueErasureToken(db, follower.subscriberId);

  // Pending, its link live: only a GET may use it.
  const pending = await addFollower(db, { follows: { [CAMPUS]: "pending" } });
  const pendingToken = await issueFollowToken(db, await followId(db, pending.subscriberId));

  // Pending, its link expired and its emails used up: neither confirming nor resending does anything.
  const spent = await addFollower(db, { follows: { [CAMPUS]: "pending" } });
  const spentFollow = await followId(db, spent.subscriberId);
  await db.updateTable("follows").set({ emails_sent: MAX_EMAILS_PER_FOLLOW, last_emailed_at: sql<Date>`now()` }).where("id", "=", spentFollow).execute();
  const spentToken = await issueFollowToken(db, spentFollow);
  await db.updateTable("follow_tokens").set({ expires_at: sql<Date>`now() - interval '1 day'` }).where("follow_id", "=", spentFollow).execute();

  const left = await addFollower(db, { follows: { [CAMPUS]: "unsubscribed" } });
  const leftToken = await issueFollowToken(db, await followId(db, left.subscriberId));

  const erased = await addFollower(db, { follows: { [CAMPUS]: "confirmed" } });
  await db.transaction().execute((trx) => eraseSubscriber(trx, erased.subscriberId));

  const otherSecret = "not-this-site-secret-not-this-site-secret!";
  return {
    live: { follow: pendingToken, unsubscribe: unsubscribeToken(TEST_LINK_SECRET, follower.subscriberId, campus), erasure: erasureToken },
    preferences: preferencesToken(TEST_LINK_SECRET, follower.subscriberId),
    followedCampaignId: campus,
    otherCampaignIds: [casa, home, ...NO_SUCH_ID],
    inert: {
      follow: [confirmedToken, spentToken, leftToken],
      erasure: [expiredErasure],
      unsubscribe: [
        unsubscribeToken(TEST_LINK_SECRET, follower.subscriberId, casa),
        unsubscribeToken(TEST_LINK_SECRET, follower.subscriberId, home),
        unsubscribeToken(TEST_LINK_SECRET, erased.subscriberId, campus),
        unsubscribeToken(TEST_LINK_SECRET, pending.subscriberId, casa),
        ...NO_SUCH_ID.map((id) => unsubscribeToken(TEST_LINK_SECRET, id, campus)),
        ...NO_SUCH_ID.map((id) => unsubscribeToken(TEST_LINK_SECRET, follower.subscriberId, id)),
      ],
      preferences: [preferencesToken(TEST_LINK_SECRET, erased.subscriberId), ...NO_SUCH_ID.map((id) => preferencesToken(TEST_LINK_SECRET, id))],
    },
    foreign: [preferencesToken(otherSecret, follower.subscriberId), unsubscribeToken(otherSecret, follower.subscriberId, campus)],
    unconfirmedEmail: pending.email,
  };
}

/** The update form as a browser posts it: a form POST with the session cookie. */
function postForm(app: TestApp, path: string, fields: Field[], cookie: string): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of fields) body.append(name, "text" in value ? value.text : "");
  return fetch(app.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    body: body.toString(),
  });
}

/** The id in a redirect to the update list (…/updates?published=ID or ?scheduled=ID). */
async function updateIdOf(res: Response, notice: "published" | "scheduled"): Promise<number> {
  const location = res.headers.get("location") ?? "";
  const id = Number(new URL(location, "http://x").searchParams.get(notice));
  if (res.status !== 302 || !id) throw new Error(`a valid update was not ${notice}: ${res.status} ${location} ${(await res.text()).slice(0, 300)}`);
  return id;
}

/**
 * Organizers of the campaigns' organization (one an organizer, one a viewer) and of another
 * organization, signed in; updates scheduled on two campaigns and one published; and the
 * petition editor's form as saved. The forms are posted over HTTP, so a generator's idea
 * of a valid update or petition form is checked against the app before the run.
 */
export async function organizerInfo(app: TestApp, db: Kysely<DB>): Promise<OrganizerInfo> {
  const id = randomBytes(4).toString("hex");
  const organizer = await signedInOrganizer(app, { email: `fuzz-organizer.${id}@example.net`, role: "organizer" });
  const viewer = await signedInOrganizer(app, { email: `fuzz-viewer.${id}@example.net`, role: "viewer" });
  const outsider = await signedInOrganizer(app, { email: `fuzz-outsider.${id}@example.net`, org: `fuzz-elsewhere-${id}`, role: "organizer" });

  const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 16);
  const update = (title: string, when: "now" | "later"): Field[] => [
    ["title", text(title)],
    ["body", text("Text of an update made before the fuzz run.")],
    ["when", text(when)],
    ["sendAt", text(when === "later" ? inAMonth : "")],
  ];
  const updates = (slug: string) => `/admin/campaigns/${slug}/updates/new`;
  const scheduledUpdateId = await updateIdOf(await postForm(app, updates(CAMPUS), update("Scheduled", "later"), organizer.cookie), "scheduled");
  const otherScheduledUpdateId = await updateIdOf(await postForm(app, updates(CASA), update("Scheduled elsewhere", "later"), organizer.cookie), "scheduled");
  const publishedUpdateId = await updateIdOf(await postForm(app, updates(CAMPUS), update("Published", "now"), organizer.cookie), "published");

  const petitionSlug = "tell-your-mayor-defy-trump-expand-sanctuary";
  const petition = await db.selectFrom("petitions").selectAll().where("slug", "=", petitionSlug).executeTakeFirstOrThrow();
  const translations = await db.selectFrom("petition_translations").selectAll().where("petition_id", "=", petition.id).execute();
  const targets = await db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", petition.id).execute();
  const en = translations.find((t) => t.locale === "en")!;
  const es = translations.find((t) => t.locale === "es");
  const petitionForm: Field[] = [
    ["slug", text(petition.slug)],
    ["titleEn", text(en.title)],
    ["summaryEn", text(en.summary)],
    ["bodyEn", text(en.body)],
    ["titleEs", text(es?.title ?? "")],
    ["summaryEs", text(es?.summary ?? "")],
    ["bodyEs", text(es?.body ?? "")],
    ["goal", text(String(petition.goal))],
    ["status", text(petition.status)],
    ["campaignId", text(petition.campaign_id === null ? "" : String(petition.campaign_id))],
    ["targetRule", text(petition.target_rule)],
    ...petition.target_levels.map((level): Field => ["targetLevels", text(level)]),
    ...targets.map((t): Field => ["targetIds", text(String(t.target_id))]),
    ["deliveryInterval", text(formatInterval(petition.delivery_interval_seconds))],
  ];
  if (petition.milestone_updates) petitionForm.push(["milestoneUpdates", text("1")]);
  const saved = await postForm(app, `/admin/petitions/${petitionSlug}/edit`, petitionForm, organizer.cookie);
  if (saved.status !== 302) throw new Error(`the petition editor refused its own form: ${saved.status} ${(await saved.text()).slice(0, 500)}`);

  return {
    cookies: { organizer: organizer.cookie, viewer: viewer.cookie, outsider: outsider.cookie },
    campaignSlug: CAMPUS,
    otherCampaignSlug: CASA,
    scheduledUpdateId,
    otherScheduledUpdateId,
    publishedUpdateId,
    petitionSlug,
    petitionForm,
  };
}

/**
 * Waits until every outbox row is done but the scheduled updates' fan-outs (never tried, and
 * due in a month): jobs started before the snapshot must not finish during the run. A row
 * being run has been tried (its lease moves run_after ahead), so it counts as not done.
 */
export async function outboxSettled(db: Kysely<DB>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { n } = await db
      .selectFrom("outbox")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("status", "in", ["pending", "queued"])
      .where((eb) => eb.or([eb("attempts", ">", 0), eb("run_after", "<=", sql<Date>`now() + interval '1 day'`)]))
      .executeTakeFirstOrThrow();
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} outbox rows still due after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The fixtures are what the generators take them for: the live links work (so their forgeries
 * are near misses, not noise), the expired one does not, and each organizer cookie gets the
 * answer its role should. Otherwise every case would stop at the same door and prove little.
 */
export async function checkFixtures(app: TestApp, links: SubscriberLinks, org: OrganizerInfo): Promise<void> {
  const expectations: [string, Record<string, string>, number][] = [
    [`/follow/${links.live.follow}`, {}, 200],
    [`/unsubscribe/${links.live.unsubscribe}`, {}, 200],
    [`/erase/${links.live.erasure}`, {}, 200],
    [`/preferences/${links.preferences}`, {}, 200],
    [`/erase/${links.inert.erasure[0]}`, {}, 404],
    [`/admin/campaigns/${org.campaignSlug}/updates/new`, { Cookie: org.cookies.organizer }, 200],
    [`/admin/campaigns/${org.campaignSlug}/updates/new`, { Cookie: org.cookies.viewer }, 403],
    [`/admin/campaigns/${org.campaignSlug}/updates/new`, { Cookie: org.cookies.outsider }, 404],
    [`/admin/petitions/${org.petitionSlug}/edit`, { Cookie: org.cookies.organizer }, 200],
  ];
  for (const [path, headers, status] of expectations) {
    const res = await app.get(path, headers);
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`fixture check: GET ${path} answered ${res.status}, not ${status}`);
  }
}
