import { z } from "zod";

// Shared by the petition and campaign editors: web addresses and the English/Spanish text fields.
// Messages are English sentences: the workspace is English-only for now.

/** Words a slug may not be, because a workspace route already uses that path segment. */
export const RESERVED_SLUGS: readonly string[] = ["new", "edit"];

export const TITLE_MAX = 200;
export const SUMMARY_MAX = 500;
/**
 * Two bodies (English and Spanish) must fit the 64 KiB form limit of readForm once
 * URL-encoded (accents take 6 bytes each), so each body stays well under half of it.
 */
export const BODY_MAX = 10_000;

// Control characters other than tab and newlines: they never belong in text a person typed.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A form field as a trimmed string; a missing field is the empty string. */
const text = z
  .string()
  .optional()
  .transform((value) => (value ?? "").normalize("NFC").trim());

export const slugSchema = z
  .string({ error: "Enter a web address" })
  .optional()
  .transform((value) => (value ?? "").trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "Enter a web address, like stop-the-raids")
      .min(3, "Use at least 3 characters")
      .max(80, "Use at most 80 characters")
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use only lowercase letters, digits and single hyphens between words, like stop-the-raids")
      .refine((value) => !RESERVED_SLUGS.includes(value), "That address is reserved; choose another"),
  );

export const organizationIdSchema = z
  .string({ error: "Choose an organization" })
  .regex(/^\d{1,9}$/, "Choose an organization")
  .transform(Number);

function bounded(max: number, what: string) {
  return text.pipe(
    z
      .string()
      .max(max, `${what} must be ${max.toLocaleString("en-US")} characters or fewer`)
      .refine((value) => !CONTROL_CHARACTERS.test(value), `${what} has a character we can't accept; remove it`),
  );
}

export const TRANSLATION_FIELDS = ["titleEn", "summaryEn", "bodyEn", "titleEs", "summaryEs", "bodyEs"] as const;
type TranslationField = (typeof TRANSLATION_FIELDS)[number];

/** The zod shape of the six text fields; cross-field rules are in checkTranslations. */
export const translationShape = {
  titleEn: bounded(TITLE_MAX, "The title"),
  summaryEn: bounded(SUMMARY_MAX, "The summary"),
  bodyEn: bounded(BODY_MAX, "The text"),
  titleEs: bounded(TITLE_MAX, "The Spanish title"),
  summaryEs: bounded(SUMMARY_MAX, "The Spanish summary"),
  bodyEs: bounded(BODY_MAX, "The Spanish text"),
};

/**
 * The same six fields, never failing: the cross-field rules run on these, in a
 * schema of their own. zod skips an object's refinements once a field has failed
 * (a pipe or transform aborts), and the form should list every problem at once.
 */
export const lenientTranslationShape = {
  titleEn: text,
  summaryEn: text,
  bodyEn: text,
  titleEs: text,
  summaryEs: text,
  bodyEs: text,
};

/** Both parses' problems, the field's own check first: the first message per field is the one shown. */
export function mergedIssues<A, B>(own: z.ZodSafeParseResult<A>, rules: z.ZodSafeParseResult<B>): z.ZodError | null {
  const issues = [...(own.error?.issues ?? []), ...(rules.error?.issues ?? [])];
  return issues.length > 0 ? new z.ZodError(issues) : null;
}

/**
 * English title and body are required (and the summary when `summaryRequired`).
 * Spanish is optional as a whole, but a partial translation is refused: the
 * public page falls back to English only where no Spanish row exists, so a
 * Spanish title over an empty Spanish text would show an empty page.
 */
export function checkTranslations(
  value: Partial<Record<TranslationField, string>>,
  ctx: z.RefinementCtx,
  options: { summaryRequired: boolean },
): void {
  const issue = (path: TranslationField, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (!value.titleEn) issue("titleEn", "Enter a title");
  if (options.summaryRequired && !value.summaryEn) issue("summaryEn", "Write a one- or two-sentence summary");
  if (!value.bodyEn) issue("bodyEn", "Write the text");
  const spanish = [value.titleEs, value.summaryEs, value.bodyEs].some(Boolean);
  if (!spanish) return;
  const missing = "or leave every Spanish field empty to show the English text";
  if (!value.titleEs) issue("titleEs", `Enter the Spanish title, ${missing}`);
  if (!value.summaryEs && (options.summaryRequired || value.summaryEn)) issue("summaryEs", `Write the Spanish summary, ${missing}`);
  if (!value.bodyEs) issue("bodyEs", `Write the Spanish text, ${missing}`);
}

/** The text fields as typed, for a preview (which saves nothing, so it does not need valid input). */
export function previewFields(form: FormData): Record<TranslationField, string> {
  const value = (name: string) => {
    const raw = form.get(name);
    return typeof raw === "string" ? raw.slice(0, BODY_MAX * 2) : "";
  };
  return Object.fromEntries(TRANSLATION_FIELDS.map((name) => [name, value(name)])) as Record<TranslationField, string>;
}

/** What was typed, to put back into the form: single fields as strings, repeated fields (checkboxes) as arrays. */
export function typedValues(form: FormData, single: readonly string[], multiple: readonly string[] = []): FormValues {
  const values: FormValues = {};
  for (const name of single) {
    const raw = form.get(name);
    if (typeof raw === "string") values[name] = raw.slice(0, BODY_MAX * 2);
  }
  for (const name of multiple) {
    values[name] = form
      .getAll(name)
      .filter((v): v is string => typeof v === "string")
      .slice(0, 500)
      .map((v) => v.slice(0, 100));
  }
  return values;
}

export type FormValues = Record<string, string | string[]>;

/** Posted values of a repeated field (checkboxes), strings only. */
export function allStrings(form: FormData, name: string): string[] {
  return form.getAll(name).filter((v): v is string => typeof v === "string");
}
