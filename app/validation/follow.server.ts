import { z } from "zod";
import { parseFormFields, typedFieldValues } from "./form-fields.server";

// Messages are i18n keys (see app/i18n/messages.ts); the follow form shares the sign form's error wording.

// As in signature.server.ts: control characters, line separators, bidi overrides and U+FFFD (invalid UTF-8).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

/** An empty optional field is "not given", not an error. */
const blankToUndefined = (value: string | undefined) => {
  const trimmed = value?.normalize("NFC").trim().replace(/\s+/g, " ");
  return trimmed ? trimmed : undefined;
};

export const FollowFormSchema = z.object({
  email: z
    .string({ error: "errors.email.required" })
    .trim()
    .min(1, "errors.email.required")
    .max(254, "errors.email.invalid")
    .pipe(z.email({ error: "errors.email.invalid" })),
  firstName: z
    .string()
    .optional()
    .transform(blankToUndefined)
    .pipe(
      z
        .string()
        .max(100, "errors.firstName.tooLong")
        .refine((value) => !CONTROL_CHARACTERS.test(value), "errors.firstName.invalid")
        .optional(),
    ),
  postalCode: z
    .string()
    .optional()
    .transform(blankToUndefined)
    .pipe(
      z
        .string()
        .regex(/^\d{5}(-?\d{4})?$/, "errors.postalCode.invalid")
        .transform((value) => (value.length > 5 ? `${value.slice(0, 5)}-${value.slice(-4)}` : value))
        .optional(),
    ),
});

export type FollowForm = z.output<typeof FollowFormSchema>;
export type FollowField = keyof FollowForm;
export const FOLLOW_FIELDS: readonly FollowField[] = ["email", "firstName", "postalCode"];

/** The fields as typed, to put back in the form after an error. */
export function typedFollowValues(form: FormData): Record<string, string> {
  return typedFieldValues(form, FOLLOW_FIELDS);
}

/** Parses the submitted form, or per-field error keys. */
export function parseFollowForm(form: FormData):
  | { ok: true; data: FollowForm }
  | { ok: false; errors: Partial<Record<FollowField, string>> } {
  return parseFormFields(form, FOLLOW_FIELDS, FollowFormSchema);
}

/** `?page=` of the campaign page's updates: a page number from 1, anything else is the first page. */
export const UpdatesPageSchema = z.coerce.number().int().min(1).max(10_000).catch(1);

export function parseUpdatesPage(params: URLSearchParams): number {
  return UpdatesPageSchema.parse(params.get("page") ?? undefined);
}
