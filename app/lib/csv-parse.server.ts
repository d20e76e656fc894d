import { badRequest } from "~/lib/http.server";

/** One record of a CSV file and where it is: `row` counts records from 1 (the header), as a spreadsheet numbers its rows. */
export interface CsvRecord {
  row: number;
  fields: string[];
}

export type CsvParseResult = { ok: true; records: CsvRecord[] } | { ok: false; row: number; message: string };

/**
 * An RFC 4180 CSV parser: comma-separated fields, records ended by CRLF or LF
 * (a lone CR too), fields in double quotes may hold commas, line breaks and
 * doubled quotes (""). A leading UTF-8 byte order mark is dropped, and so are
 * empty records. A quote inside an unquoted field, text after a closing quote
 * or an unclosed quote is an error naming the row, not a guess.
 * `maxRecords` stops early (the caller reports "too many rows").
 */
export function parseCsv(input: string, options: { maxRecords?: number } = {}): CsvParseResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const max = options.maxRecords ?? Infinity;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let row = 1;
  let i = 0;
  const n = text.length;

  const endRecord = () => {
    fields.push(field);
    // A blank line (or one of empty cells, as spreadsheets export) is no record, but it is a row.
    if (fields.some((value) => value !== "")) records.push({ row, fields });
    row += 1;
    fields = [];
    field = "";
  };

  while (i < n) {
    if (records.length >= max) return { ok: true, records };
    const char = text[i];
    if (char === '"' && field === "") {
      // A quoted field: read to the closing quote; "" is one quote.
      i += 1;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i += 1;
          break;
        }
        field += c;
        i += 1;
      }
      if (!closed) return { ok: false, row, message: "A quoted field is never closed: add the closing double quote (\")." };
      const next = text[i];
      if (i < n && next !== "," && next !== "\r" && next !== "\n") {
        return { ok: false, row, message: "There is text after a closing double quote: put the whole field inside the quotes." };
      }
      continue;
    }
    if (char === ",") {
      fields.push(field);
      field = "";
      i += 1;
      continue;
    }
    if (char === "\r" || char === "\n") {
      i += char === "\r" && text[i + 1] === "\n" ? 2 : 1;
      endRecord();
      continue;
    }
    if (char === '"') {
      return { ok: false, row, message: 'A double quote (") appears inside an unquoted field: quote the whole field and double the quote ("").' };
    }
    field += char;
    i += 1;
  }
  if (field !== "" || fields.length > 0) endRecord();
  return { ok: true, records: records.slice(0, max) };
}

/** The largest CSV accepted, in bytes (UTF-8). */
export const MAX_CSV_BYTES = 2 * 1024 * 1024;
/** Room for the form's other fields and multipart framing around the CSV. */
const MAX_UPLOAD_BYTES = MAX_CSV_BYTES + 64 * 1024;

/**
 * Reads a form that may carry a CSV file (multipart) or a pasted CSV: the
 * app's readForm caps forms at 64 KB, this at 2 MB plus room for the rest.
 * A body that says it is bigger, or turns out to be, is a 413 before it is
 * parsed; a cross-site post never gets here (http.server.ts answers 403).
 */
export async function readCsvForm(request: Request): Promise<FormData> {
  const length = Number(request.headers.get("Content-Length") ?? "0");
  if (length > MAX_UPLOAD_BYTES) throw badRequest(413, "errors.badRequest");
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) throw badRequest(415, "errors.badRequest");
  // Without a Content-Length (chunked), count the bytes as they come and stop at the cap.
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readCapped(request, MAX_UPLOAD_BYTES);
  } catch (error) {
    if (error instanceof TooLarge) throw badRequest(413, "errors.badRequest");
    throw badRequest(400, "errors.badRequest");
  }
  try {
    return await new Request(request.url, { method: "POST", headers: { "Content-Type": type }, body }).formData();
  } catch {
    throw badRequest(400, "errors.badRequest");
  }
}

class TooLarge extends Error {}

async function readCapped(request: Request, cap: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
