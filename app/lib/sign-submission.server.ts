import type { Locale } from "../../db/schema";
import { translator } from "~/i18n/i18n";
import { rateLimitKey } from "~/lib/abuse.server";
import { field } from "~/lib/http.server";
import { readTracking } from "~/lib/tracking";
import type { PetitionRef } from "~/models/petitions.server";
import { signPetition } from "~/models/signatures.server";
import type { Services } from "~/services.server";
import type { FormFields } from "~/validation/form-fields.server";
import { parseSignatureForm, typedValues, type SignatureField } from "~/validation/signature.server";

export type SignSubmission =
  | { ok: true; thanks: string }
  | { ok: false; errors: Partial<Record<SignatureField, string>>; values: Record<string, string> };

/**
 * What a sign form's POST does once the petition is known and open: shared
 * by the route's action and signBeforeRemix (sign-first.server.ts), so both
 * take the same signature for the same form. Every accepted outcome (a new
 * signature, a reminder, nothing new, a bot) leads to the same thank-you
 * page, so the page never tells whether an email had already signed.
 */
export async function submitSignature(
  services: Pick<Services, "db" | "jobs" | "env">,
  petition: PetitionRef,
  form: FormFields,
  context: { locale: Locale; clientIp: string },
): Promise<SignSubmission> {
  const thanks = `/petitions/${petition.slug}/thanks`;
  // A filled honeypot is a bot: it gets the same page as a person and nothing is stored.
  if (field(form, "website")) return { ok: true, thanks };
  const parsed = parseSignatureForm(form);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values: typedValues(form) };
  const { source, ...utm } = readTracking((name) => form.get(name));
  await signPetition(services.db, {
    petitionId: petition.id,
    form: parsed.data,
    locale: context.locale,
    source: source ?? null,
    utm: Object.keys(utm).length > 0 ? utm : null,
    consentText: translator(context.locale)("sign.optIn"),
    ipHash: rateLimitKey(context.clientIp, services.env),
    rateLimits: services.env.SIGN_RATE_LIMITS,
  });
  services.jobs?.wake();
  return { ok: true, thanks };
}
