import type { z } from "zod";

/** What the public forms read a submission through: a FormData, or URLSearchParams of a form body read before Remix. */
export type FormFields = Pick<FormData, "get">;

/** The fields as typed, to put back in a public form after an error. Never echoes anything but strings. */
export function typedFieldValues(form: FormFields, fields: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = form.get(field);
    if (typeof value === "string") values[field] = value.slice(0, 2000);
  }
  return values;
}

/**
 * Parses a public form's fields with its schema, or gives one message key per field
 * (the schema's own "errors.…" key, else errors.<field>.invalid) for the page to translate.
 */
export function parseFormFields<Schema extends z.ZodType<Record<string, unknown>>, Field extends string>(
  form: FormFields,
  fields: readonly Field[],
  schema: Schema,
): { ok: true; data: z.output<Schema> } | { ok: false; errors: Partial<Record<Field, string>> } {
  const raw: Record<string, unknown> = {};
  for (const field of fields) {
    const value = form.get(field);
    raw[field] = typeof value === "string" ? value : undefined;
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const errors: Partial<Record<Field, string>> = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as Field;
    if (!errors[field]) errors[field] = issue.message.startsWith("errors.") ? issue.message : `errors.${field}.invalid`;
  }
  return { ok: false, errors };
}
