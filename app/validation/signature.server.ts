import { z } from "zod";
import { parseFormFields, typedFieldValues, type FormFields } from "./form-fields.server";

// Messages are i18n keys (see app/i18n/messages.ts) so one schema serves both languages.

// Control characters, line separators and bidirectional overrides (which can make a name read backwards on a page),
// and U+FFFD, which is what invalid UTF-8 in the request (%C3%28, %FF, an encoded lone surrogate) decodes to.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

const name = (field: "firstName" | "lastName") =>
  z
    .string({ error: `errors.${field}.required` })
    .transform((value) => value.normalize("NFC").trim().replace(/\s+/g, " "))
    .pipe(
      z
        .string()
        .min(1, `errors.${field}.required`)
        .max(100, `errors.${field}.tooLong`)
        .refine((value) => !CONTROL_CHARACTERS.test(value), `errors.${field}.invalid`),
    );

const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("1"), z.literal("yes"), z.literal(""), z.undefined()])
  .transform((value) => value !== undefined && value !== "");

export const SignatureFormSchema = z.object({
  firstName: name("firstName"),
  lastName: name("lastName"),
  email: z
    .string({ error: "errors.email.required" })
    .trim()
    .min(1, "errors.email.required")
    .max(254, "errors.email.invalid")
    .pipe(z.email({ error: "errors.email.invalid" })),
  postalCode: z
    .string({ error: "errors.postalCode.required" })
    .trim()
    .min(1, "errors.postalCode.required")
    .regex(/^\d{5}(-?\d{4})?$/, "errors.postalCode.invalid")
    .transform((value) => (value.length > 5 ? `${value.slice(0, 5)}-${value.slice(-4)}` : value)),
  comment: z
    .string()
    .optional()
    .transform((value) => value?.normalize("NFC").trim() || undefined)
    .pipe(
      z
        .string()
        .max(1000, "errors.comment.tooLong")
        // Newlines and tabs are fine in a comment; other control characters are not, nor U+FFFD (invalid UTF-8).
        // eslint-disable-next-line no-control-regex
        .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(value), "errors.comment.invalid")
        .optional(),
    ),
  optIn: checkbox,
  anonymous: checkbox,
});

export type SignatureForm = z.output<typeof SignatureFormSchema>;
export type SignatureField = keyof SignatureForm;
export const SIGNATURE_FIELDS: readonly SignatureField[] = [
  "firstName",
  "lastName",
  "email",
  "postalCode",
  "comment",
  "optIn",
  "anonymous",
];

/** The fields as typed, to put back in the form after an error. */
export function typedValues(form: FormFields): Record<string, string> {
  return typedFieldValues(form, SIGNATURE_FIELDS);
}

/** Parses the submitted form, or per-field error keys. */
export function parseSignatureForm(form: FormFields):
  | { ok: true; data: SignatureForm }
  | { ok: false; errors: Partial<Record<SignatureField, string>> } {
  return parseFormFields(form, SIGNATURE_FIELDS, SignatureFormSchema);
}
