import { z } from "zod";
import { renderFollowEmail } from "../../emails/follow-confirmation";
import { FOLLOW_TOKEN_DAYS, issueFollowToken } from "../../app/models/follows.server";
import { preferencesToken, unsubscribeToken } from "../../app/lib/subscriber-links.server";
import type { JobDeps } from "../deps";

export const FollowEmailPayload = z.object({ followId: z.number().int().positive() });

/**
 * Sends the email that confirms a follow: the first one, a reminder when the person asked
 * again while pending, or "you already follow" once confirmed. The token is made here, at
 * send time, because only its hash is stored: a retry simply makes another. A follow
 * stopped or erased meanwhile gets nothing.
 */
export async function sendFollowEmail(deps: JobDeps, payload: unknown): Promise<void> {
  const { followId } = FollowEmailPayload.parse(payload);
  const follow = await deps.db
    .selectFrom("follows as f")
    .innerJoin("subscribers as s", "s.id", "f.subscriber_id")
    .innerJoin("campaigns as c", "c.id", "f.campaign_id")
    .innerJoin("campaign_translations as en", (join) => join.onRef("en.campaign_id", "=", "c.id").on("en.locale", "=", "en"))
    .leftJoin("campaign_translations as tr", (join) => join.onRef("tr.campaign_id", "=", "c.id").onRef("tr.locale", "=", "s.locale"))
    .select((eb) => [
      "f.status",
      "f.emails_sent",
      "f.campaign_id",
      "s.id as subscriberId",
      "s.email",
      "s.first_name",
      "s.locale",
      "s.status as subscriberStatus",
      "c.slug",
      eb.fn.coalesce("tr.title", "en.title").as("title"),
    ])
    .where("f.id", "=", followId)
    .executeTakeFirst();
  if (!follow || !follow.email || follow.subscriberStatus === "erased" || follow.status === "unsubscribed") return;

  const { locale } = follow;
  const confirmed = follow.status === "confirmed";
  const token = confirmed ? undefined : await issueFollowToken(deps.db, followId);
  const email = renderFollowEmail({
    locale,
    // emails_sent was counted when this email was queued: above 1, the person had been mailed before.
    variant: confirmed ? "already-following" : follow.emails_sent > 1 ? "reminder" : "confirmation",
    firstName: follow.first_name,
    campaignTitle: follow.title,
    campaignUrl: `${deps.appUrl}/campaigns/${follow.slug}?lang=${locale}`,
    confirmUrl: token ? `${deps.appUrl}/follow/${token}?lang=${locale}` : undefined,
    preferencesUrl: `${deps.appUrl}/preferences/${preferencesToken(deps.linkSecret, follow.subscriberId)}?lang=${locale}`,
    unsubscribeUrl: confirmed
      ? `${deps.appUrl}/unsubscribe/${unsubscribeToken(deps.linkSecret, follow.subscriberId, follow.campaign_id)}?lang=${locale}`
      : undefined,
    expiresInDays: FOLLOW_TOKEN_DAYS,
  });
  await deps.mailer.send({ to: follow.email, ...email });
}
