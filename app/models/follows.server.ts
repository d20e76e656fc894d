import { sql, type Kysely, type Transaction } from "kysely";
import { normalizeEmail } from "~/lib/email-normalize";
import { hashToken, newToken } from "~/lib/tokens.server";
import type { FollowForm } from "~/validation/follow.server";
import type { DB, Locale } from "../../db/schema";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";

/** Confirmation, reminder and "you already follow" emails together; past this a follow gets no more of them. */
export const MAX_EMAILS_PER_FOLLOW = 5;
/** A burst of identical submissions (double clicks, retries) triggers one email, not one each. */
export const FOLLOW_REMINDER_COOLDOWN_SECONDS = 60;
export const FOLLOW_TOKEN_DAYS = 7;

export interface FollowInput {
  campaignId: number;
  form: FollowForm;
  /** The page's language: a new subscriber's emails go out in it. */
  locale: Locale;
}

export type FollowOutcome = "created" | "reminded" | "unchanged";

const cooledDown = sql<boolean>`(last_emailed_at is null or last_emailed_at < now() - make_interval(secs => ${FOLLOW_REMINDER_COOLDOWN_SECONDS}))`;

/**
 * Records a request to follow a campaign and, in the same transaction, the email that
 * confirms it. Asking again adds no row: a pending follow gets a reminder, a confirmed one
 * a "you already follow" note, at most MAX_EMAILS_PER_FOLLOW emails in all and none within
 * FOLLOW_REMINDER_COOLDOWN_SECONDS of the last. A follow that was unsubscribed goes back
 * to pending with a fresh budget: the person left once, so they must confirm again.
 * The caller must show the same page for every outcome, so it never tells whether an
 * address already followed.
 */
