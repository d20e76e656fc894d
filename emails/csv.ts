/** Byte-order mark: without it Excel reads UTF-8 CSV as the local code page and mangles accents. */
export const CSV_BOM = "\uFEFF";

export type CsvValue = string | number | boolean | Date | null | undefined;

// Spreadsheets evaluate a cell starting with one of these as a formula (CSV injection).
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula is
 * prefixed with `'`; fields containing a comma, quote or line break are quoted.
 * Dates are written as ISO 8601 in UTC; null and undefined as an empty field.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (value instanceof Date) {
    text = value.toISOString();
  } else if (typeof value === "string") {
    text = FORMULA_TRIGGER.test(value) ? `'${value}` : value;
  } else {
    // Numbers and booleans are not neutralized: a negative count is data, not a formula.
    text = String(value);
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, terminated by CRLF as RFC 4180 asks, ready to concatenate or stream. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
