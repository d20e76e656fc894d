import { z } from "zod";
import { parseCsv } from "~/lib/csv-parse.server";
import { TARGET_LEVELS, type TargetLevel } from "../../db/schema";

/** The columns an import must have, in the order the template lists them (any order is accepted). */
export const TARGET_CSV_COLUMNS = ["name", "office", "level", "jurisdiction", "state", "email", "zip_codes"] as const;
export type TargetCsvColumn = (typeof TARGET_CSV_COLUMNS)[number];
/** Officials in one import at most; a bigger list goes in several files. */
export const MAX_TARGET_ROWS = 5_000;
/** ZIP codes one official may serve (a big county has a few hundred). */
const MAX_ZIPS_PER_TARGET = 2_000;

/** USPS codes of the states, DC and the territories. */
export const US_STATES = new Set(
  (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY " +
    "DC PR GU VI AS MP"
  ).split(" "),
);

// Control characters, line breaks and bidirectional overrides have no place in a name, an office or a place.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const text = (what: string, max = 200) =>
  z
    .string({ error: `Enter the ${what}` })
    .transform((value) => value.normalize("NFC").trim().replace(/[ \t]+/g, " "))
    .pipe(
      z
        .string()
        .min(1, `Enter the ${what}`)
        .max(max, `Shorten the ${what} to ${max} characters or fewer`)
        .refine((value) => !CONTROL_CHARACTERS.test(value), `Remove the line break or control character from the ${what}`),
    );

const level = z
  .string({ error: "Enter the level: city, county or state" })
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(TARGET_LEVELS, { error: "Use city, county or state for the level" }));

const state = z
  .string({ error: "Enter the state as its 2-letter code, like CA" })
  .transform((value) => value.trim().toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^[A-Z]{2}$/, "Enter the state as its 2-letter code, like CA")
      .refine((value) => US_STATES.has(value), "Use a US state's 2-letter postal code, like CA or NY"),
  );

const email = z
  .string({ error: "Enter the official's email address" })
  .trim()
  .min(1, "Enter the official's email address")
  .max(254, "Enter an email address of 254 characters or fewer")
  .pipe(z.email({ error: "Enter a valid email address, like mayor@city.gov" }))
  .transform((value) => value.toLowerCase());

/** ZIP codes separated by spaces, semicolons or commas (a pasted list), each 5 digits; duplicates dropped. */
const zipCodes = z
  .string()
  .optional()
  .transform((value) => (value ?? "").split(/[\s;,]+/).filter(Boolean))
  .superRefine((zips, ctx) => {
    const bad = zips.find((zip) => !/^\d{5}$/.test(zip));
    if (bad !== undefined) {
      ctx.addIssue({ code: "custom", message: `“${bad.slice(0, 12)}” is not a 5-digit ZIP code: separate ZIPs with spaces or semicolons, like 94110;94112` });
    } else if (zips.length > MAX_ZIPS_PER_TARGET) {
      ctx.addIssue({ code: "custom", message: `List at most ${MAX_ZIPS_PER_TARGET} ZIP codes for one official` });
    }
  })
  .transform((zips) => [...new Set(zips)].sort());

/** One official from a CSV row. */
export const TargetRowSchema = z.object({
  name: text("official's name"),
  office: text("office, like Mayor or Sheriff"),
  level,
  jurisdiction: text("jurisdiction, like the city or county name"),
  state,
  email,
  zip_codes: zipCodes,
});
export type TargetRow = z.output<typeof TargetRowSchema> & { row: number };

export interface RowError {
  /** The spreadsheet row: 1 is the header. */
  row: number;
  /** A CSV column, or "file" for a problem with the file as a whole. */
  field: string;
  message: string;
}

export interface CsvValidation {
  rows: TargetRow[];
  errors: RowError[];
  /** Columns present but not used, so the preview can say they were left out. */
  ignoredColumns: string[];
}

/** The unique key of the targets table, (level, jurisdiction, state, office), compared case-insensitively within a file. */
export function targetKey(row: { level: TargetLevel | string; jurisdiction: string; state: string; office: string }): string {
  return [row.level, row.jurisdiction.toLowerCase(), row.state, row.office.toLowerCase()].join("\u0000");
}

