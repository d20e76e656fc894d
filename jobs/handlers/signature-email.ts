import { z } from "zod";
import { renderSignatureEmail } from "../../emails/signature-confirmation";
import { CONFIRMATION_TOKEN_DAYS, issueConfirmationToken } from "../../app/models/signatures.server";
import type { JobDeps } from "../deps";

export const SignatureEmailPayload = z.object({ signatureId: z.number().int().positive() });

/**
 * Sends the confirmation email (or the reminder after a repeat signing). The
 * token is made here, at send time, because only its hash is stored: a retry
 * simply makes another. A signature confirmed meanwhile gets a "you're
 * already confirmed" note instead of a link; an erased or invalidated one gets nothing.
 */
export async function sendSignatureEmail(deps: JobDeps, payload: unknown, kind: "confirmation" | "reminder") {
  const { signatureId } = SignatureEmailPayload.parse(payload);
  const signature = await deps.db
    .selectFrom("signatures as s")
    .innerJoin("petitions as p", "p.id", "s.petition_id")
    .innerJoin("petition_translations as en", (join) => join.onRef("en.petition_id", "=", "p.id").on("en.locale", "=", "en"))
    .leftJoin("petition_translations as tr", (join) => join.onRef("tr.petition_id", "=", "p.id").onRef("tr.locale", "=", "s.locale"))
    .select((eb) => ["s.email", "s.first_name", "s.locale", "s.status", "s.erased_at", "p.slug", eb.fn.coalesce("tr.title", "en.title").as("title")])
    .where("s.id", "=", signatureId)
    .executeTakeFirst();
  // An erased signer asked for no more mail and has no address left to mail.
  if (!signature || signature.status === "invalidated" || signature.erased_at) return;
  const petitionUrl = `${deps.appUrl}/petitions/${signature.slug}?lang=${signature.locale}`;
  const confirmed = signature.status === "confirmed";
  const token = confirmed ? undefined : await issueConfirmationToken(deps.db, signatureId);
  const email = renderSignatureEmail({
    locale: signature.locale,
    variant: confirmed ? "already-confirmed" : kind,
    firstName: signature.first_name,
    petitionTitle: signature.title,
    petitionUrl,
    confirmUrl: token ? `${deps.appUrl}/confirm/${token}?lang=${signature.locale}` : undefined,
    expiresInDays: CONFIRMATION_TOKEN_DAYS,
  });
  await deps.mailer.send({ to: signature.email, ...email });
}
