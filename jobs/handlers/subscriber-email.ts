import { z } from "zod";
import { renderErasureEmail } from "../../emails/erasure-confirmation";
import { renderPreferencesLinkEmail } from "../../emails/preferences-link";
import { ERASURE_TOKEN_HOURS, issueErasureToken } from "../../app/models/erasure.server";
import { preferencesToken } from "../../app/lib/subscriber-links.server";
import type { JobDeps } from "../deps";

export const SubscriberEmailPayload = z.object({ subscriberId: z.number().int().positive() });

/** The subscriber an email is for, when they can still be mailed (not erased or undeliverable meanwhile). */
async function mailableSubscriber(deps: JobDeps, payload: unknown) {
  const { subscriberId } = SubscriberEmailPayload.parse(payload);
  const subscriber = await deps.db
    .selectFrom("subscribers")
    .select(["id", "email", "locale", "status"])
    .where("id", "=", subscriberId)
    .executeTakeFirst();
  if (!subscriber || subscriber.status !== "active" || !subscriber.email) return null;
  return { id: subscriber.id, email: subscriber.email, locale: subscriber.locale };
}

/**
 * Sends the link that confirms a "delete my data" request. The token is made here, at
 * send time, because only its hash is stored: a retry simply makes another.
 */
export async function sendErasureConfirmation(deps: JobDeps, payload: unknown): Promise<void> {
  const subscriber = await mailableSubscriber(deps, payload);
  if (!subscriber) return;
  const token = await issueErasureToken(deps.db, subscriber.id);
  const email = renderErasureEmail({
    locale: subscriber.locale,
    erasureUrl: `${deps.appUrl}/erase/${token}?lang=${subscriber.locale}`,
    expiresInHours: ERASURE_TOKEN_HOURS,
  });
  await deps.mailer.send({ to: subscriber.email, ...email });
}

/** Sends a fresh preferences link, asked for on /preferences. */
export async function sendPreferencesLink(deps: JobDeps, payload: unknown): Promise<void> {
  const subscriber = await mailableSubscriber(deps, payload);
  if (!subscriber) return;
  const email = renderPreferencesLinkEmail({
    locale: subscriber.locale,
    preferencesUrl: `${deps.appUrl}/preferences/${preferencesToken(deps.linkSecret, subscriber.id)}?lang=${subscriber.locale}`,
  });
  await deps.mailer.send({ to: subscriber.email, ...email });
}