export async function followCampaign(db: Kysely<DB>, input: FollowInput): Promise<FollowOutcome> {
  const { form } = input;
  return db.transaction().execute(async (trx) => {
    // An existing subscriber's details are left alone: this request is not yet proof that
    // it comes from the owner of the address, so it must not rename them or change their language.
    const subscriber = await trx
      .insertInto("subscribers")
      .values({
        email: form.email,
        email_normalized: normalizeEmail(form.email),
        first_name: form.firstName ?? null,
        postal_code: form.postalCode ?? null,
        zip5: form.postalCode ? form.postalCode.slice(0, 5) : null,
        locale: input.locale,
      })
      .onConflict((oc) => oc.column("email_normalized").doUpdateSet({ updated_at: sql`now()` }))
      .returning("id")
      .executeTakeFirstOrThrow();

    const inserted = await trx
      .insertInto("follows")
      .values({
        subscriber_id: subscriber.id,
        campaign_id: input.campaignId,
        status: "pending",
        source: "form",
        emails_sent: 1,
        last_emailed_at: sql<Date>`now()`,
      })
      .onConflict((oc) => oc.columns(["subscriber_id", "campaign_id"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted) {
      await enqueueOutbox(trx, JOB_KINDS.followConfirmation, { followId: inserted.id });
      return "created";
    }

    await trx
      .updateTable("follows")
      .set({ status: "pending", source: "form", emails_sent: 0, confirmed_at: null, unsubscribed_at: null })
      .where("subscriber_id", "=", subscriber.id)
      .where("campaign_id", "=", input.campaignId)
      .where("status", "=", "unsubscribed")
      .execute();
    const reminded = await trx
      .updateTable("follows")
      .set({ emails_sent: sql`emails_sent + 1`, last_emailed_at: sql`now()` })
      .where("subscriber_id", "=", subscriber.id)
      .where("campaign_id", "=", input.campaignId)
      .where("emails_sent", "<", MAX_EMAILS_PER_FOLLOW)
      .where(cooledDown)
      .returning("id")
      .executeTakeFirst();
    if (!reminded) return "unchanged";
    await enqueueOutbox(trx, JOB_KINDS.followConfirmation, { followId: reminded.id });
    return "reminded";
  });
}

/**
 * Makes the signer of a just-confirmed signature a confirmed follower of the petition's
 * campaign, when they ticked "email me updates". Call it in the transaction that confirms
 * the signature. Confirming the signature proves the address, so a pending follow is
 * confirmed too; an unsubscribed one is confirmed again only when this opt-in was given
 * after the person unsubscribed, since an older tick must not undo a later "stop".
 * Returns whether the signer follows the campaign now.
 */
export async function followFromSignature(trx: Transaction<DB>, signatureId: number): Promise<boolean> {
  const signature = await trx
    .selectFrom("signatures as s")
    .innerJoin("petitions as p", "p.id", "s.petition_id")
    .select(["s.email", "s.email_normalized", "s.first_name", "s.postal_code", "s.zip5", "s.locale", "s.opt_in", "s.erased_at", "p.campaign_id"])
    .select(sql<Date>`coalesce(s.consent_at, s.created_at)`.as("consent_at"))
    .where("s.id", "=", signatureId)
    .executeTakeFirst();
  if (!signature || !signature.opt_in || signature.campaign_id === null || signature.erased_at) return false;

  // The address is proven here, so the signer's details may fill what an earlier, unconfirmed follow left empty.
  const subscriber = await trx
    .insertInto("subscribers")
    .values({
      email: signature.email,
      email_normalized: signature.email_normalized,
      first_name: signature.first_name,
      postal_code: signature.postal_code,
      zip5: signature.zip5,
      locale: signature.locale,
    })
    .onConflict((oc) =>
      oc.column("email_normalized").doUpdateSet((eb) => ({
        first_name: eb.fn.coalesce("subscribers.first_name", "excluded.first_name"),
        postal_code: eb.fn.coalesce("subscribers.postal_code", "excluded.postal_code"),
        zip5: eb.fn.coalesce("subscribers.zip5", "excluded.zip5"),
        updated_at: sql`now()`,
      })),
    )
    .returning("id")
    .executeTakeFirstOrThrow();

  await trx
    .insertInto("follows")
    .values({
      subscriber_id: subscriber.id,
      campaign_id: signature.campaign_id,
      status: "confirmed",
      source: "signature",
      confirmed_at: sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc
        .columns(["subscriber_id", "campaign_id"])
        .doUpdateSet({ status: "confirmed", source: "signature", confirmed_at: sql`now()`, unsubscribed_at: null })
        .where((eb) =>
          eb.or([
            eb("follows.status", "=", "pending"),
            eb.and([
              eb("follows.status", "=", "unsubscribed"),
              eb(sql`coalesce(follows.unsubscribed_at, '-infinity'::timestamptz)`, "<", signature.consent_at),
            ]),
          ]),
        ),
    )
    .execute();

  const follow = await trx
    .selectFrom("follows")
    .select("status")
    .where("subscriber_id", "=", subscriber.id)
    .where("campaign_id", "=", signature.campaign_id)
    .executeTakeFirst();
  return follow?.status === "confirmed";
}

/**
 * Makes a fresh confirmation token for a follow and stores only its hash (decision 0004).
 * Each email carries its own token; any unexpired one confirms.
 */
export async function issueFollowToken(db: Kysely<DB>, followId: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto("follow_tokens")
    .values({
      follow_id: followId,
      token_hash: hashToken(token),
      expires_at: sql<Date>`now() + make_interval(days => ${FOLLOW_TOKEN_DAYS})`,
    })
    .execute();
  return token;
}

export type FollowTokenState =
  | { state: "invalid" }
  | { state: "expired" | "pending" | "confirmed" | "unsubscribed"; followId: number; campaignId: number };

/** What a follow confirmation link points at, without changing anything (the GET of the confirm page). */
export async function inspectFollowToken(db: Kysely<DB>, token: string): Promise<FollowTokenState> {
  if (!/^[\w-]{20,100}$/.test(token)) return { state: "invalid" };
  const row = await db
    .selectFrom("follow_tokens as t")
    .innerJoin("follows as f", "f.id", "t.follow_id")
    .innerJoin("subscribers as s", "s.id", "f.subscriber_id")
    .select(["f.id", "f.campaign_id", "f.status", "s.status as subscriberStatus", sql<boolean>`t.expires_at < now()`.as("expired")])
    .where("t.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.subscriberStatus === "erased") return { state: "invalid" };
  const base = { followId: row.id, campaignId: row.campaign_id };
  // A link from before the person left must not quietly sign them up again; the campaign page can.
  if (row.status === "confirmed" || row.status === "unsubscribed") return { state: row.status, ...base };
  return { state: row.expired ? "expired" : "pending", ...base };
}

export type FollowConfirmOutcome = "confirmed" | "already-confirmed" | "expired" | "invalid" | "unsubscribed";

/** Confirms the follow a token belongs to. Safe to repeat: a second call reports "already-confirmed". */
export async function confirmFollow(db: Kysely<DB>, token: string): Promise<FollowConfirmOutcome> {
  const found = await inspectFollowToken(db, token);
  if (found.state === "invalid") return "invalid";
  if (found.state === "confirmed") return "already-confirmed";
  if (found.state === "expired" || found.state === "unsubscribed") return found.state;
  const updated = await db
    .updateTable("follows")
    .set({ status: "confirmed", confirmed_at: sql`now()` })
    .where("id", "=", found.followId)
    .where("status", "=", "pending")
    .returning("id")
    .executeTakeFirst();
  return updated ? "confirmed" : "already-confirmed";
}

/**
 * Sends a new confirmation link for an expired token, within the same per-follow email
 * budget as following again. Returns false when the budget or cooldown says no; the page
 * says the same either way.
 */
export async function resendFollowConfirmation(db: Kysely<DB>, token: string): Promise<boolean> {
  const found = await inspectFollowToken(db, token);
  if (found.state !== "expired" && found.state !== "pending") return false;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("follows")
      .set({ emails_sent: sql`emails_sent + 1`, last_emailed_at: sql`now()` })
      .where("id", "=", found.followId)
      .where("status", "=", "pending")
      .where("emails_sent", "<", MAX_EMAILS_PER_FOLLOW)
      .where(cooledDown)
      .returning("id")
      .executeTakeFirst();
    if (!row) return false;
    await enqueueOutbox(trx, JOB_KINDS.followConfirmation, { followId: row.id });
    return true;
  });
}