/**
 * Checks a whole import before anything is written: the header, then every
 * row, with one message per bad row and field that says what to fix. Rows that
 * name the same office twice are an error on the later row.
 */
export function validateTargetCsv(csv: string): CsvValidation {
  const fail = (message: string, row = 1, field = "file"): CsvValidation => ({ rows: [], errors: [{ row, field, message }], ignoredColumns: [] });
  if (csv.trim() === "") return fail("The file is empty: upload a CSV with a header row and one official per row.");
  const parsed = parseCsv(csv, { maxRecords: MAX_TARGET_ROWS + 2 });
  if (!parsed.ok) return fail(parsed.message, parsed.row);
  const [header, ...records] = parsed.records;
  if (!header) return fail("The file is empty: upload a CSV with a header row and one official per row.");
  if (records.length > MAX_TARGET_ROWS) {
    return fail(`The file has more than ${MAX_TARGET_ROWS.toLocaleString("en-US")} officials: split it into smaller files.`);
  }
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const missing = TARGET_CSV_COLUMNS.filter((column) => !index.has(column));
  if (missing.length > 0) {
    return {
      rows: [],
      errors: missing.map((column) => ({
        row: header.row,
        field: column,
        message: `The header has no “${column}” column: the first row must be ${TARGET_CSV_COLUMNS.join(",")}`,
      })),
      ignoredColumns: [],
    };
  }
  const ignoredColumns = names.filter((name) => name !== "" && !(TARGET_CSV_COLUMNS as readonly string[]).includes(name));
  if (records.length === 0) return fail("The file has a header but no officials: add one official per row under it.", header.row + 1);

  const rows: TargetRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const values = Object.fromEntries(TARGET_CSV_COLUMNS.map((column) => [column, record.fields[index.get(column)!]]));
    const result = TargetRowSchema.safeParse(values);
    if (!result.success) {
      const reported = new Set<string>();
      for (const issue of result.error.issues) {
        const field = String(issue.path[0] ?? "row");
        if (reported.has(field)) continue;
        reported.add(field);
        errors.push({ row: record.row, field, message: issue.message });
      }
      continue;
    }
    const key = targetKey(result.data);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({
        row: record.row,
        field: "office",
        message: `Row ${earlier} already lists this office (same level, jurisdiction and state): keep one of the two rows`,
      });
      continue;
    }
    seen.set(key, record.row);
    rows.push({ ...result.data, row: record.row });
  }
  return { rows, errors, ignoredColumns };
}

/** Who an import belongs to: an organization id, or "platform" (admins only) for platform-wide officials. */
export const TargetImportSchema = z.object({
  owner: z
    .string({ error: "Choose the organization these officials belong to" })
    .regex(/^(platform|\d{1,9})$/, "Choose the organization these officials belong to")
    .transform((value) => (value === "platform" ? null : Number(value))),
  intent: z.enum(["preview", "import"], { error: "Send the form again" }),
});

/** The edit form of one official (level, jurisdiction and state are its identity and stay as imported). */
export const TargetEditSchema = z.object({
  name: text("official's name"),
  office: text("office, like Mayor or Sheriff"),
  email,
  zipCodes: z
    .string()
    .max(40_000, "List at most 2,000 ZIP codes")
    .optional()
    .pipe(zipCodes),
});
export type TargetEdit = z.output<typeof TargetEditSchema>;

export const TargetIntentSchema = z.enum(["save", "retire", "reinstate"], { error: "Send the form again" });

/** The list's filters, from the query string; anything unusable is ignored rather than refused. */
export const TargetFilterSchema = z.object({
  level: z.enum(TARGET_LEVELS).optional().catch(undefined),
  state: z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}$/))
    .optional()
    .catch(undefined),
  q: z
    .string()
    .transform((value) => value.trim().slice(0, 100))
    .optional()
    .catch(undefined),
  status: z.enum(["active", "retired", "all"]).catch("active"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type TargetFilter = z.output<typeof TargetFilterSchema>;
