import { z } from "zod";

// Query strings of the CSV exports and of the audit log page. Messages are plain English: they answer
// a person who typed or edited a URL (the workspace links never produce a bad value).

export const EXPORT_STATUSES = ["confirmed", "pending", "all"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** A calendar date, YYYY-MM-DD, that exists (no 2026-02-30). */
const isoDate = (name: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be a date like 2026-11-25`)
    .refine((value) => {
      const [year, month, day] = value.split("-").map(Number);
      const date = new Date(Date.UTC(year, month - 1, day));
      return year >= 1970 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    }, `${name} must be a real date like 2026-11-25`);

/**
 * Filters of a signature export. `from` and `to` are days in UTC, both
 * included, on the time of signing. An absent or empty parameter means "no
 * filter"; unknown parameters are ignored.
 */
export const ExportFiltersSchema = z
  .object({
    status: z.enum(EXPORT_STATUSES, { error: "status must be confirmed, pending or all" }).default("confirmed"),
    from: isoDate("from").optional(),
    to: isoDate("to").optional(),
    state: z
      .string()
      .regex(/^[A-Za-z]{2}$/, "state must be a two-letter code such as CA")
      .transform((value) => value.toUpperCase())
      .optional(),
    optedIn: z.enum(["yes", "no"], { error: "optedIn must be yes or no" }).optional(),
  })
  .refine((value) => !value.from || !value.to || value.from <= value.to, { path: ["to"], message: "to must be on or after from" });

export type ExportFilters = z.infer<typeof ExportFiltersSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Query parameters as zod input: the first value of each, and an empty value as absent. */
function queryFields(params: URLSearchParams, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, params.get(name) || undefined]));
}

function firstMessage(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join("; ");
}

export function parseExportFilters(params: URLSearchParams): Parsed<ExportFilters> {
  const result = ExportFiltersSchema.safeParse(queryFields(params, ["status", "from", "to", "state", "optedIn"]));
  return result.success ? { ok: true, value: result.data } : { ok: false, message: firstMessage(result.error) };
}

/** An official's id in a URL: a positive integer, or nothing (a 404, as for an id that does not exist). */
export function parseTargetId(value: string | undefined): number | null {
  const result = z.coerce.number().int().positive().max(2_147_483_647).safeParse(value);
  return result.success && /^\d+$/.test(value ?? "") ? result.data : null;
}

/** `/admin/audit?before=<id>`: the page of entries older than that id (ids are bigint, kept as text). */
export const AuditQuerySchema = z.object({
  before: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, "before must be an entry number from the audit log")
    .optional(),
});

export function parseAuditQuery(params: URLSearchParams): Parsed<z.infer<typeof AuditQuerySchema>> {
  const result = AuditQuerySchema.safeParse(queryFields(params, ["before"]));
  return result.success ? { ok: true, value: result.data } : { ok: false, message: firstMessage(result.error) };
}
