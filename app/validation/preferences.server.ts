import { z } from "zod";

// Messages are i18n keys (see app/i18n/messages*.ts) so one schema serves both languages.

const campaignId = z.coerce.number({ error: "errors.badRequest" }).int("errors.badRequest").positive("errors.badRequest").max(2_147_483_647, "errors.badRequest");

/** What a form on the preferences page asks for; `intent` is the button pressed. */
export const PreferencesActionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("stop"), campaignId }),
    z.object({ intent: z.literal("resume"), campaignId }),
    z.object({ intent: z.literal("stopAll") }),
    z.object({ intent: z.literal("locale"), locale: z.enum(["en", "es"], { error: "preferences.errors.locale" }) }),
    z.object({ intent: z.literal("erase") }),
  ],
  { error: "errors.badRequest" },
);
export type PreferencesAction = z.output<typeof PreferencesActionSchema>;

/** The preferences page's form, or the message key of what is wrong with it. */
export function parsePreferencesAction(form: FormData): { ok: true; data: PreferencesAction } | { ok: false; messageKey: string } {
  const raw: Record<string, unknown> = {};
  for (const name of ["intent", "campaignId", "locale"]) {
    const value = form.get(name);
    if (typeof value === "string") raw[name] = value;
  }
  const result = PreferencesActionSchema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, messageKey: result.error.issues[0]?.message ?? "errors.badRequest" };
}

export const PreferencesLinkRequestSchema = z.object({
  email: z
    .string({ error: "errors.email.required" })
    .trim()
    .min(1, "errors.email.required")
    .max(254, "errors.email.invalid")
    .pipe(z.email({ error: "errors.email.invalid" })),
});

/** The /preferences form (an email address to send a fresh link to), or the message key of what is wrong. */
export function parsePreferencesLinkRequest(form: FormData): { ok: true; email: string } | { ok: false; messageKey: string } {
  const value = form.get("email");
  const result = PreferencesLinkRequestSchema.safeParse({ email: typeof value === "string" ? value : undefined });
  if (result.success) return { ok: true, email: result.data.email };
  return { ok: false, messageKey: result.error.issues[0]?.message ?? "errors.email.invalid" };
}
