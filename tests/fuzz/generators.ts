import { readdirSync } from "node:fs";
import fc from "fast-check";
import {
  decodedValue,
  KNOWN_ISSUES,
  multipartBody,
  rawRequest,
  text,
  urlencodedBody,
  valueBytes,
  type FetchRequest,
  type Field,
  type HttpRequest,
  type MultipartBreak,
  type Value,
} from "../support/fuzz";

/**
 * What the fuzz suite sends. Every generator here makes a request that must
 * not change anything (see "why nothing is written" on each), so the suite can
 * demand that the signature, outbox and token tables stay as they were.
 */

export interface AppInfo {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, as the Host header names it. */
  host: string;
  openSlug: string;
  closedSlug: string;
  /** Every petition slug in the database, which a "garbage" slug must not hit. */
  slugs: ReadonlySet<string>;
  /** A campaign people can follow, and one archived (following it is a 404). */
  campaignSlug: string;
  archivedCampaignSlug: string;
  /** Every campaign slug in the database, which a "garbage" slug must not hit. */
  campaignSlugs: ReadonlySet<string>;
}

// ─── Nasty values ───────────────────────────────────────────────────────────────

/** CR/LF (and look-alike) header injections, raw and percent-encoded as text. */
export const HEADER_INJECTIONS = [
  "x\r\nBcc: victim@example.com",
  "x\nBcc: victim@example.com",
  "x\rBcc: victim@example.com",
  "x\r\nSubject: injected\r\nX-Injected: 1",
  "x\r\n\r\n<html>injected body",
  "x\r\n\tBcc: victim@example.com",
  "%0d%0aSubject: injected",
  "%0D%0ABcc:%20victim@example.com",
  "x\u2028Bcc: victim@example.com",
  "x\u0085Bcc: victim@example.com",
  "=?utf-8?Q?x=0D=0ABcc:_victim@example.com?=",
];

/** Invalid UTF-8, one char per byte: a broken pair, stray bytes, overlongs, encoded surrogates, past U+10FFFF, cut short. */
export const INVALID_UTF8 = ["\xC3\x28", "\xFF", "\xFE\xFF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80", "\xC3", "\xE2\x82", "\x80", "\xF8\x88\x80\x80\x80"];

/** Percent-encoding that is malformed or decodes to something bad (no "+" in any: it would mean a space). */
export const MALFORMED_ESCAPES = ["%", "%Z", "%ZZ", "%E0%A4%A", "%C3%28", "%FF", "%%", "%0", "%u0041", "%ED%A0%80", "%00", "%0d%0aBcc:%20victim@example.com", "%0D%0ASubject:%20injected"];

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const alnum = (minLength = 1, maxLength = 8) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength, maxLength });
const ascii = (maxLength = 6) => fc.string({ unit: "grapheme-ascii", maxLength });
/** One lone surrogate (two in a row could make a valid pair). */
const loneSurrogates = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Anything at all: injections, NULs, invalid UTF-8, malformed escapes, any code point, lone surrogates, random bytes. */
export const nastyValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(...HEADER_INJECTIONS, "\u0000", "a\u0000b", "\u0000\u0000\u0000\u0000", "%00").map(text),
  fc.tuple(ascii(), fc.constantFrom(...INVALID_UTF8), ascii()).map(([a, bad, b]): Value => ({ bytes: a + bad + b })),
  fc.tuple(alnum(0, 4), fc.constantFrom(...MALFORMED_ESCAPES), alnum(0, 4)).map(([a, bad, b]): Value => ({ verbatim: a + bad + b })),
  fc.string({ unit: "binary", maxLength: 40 }).map(text),
  fc.string({ unit: "grapheme", maxLength: 40 }).map(text),
  loneSurrogates.map(text),
  fc.uint8Array({ maxLength: 40 }).map((bytes): Value => ({ bytes: Buffer.from(bytes).toString("latin1") })),
);

/** Names a signature form never reads (nor the honeypot): they must change nothing. */
const JUNK_NAMES = ["__proto__", "constructor", "toString", "email[]", "email ", "EMAIL", "first_name", "", "=", "&", "%", "utm_source", "source", "utm_campaign", "lang", "_data", "_action", "intent", "locale", "returnTo", "x".repeat(300)];
const junkFields = fc.array(fc.tuple(fc.constantFrom(...JUNK_NAMES), nastyValue), { maxLength: 4 });

// ─── Signature forms ────────────────────────────────────────────────────────────

/** Names that are valid once the schema folds whitespace: CR/LF injections included. */
export const VALID_INJECTED_NAMES = [
  "x\r\nBcc: victim@example.com",
  "x\nBcc: victim@example.com",
  "Ana\r\nSubject: injected\r\nX-Injected: 1",
  "x\r\n\r\n<html>injected body",
  "%0d%0aSubject: injected",
  "%0D%0ABcc:%20victim@example.com",
  "x\u2028Bcc: victim@example.com",
  "=?utf-8?Q?x=0D=0ABcc:_victim@example.com?=",
];
const validName = fc.constantFrom("Ana", "José", "Nguyễn", "O'Brien", "Anne-Marie", "李", ...VALID_INJECTED_NAMES);
const validZip = fc.constantFrom("94110", "10001", "60601", "941101234", "94110-1234");
const validComment = fc.option(fc.constantFrom("Protect our neighbors", "Línea 1\r\nLínea 2", ...HEADER_INJECTIONS), { nil: undefined });

/** A signature the app would accept (the envelope or one field makes each generated request fail). */
export const validSignature: fc.Arbitrary<Field[]> = fc
  .record({
    firstName: validName,
    lastName: validName,
    local: alnum(4, 12),
    postalCode: validZip,
    comment: validComment,
    optIn: fc.option(fc.constantFrom("on", "true", "1", "yes", ""), { nil: undefined }),
  })
  .map(({ firstName, lastName, local, postalCode, comment, optIn }) => {
    const fields: Field[] = [
      ["firstName", text(firstName)],
      ["lastName", text(lastName)],
      ["email", text(`fuzz.${local}@example.com`)],
      ["postalCode", text(postalCode)],
    ];
    if (comment !== undefined) fields.push(["comment", text(comment)]);
    if (optIn !== undefined) fields.push(["optIn", text(optIn)]);
    return fields;
  });

const surround = (middle: fc.Arbitrary<string>) => fc.tuple(alnum(), middle, alnum()).map(([a, m, b]) => a + m + b);
/** Around an escape, a suffix that cannot complete it ("%E0%A4%A" + "a" would be the valid "%E0%A4%Aa"). */
const surroundEscape = (middle: fc.Arbitrary<string>) =>
  fc.tuple(alnum(), middle, fc.string({ unit: fc.constantFrom(..."ghijklmnopqrstuvwxyz"), minLength: 1, maxLength: 8 })).map(([a, m, b]): Value => ({ verbatim: a + m + b }));

/** Control characters the name schema refuses (not those it folds into a space, like CR, LF, TAB, U+2028). */
const NAME_CONTROLS = ["\u0000", "\u0001", "\u0007", "\u0008", "\u000e", "\u001b", "\u001f", "\u007f", "\u0085", "\u0090", "\u009f", "\u202a", "\u202e", "\u2066", "\u2069"];
/** Control characters the comment schema refuses (it allows TAB, CR and LF). */
const COMMENT_CONTROLS = ["\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u000e", "\u001b", "\u001f", "\u007f"];
const invalidUtf8In = fc.tuple(alnum(), fc.constantFrom(...INVALID_UTF8), alnum()).map(([a, bad, b]): Value => ({ bytes: a + bad + b }));

const badName: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom("", "   ", "\t\r\n").map(text),
  surround(fc.constantFrom(...NAME_CONTROLS)).map(text),
  fc.record({ repeat: fc.constantFrom("a", "é", "名"), times: fc.integer({ min: 101, max: 5_000 }) }),
  invalidUtf8In,
  surroundEscape(fc.constantFrom("%C3%28", "%FF", "%ED%A0%80", "%E0%A4%A", "%00", "%1B", "%7F", "%C2%85", "%E2%80%AE")),
  surround(loneSurrogates).map(text),
);

/** Characters zod's email pattern refuses in an address. */
const EMAIL_BAD = ["\r\n", "\n", "\r", "\u0000", " ", "\t", "<", ">", '"', ",", ";", ":", "\\", "(", ")", "[", "]", "%0d%0a", "\uFFFD", "é", "\r\nBcc: victim@example.com\r\n"];
const badEmail: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom("", "a", "a@", "@example.com", "a@@example.com", "a@b@example.com", "a@example", "a@example.c", "a@example.com.", ".a@example.com", "a..b@example.com", "a@-example.com").map(text),
  alnum(1, 30).map(text),
  fc.tuple(alnum(), fc.constantFrom(...EMAIL_BAD), alnum()).map(([a, bad, b]) => text(`${a}${bad}${b}@example.com`)),
  fc.constantFrom(...HEADER_INJECTIONS).map((injection) => text(`a@example.com${injection}`)),
  fc.integer({ min: 243, max: 2_000 }).map((n) => text(`${"a".repeat(n)}@example.com`)),
  fc.tuple(alnum(), fc.constantFrom(...INVALID_UTF8), alnum()).map(([a, bad, b]): Value => ({ bytes: `${a}${bad}${b}@example.com` })),
  fc.tuple(alnum(), fc.constantFrom("%0d%0aBcc:%20victim@example.com", "%00", "%FF", "%E0%A4%A", "%C3%28")).map(([a, bad]): Value => ({ verbatim: `${a}${bad}@example.com` })),
);

const badZip: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 40).chain((n) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n })).map(text),
  fc.constantFrom("x", "\u0000", "-", "-12", "-12345", "a", "\r\nBcc: victim@example.com").map((suffix) => text(`94110${suffix}`)),
  fc.constantFrom("x", "\u0000", "+", "-").map((prefix) => text(`${prefix}94110`)),
  fc.constantFrom("", "９４１１０", "٩٤١١٠", "9411O", "94 110", "94110-", "94110--1234").map(text),
  fc.constantFrom(...INVALID_UTF8).map((bad): Value => ({ bytes: `941${bad}10` })),
  fc.constantFrom("94110%00", "%FF94110", "941%E0%A4%A10").map((v): Value => ({ verbatim: v })),
);

const badComment: fc.Arbitrary<Value> = fc.oneof(
  surround(fc.constantFrom(...COMMENT_CONTROLS)).map(text),
  fc.record({ repeat: fc.constantFrom("a", "ñ", "\r\n"), times: fc.integer({ min: 1_001, max: 20_000 }) }).map((v): Value =>
    v.repeat === "\r\n" ? { repeat: "ab\r\n", times: v.times } : v,
  ),
  invalidUtf8In,
  surroundEscape(fc.constantFrom("%00", "%07", "%1B", "%7F", "%C3%28", "%FF")),
);

const CHECKBOX_ACCEPTED = ["on", "true", "1", "yes", ""];
const badCheckbox: fc.Arbitrary<Value> = fc
  .oneof(fc.constantFrom("On", "ON", "on ", " on", "2", "0", "false", "no", "off", "checked", "yes\r\n", "true\u0000").map(text), nastyValue)
  .filter((value) => !CHECKBOX_ACCEPTED.includes(decodedValue(value)));

type RequiredField = "firstName" | "lastName" | "email" | "postalCode";

/** The one field that makes a signature invalid. Why nothing is written: the schema refuses it (or the honeypot drops the form). */
export type BadField = { field: string; value: Value } | { missing: RequiredField };

export const badSignatureField: fc.Arbitrary<BadField> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ field: fc.constantFrom("firstName", "lastName"), value: badName }) },
  { weight: 3, arbitrary: fc.record({ field: fc.constant("email"), value: badEmail }) },
  { weight: 2, arbitrary: fc.record({ field: fc.constant("postalCode"), value: badZip }) },
  { weight: 2, arbitrary: fc.record({ field: fc.constant("comment"), value: badComment }) },
  { weight: 1, arbitrary: fc.record({ field: fc.constantFrom("optIn", "anonymous"), value: badCheckbox }) },
  { weight: 1, arbitrary: fc.record({ field: fc.constant("website"), value: nastyValue.filter((v) => valueBytes(v).length > 0) }) },
  { weight: 1, arbitrary: fc.record({ missing: fc.constantFrom<RequiredField>("firstName", "lastName", "email", "postalCode") }) },
);

/**
 * A signature with exactly one bad field, plus duplicated fields (after the bad
 * one, so FormData.get still reads it first) and junk fields.
 */
export const signatureWithBadField: fc.Arbitrary<{ bad: BadField; fields: Field[] }> = fc
  .record({
    base: validSignature,
    bad: badSignatureField,
    duplicates: fc.array(fc.tuple(fc.constantFrom("firstName", "lastName", "email", "postalCode", "comment", "optIn"), fc.oneof(nastyValue, validName.map(text))), { maxLength: 3 }),
    junk: junkFields,
  })
  .map(({ base, bad, duplicates, junk }) => withBadField(base, bad, duplicates, junk));

/** `base` with `bad` put in (or its field left out), then the duplicates (read second, so FormData.get still sees the bad one) and junk. */
function withBadField(base: Field[], bad: BadField, duplicates: Field[], junk: Field[]): { bad: BadField; fields: Field[] } {
  const missing = "missing" in bad ? bad.missing : null;
  let fields = base.filter(([name]) => name !== missing);
  if (!("missing" in bad)) {
    const at = fields.findIndex(([name]) => name === bad.field);
    if (at >= 0) fields[at] = [bad.field, bad.value];
    else fields.push([bad.field, bad.value]);
  }
  fields = [...fields, ...duplicates.filter(([name]) => name !== missing), ...junk];
  return { bad, fields };
}

// ─── Follow forms ───────────────────────────────────────────────────────────────

/** A follow the app would accept: an address, and a first name and ZIP code that may be left out. */
export const validFollow: fc.Arbitrary<Field[]> = fc
  .record({
    firstName: fc.option(validName, { nil: undefined }),
    local: alnum(4, 12),
    postalCode: fc.option(validZip, { nil: undefined }),
  })
  .map(({ firstName, local, postalCode }) => {
    const fields: Field[] = [["email", text(`fuzz.${local}@example.com`)]];
    if (firstName !== undefined) fields.push(["firstName", text(firstName)]);
    if (postalCode !== undefined) fields.push(["postalCode", text(postalCode)]);
    return fields;
  });

/** The follow form's name and ZIP code may be empty: a blank one is "not given", not a bad one. */
const notBlank = (value: Value) => decodedValue(value).trim() !== "";

/** The one field that makes a follow invalid. Why nothing is written: the schema refuses it (or the honeypot drops the form). */
export const badFollowField: fc.Arbitrary<BadField> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ field: fc.constant("email"), value: badEmail }) },
  { weight: 2, arbitrary: fc.record({ field: fc.constant("firstName"), value: badName.filter(notBlank) }) },
  { weight: 2, arbitrary: fc.record({ field: fc.constant("postalCode"), value: badZip.filter(notBlank) }) },
  { weight: 1, arbitrary: fc.record({ field: fc.constant("website"), value: nastyValue.filter((v) => valueBytes(v).length > 0) }) },
  { weight: 1, arbitrary: fc.record({ missing: fc.constant<RequiredField>("email") }) },
);

export const followWithBadField: fc.Arbitrary<{ bad: BadField; fields: Field[] }> = fc
  .record({
    base: validFollow,
    bad: badFollowField,
    duplicates: fc.array(fc.tuple(fc.constantFrom("email", "firstName", "postalCode"), fc.oneof(nastyValue, validName.map(text))), { maxLength: 3 }),
    junk: junkFields,
  })
  .map(({ base, bad, duplicates, junk }) => withBadField(base, bad, duplicates, junk));

// ─── Envelopes: path, Origin, content type, encoding ────────────────────────────

export type OriginMode = "same" | "none" | { foreign: string };

/** A form POST, described so that a failure message reads well; formRequest() turns it into bytes. */
export interface FormPost {
  method?: string;
  path: string;
  origin: OriginMode;
  secFetchSite?: string;
  encoding: "urlencoded" | "multipart";
  /** Replaces the encoding's Content-Type; null sends none. */
  contentType?: string | null;
  fields: Field[];
  broken?: MultipartBreak;
  chunked?: boolean;
  headers?: Record<string, string>;
}

export function formBody(post: Pick<FormPost, "encoding" | "fields" | "broken">): { contentType: string; body: Buffer } {
  if (post.encoding === "multipart") return multipartBody(post.fields, post.broken);
  return { contentType: "application/x-www-form-urlencoded", body: urlencodedBody(post.fields) };
}

export function formRequest(post: FormPost, app: AppInfo): FetchRequest {
  const { contentType, body } = formBody(post);
  const headers: Record<string, string> = { ...post.headers };
  if (post.origin === "same") headers.Origin = app.url;
  else if (post.origin !== "none") headers.Origin = post.origin.foreign;
  if (post.secFetchSite !== undefined) headers["Sec-Fetch-Site"] = post.secFetchSite;
  const type = post.contentType === undefined ? contentType : post.contentType;
  if (type !== null) headers["Content-Type"] = type;
  return { via: "fetch", method: post.method ?? "POST", path: post.path, headers, body, chunked: post.chunked };
}

/** Origins of other sites. Why nothing is written: the cross-site check answers 403 (any with the app's own host is dropped). */
export const FOREIGN_ORIGINS = [
  "https://evil.example",
  "null",
  "http://127.0.0.1",
  "http://127.0.0.1:1",
  "http://127.0.0.2",
  "http://localhost",
  "http://[::1]",
  "file://",
  "http://127.0.0.1.evil.example",
  "garbage",
  "HTTP://EVIL.EXAMPLE",
  "http://user:pass@evil.example",
  "javascript:alert(1)",
  "data:,x",
  "http://%zz",
  "chrome-extension://abcdefghijklmnop",
];

export function foreignOrigin(app: AppInfo): fc.Arbitrary<OriginMode> {
  return fc
    .oneof(fc.constantFrom(...FOREIGN_ORIGINS), fc.webUrl().map((url) => new URL(url).origin))
    .filter((origin) => {
      try {
        return new URL(origin).host !== app.host;
      } catch {
        return true;
      }
    })
    .map((origin) => ({ foreign: origin }));
}

/** A same-site (or non-browser) request: the cross-site check lets it through to the route. */
const sameSite = fc.record({
  origin: fc.constantFrom<OriginMode>("same", "none"),
  secFetchSite: fc.option(fc.constantFrom("same-origin", "same-site", "none", "", "garbage"), { nil: undefined }),
});

/** Content types that carry no form. Why nothing is written: readForm answers 415, or 400 for multipart without a usable boundary. */
export const WRONG_CONTENT_TYPES = [
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/json",
  "application/xml",
  "application/octet-stream",
  "text/html",
  "multipart/mixed; boundary=x",
  "multipart/alternative",
  "application/x-www-form-urlencode",
  "application/www-form-urlencoded",
  "x-www-form-urlencoded",
  "form-data",
  "multipart/form",
  "*/*",
  "application/*",
  "garbage",
  ";",
  "multipart/form-data",
  "multipart/form-data; boundary=xyz",
  "multipart/form-data; boundary=",
];

/** Odd but form-looking content types for a body whose fields are bad anyway. */
const ODD_FORM_TYPES = [
  "application/x-www-form-urlencoded;charset=UTF-8",
  "APPLICATION/X-WWW-FORM-URLENCODED",
  "application/x-www-form-urlencoded; charset=iso-8859-1",
  "application/x-www-form-urlencoded; charset=utf-16",
  "application/x-www-form-urlencoded-foo",
  "application/x-www-form-urlencoded, text/plain",
  "application/x-www-form-urlencoded; boundary=x",
];

const multipartBreak: fc.Arbitrary<MultipartBreak> = fc.oneof(
  fc.constantFrom<MultipartBreak>(
    { kind: "boundary-mismatch" },
    { kind: "no-boundary-param" },
    { kind: "no-closing-delimiter" },
    { kind: "no-content-disposition" },
    { kind: "no-name" },
    { kind: "lf-line-endings" },
    { kind: "file-part" },
    { kind: "nested-multipart" },
  ),
  fc.record({ kind: fc.constant("boundary-param" as const), value: fc.constantFrom("", '""', '"unterminated', "a b", "x".repeat(71), "x".repeat(5000), "é", "\tb", "b; boundary=c") }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat({ max: 600 }) }),
  fc.record({ kind: fc.constant("huge-part-header" as const), size: fc.integer({ min: 8_000, max: 60_000 }) }),
  fc.record({
    kind: fc.constant("part-header" as const),
    line: fc.constantFrom(
      "Content-Type: text/plain; charset=iso-8859-1",
      "Content-Transfer-Encoding: base64",
      "Content-Disposition: form-data; name=\"email\"",
      "X-Broken",
      ": no name",
      "Bcc: victim@example.com",
      "Content-Type: multipart/mixed; boundary=inner",
    ),
  }),
  fc.record({ kind: fc.constant("garbage-after-boundary" as const), bytes: fc.constantFrom("--", "\xFF\xFE", " junk", "\u0000", "\r\n\r\n\r\n") }),
);

/** Query strings on a POST (the action must ignore or refuse them). `_data` makes Remix log: see KNOWN_ISSUES.remixLogs4xx. */
const QUERIES = [
  "",
  "?lang=es",
  "?lang=%FF",
  "?lang=%E0%A4%A",
  "?index",
  "?_routes=routes%2Fpetitions.%24slug",
  "?_routes=%E0%A4%A",
  "?source=%0d%0aBcc:x",
  "?utm_source=%00",
  `?${"a=1&".repeat(200)}`,
  "?_data=routes%2Fpetitions.%24slug",
  "?_data=%E0%A4%A",
];
const query = fc.constantFrom(...QUERIES);

const extraHeaders = fc
  .record(
    {
      "Accept-Language": fc.constantFrom("*", "es-MX,es;q=0.9", ";q=,,", "xx;q=NaN", "es;q=-1", "es;q=1e999", "a".repeat(2_000)),
      Cookie: fc.constantFrom("lang=es", "lang=%FF", "lang=%E0%A4%A", 'lang="es', "lang=es; lang=en", "=;;=", `lang=${"x".repeat(3_000)}`),
      "User-Agent": fc.constantFrom("Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0", "", "Mozilla/5.0"),
      Accept: fc.constantFrom("application/json", "text/x-script", "*/*;q=garbage"),
    },
    { requiredKeys: [] },
  )
  .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>);

/** A path segment that names nothing: malformed escapes, NULs, overlong, numeric-looking, any code point. */
export const garbageSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("%E0%A4%A", "%", "%ZZ", "%00", "%00abc", "%FF", "%C3%28", "%ED%A0%80", "%2e%2e", "%2F", "a%2Fb", "%5C", "%0d%0aBcc:%20x", "%u0041", ".", "..."),
  fc.constantFrom("0", "-1", "1e309", "0x1F", "NaN", "Infinity", "1.5", "9".repeat(30), "2147483648", "9007199254740993", "00001", "+1", " 1"),
  fc.integer({ min: 101, max: 6_000 }).map((n) => "a".repeat(n)),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: fc.constantFrom(...ALNUM, "-", "_"), minLength: 10, maxLength: 110 }),
);

function decodesTo(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

// ─── Endpoints ──────────────────────────────────────────────────────────────────

export type FormCase =
  | { why: "bad field"; bad: BadField; post: FormPost }
  | { why: "foreign origin" | "cross-site fetch" | "wrong content type" | "closed target" | "unknown target" | "broken multipart"; post: FormPost }
  | { why: "oversized body"; post: FormPost };

/** A public form that creates something (a signature, a follow), as formCases() fuzzes it. */
interface PublicForm {
  /** The form's path for a slug ("/petitions/x"). */
  path: (slug: string) => string;
  openSlug: string;
  /** A slug that exists but takes no submissions (a closed petition, an archived campaign). */
  closedSlug: string;
  /** Every slug that exists, which an "unknown" one must not hit. */
  knownSlugs: ReadonlySet<string>;
  /** A submission the app would accept: only its envelope makes a generated request fail. */
  valid: fc.Arbitrary<Field[]>;
  withBadField: fc.Arbitrary<{ bad: BadField; fields: Field[] }>;
  /** Fields that get a value over 64 KB in "oversized body" cases. */
  bigNames: string[];
}

/**
 * POSTs to a public form (and its single-fetch twin path.data), each invalid in one way: a
 * bad field, another site's Origin, a wrong content type, a closed or unknown target, a broken
 * multipart body, or a body over 64 KB. Why nothing is written: the schema, the cross-site
 * check, readForm or the route refuses each before anything is stored.
 */
function formCases(app: AppInfo, form: PublicForm): fc.Arbitrary<FormCase> {
  const path = (slug: fc.Arbitrary<string>) => fc.tuple(slug, fc.boolean(), query).map(([s, data, q]) => `${form.path(s)}${data ? ".data" : ""}${q}`);
  const openPath = path(fc.constant(form.openSlug));
  const encoding = fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart");
  const unknownSlug = garbageSegment.filter((segment) => !form.knownSlugs.has(decodesTo(segment) ?? ""));
  const chunked = fc.boolean();
  const valid = form.valid;

  const badField = fc
    .record({ submission: form.withBadField, path: openPath, site: sameSite, encoding, odd: fc.option(fc.constantFrom(...ODD_FORM_TYPES), { nil: undefined, freq: 4 }), headers: extraHeaders, chunked })
    .map(({ submission, path, site, encoding, odd, headers, chunked }): FormCase => ({
      why: "bad field",
      bad: submission.bad,
      post: { path, ...site, encoding, contentType: encoding === "urlencoded" ? odd : undefined, fields: submission.fields, headers, chunked },
    }));
  const envelope = <W extends FormCase["why"]>(why: W, post: fc.Arbitrary<FormPost>) => post.map((p) => ({ why, post: p }) as FormCase);
  return fc.oneof(
    { weight: 50, arbitrary: badField },
    {
      weight: 8,
      arbitrary: envelope("foreign origin", fc.record({ path: openPath, origin: foreignOrigin(app), encoding, fields: valid, chunked })),
    },
    {
      weight: 3,
      arbitrary: envelope(
        "cross-site fetch",
        fc.record({ path: openPath, origin: fc.constant<OriginMode>("none"), secFetchSite: fc.constant("cross-site"), encoding, fields: valid }),
      ),
    },
    {
      weight: 10,
      arbitrary: envelope(
        "wrong content type",
        fc.record({
          path: openPath,
          origin: fc.constantFrom<OriginMode>("same", "none"),
          encoding: fc.constant<"urlencoded">("urlencoded"),
          contentType: fc.option(fc.constantFrom(...WRONG_CONTENT_TYPES), { nil: null, freq: 8 }),
          fields: valid,
          chunked,
        }),
      ),
    },
    {
      weight: 4,
      arbitrary: envelope("closed target", fc.record({ path: path(fc.constant(form.closedSlug)), origin: fc.constantFrom<OriginMode>("same", "none"), encoding, fields: valid })),
    },
    {
      weight: 8,
      arbitrary: envelope("unknown target", fc.record({ path: path(unknownSlug), origin: fc.constantFrom<OriginMode>("same", "none"), encoding, fields: valid, chunked })),
    },
    {
      weight: 12,
      arbitrary: fc
        .record({ submission: form.withBadField, path: openPath, site: sameSite, broken: multipartBreak, chunked })
        .map(({ submission, path, site, broken, chunked }): FormCase => ({
          why: "broken multipart",
          post: { path, ...site, encoding: "multipart", fields: submission.fields, broken, chunked },
        })),
    },
    {
      weight: 5,
      arbitrary: fc
        .record({
          // No query: with one, Remix may refuse the request before the action reads the body (?_data=…: 403).
          path: fc.boolean().map((data) => `${form.path(form.openSlug)}${data ? ".data" : ""}`),
          origin: fc.constantFrom<OriginMode>("same", "none"),
          encoding,
          fields: valid,
          big: fc.record({
            name: fc.constantFrom(...form.bigNames),
            size: fc.integer({ min: 64 * 1024 + 1, max: 1024 * 1024 }),
          }),
          chunked,
        })
        .map(({ path, origin, encoding, fields, big, chunked }): FormCase => ({
          why: "oversized body",
          // The big field goes last: the fields before it make a valid submission, so only the size check stands between it and a row.
          post: { path, origin, encoding, fields: [...fields, [big.name, { repeat: "a", times: big.size }]], chunked },
        })),
    },
  );
}

/** POST /petitions/:slug (and /petitions/:slug.data), each request invalid in one way (see formCases). */
export function signCases(app: AppInfo): fc.Arbitrary<FormCase> {
  return formCases(app, {
    path: (slug) => `/petitions/${slug}`,
    openSlug: app.openSlug,
    closedSlug: app.closedSlug,
    knownSlugs: app.slugs,
    valid: validSignature,
    withBadField: signatureWithBadField,
    bigNames: ["padding", "comment", "firstName", "email", "website", "__proto__"],
  });
}

/** POST /campaigns/:slug, the follow form (and /campaigns/:slug.data), each request invalid in one way (see formCases). */
export function followCases(app: AppInfo): fc.Arbitrary<FormCase> {
  return formCases(app, {
    path: (slug) => `/campaigns/${slug}`,
    openSlug: app.campaignSlug,
    closedSlug: app.archivedCampaignSlug,
    knownSlugs: app.campaignSlugs,
    valid: validFollow,
    withBadField: followWithBadField,
    bigNames: ["padding", "firstName", "email", "postalCode", "website", "__proto__"],
  });
}

/**
 * A POST to `path` with these fields, wrapped in any envelope: same-site or no
 * Origin mostly, sometimes a foreign one; the right content type or a wrong or
 * odd one; urlencoded or multipart, sometimes broken; junk headers; chunked or
 * not. "mostly broken" (a wrong or odd content type in 3 of 4, a broken multipart
 * body in 2 of 3) tries the envelope hard; "mostly sound" (1 in 6 and 1 in 5) is for
 * forms whose fields are the point, so that most requests reach the route's own checks.
 */
function formPosts(
  app: AppInfo,
  path: fc.Arbitrary<string>,
  fields: fc.Arbitrary<Field[]>,
  headers: fc.Arbitrary<Record<string, string>> = extraHeaders,
  envelopes: "mostly broken" | "mostly sound" = "mostly broken",
): fc.Arbitrary<FormPost> {
  const broken = envelopes === "mostly broken";
  /** `arbitrary` one time in `every / times`, undefined otherwise. */
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>, times: number, every: number) =>
    fc.oneof({ weight: every - times, arbitrary: fc.constant(undefined) }, { weight: times, arbitrary });
  return fc.record({
    path,
    origin: fc.oneof({ weight: broken ? 4 : 8, arbitrary: fc.constantFrom<OriginMode>("same", "none") }, { weight: 1, arbitrary: foreignOrigin(app) }),
    encoding: fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart"),
    contentType: broken ? sometimes(fc.constantFrom(...WRONG_CONTENT_TYPES, ...ODD_FORM_TYPES), 3, 4) : sometimes(fc.constantFrom(...WRONG_CONTENT_TYPES, ...ODD_FORM_TYPES), 1, 6),
    fields,
    broken: broken ? sometimes(multipartBreak, 2, 3) : sometimes(multipartBreak, 1, 5),
    headers,
    chunked: fc.boolean(),
  });
}

/** `name` once or twice (the first is what the route reads), or not at all, plus junk fields. */
function someFields(values: Record<string, fc.Arbitrary<Value>>): fc.Arbitrary<Field[]> {
  const names = Object.keys(values);
  return fc
    .record({
      first: fc.record(Object.fromEntries(names.map((name) => [name, fc.option(values[name], { nil: undefined, freq: 6 })]))),
      again: fc.array(fc.constantFrom(...names).chain((name) => values[name].map((value): Field => [name, value])), { maxLength: 2 }),
      junk: junkFields.map((junk) => junk.filter(([name]) => !names.includes(name))),
    })
    .map(({ first, again, junk }) => {
      const fields = Object.entries(first).flatMap(([name, value]): Field[] => (value ? [[name, value as Value]] : []));
      return [...fields, ...again.filter(([name]) => fields.some(([n]) => n === name)), ...junk];
    });
}

/** A token-shaped or garbage path segment: 43 URL-safe characters (the size of real ones), edge lengths, or garbage. */
const tokenSegment = fc.oneof(
  fc.string({ unit: fc.constantFrom(...ALNUM, ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ", "-", "_"), minLength: 43, maxLength: 43 }),
  fc.constantFrom(19, 20, 100, 101).chain((n) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: n, maxLength: n })),
  garbageSegment,
);

/** POST /confirm/:token (confirm, and intent=resend). Why nothing is written: no token in the database matches any of these. */
export function confirmCases(app: AppInfo): fc.Arbitrary<FormPost> {
  const intent = fc.oneof(
    fc.constantFrom("resend", "RESEND", "resend ", "confirm", "").map(text),
    fc.constantFrom(...HEADER_INJECTIONS).map((injection) => text(`resend${injection}`)),
    nastyValue,
  );
  const path = fc.tuple(tokenSegment, fc.boolean(), query).map(([t, data, q]) => `/confirm/${t}${data ? ".data" : ""}${q}`);
  return formPosts(app, path, someFields({ intent }));
}

/** Where the language switcher may send people: anything; the app must keep it on-site. */
const RETURN_TO = [
  "/",
  "/petitions/x",
  "//evil.example",
  "/\\evil.example",
  "\\/evil.example",
  "https://evil.example",
  "javascript:alert(1)",
  "/%2F%2Fevil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/?x=//evil.example",
  " //evil.example",
  "%2F%2Fevil.example",
  "/\u0000",
  "/\r\nX-Injected: 1",
  "/\t/evil.example",
  "/\u000b/evil.example",
  "/é",
  "/名",
  `/${"a".repeat(600)}`,
];

/** Whether a returnTo trips a reported, unfixed bug (KNOWN_ISSUES.localeReturnTo*), so it is not generated yet. */
export function knownBadReturnTo(value: string): boolean {
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (KNOWN_ISSUES.localeReturnToTab && ch === "\t") return true;
    if (KNOWN_ISSUES.localeReturnToControlChars && (code > 0xff || code === 0x7f || (code < 0x20 && ch !== "\t"))) return true;
  }
  return false;
}

/** POST /locale. Why nothing is written: the language switcher only sets a cookie. */
export function localeCases(app: AppInfo): fc.Arbitrary<FormPost> {
  const locale = fc.oneof(fc.constantFrom("en", "es", "EN", "fr", "", "es\u0000", "es\r\n", "es ").map(text), nastyValue);
  const returnTo = fc
    .oneof(fc.constantFrom(...RETURN_TO).map(text), nastyValue, nastyValue.map((v): Value => ("text" in v ? text(`/${v.text}`) : v)))
    .filter((v) => !knownBadReturnTo(decodedValue(v)));
  const path = fc.constantFrom("/locale", "/locale.data", "/locale?index", "/locale?lang=es", "/locale?_data=routes%2Flocale");
  return formPosts(app, path, someFields({ locale, returnTo }));
}

/** Junk headers plus a made-up client address (the app trusts X-Forwarded-For from loopback), so the sign-in limit does not block every attempt. */
const withClientIp = fc.tuple(extraHeaders, fc.ipV4()).map(([headers, ip]) => ({ ...headers, "X-Forwarded-For": ip }));

const password = fc.oneof(
  fc.constantFrom("correct horse battery staple", "", "short", "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000").map(text),
  fc.integer({ min: 201, max: 20_000 }).map((times): Value => ({ repeat: "p", times })),
  nastyValue,
);

/**
 * POST /admin/login. Why nothing is written: no organizer account has any of
 * these addresses (the suite's organizers have random ones), so every attempt
 * fails; a failed attempt is counted in login_failures (by design), which the
 * suite leaves out of its comparison.
 */
export function loginCases(app: AppInfo): fc.Arbitrary<FormPost> {
  const email = fc.oneof(badEmail, fc.constantFrom("owner@example.org", "OWNER@EXAMPLE.ORG ", "admin").map(text), nastyValue);
  const next = fc.oneof(fc.constantFrom("/admin", "/admin\r\nX-Injected: 1", "//evil.example", "/admin/../../x", "https://evil.example").map(text), nastyValue);
  const path = fc.constantFrom("/admin/login", "/admin/login.data", "/admin/login?next=%2F%2Fevil.example", "/admin/login?next=%00");
  return formPosts(app, path, someFields({ email, password, next }), withClientIp);
}

/** POST /admin/set-password/:token. Why nothing is written: no organizer token matches any of these. */
export function setPasswordCases(app: AppInfo): fc.Arbitrary<FormPost> {
  const path = fc.tuple(tokenSegment, fc.boolean()).map(([t, data]) => `/admin/set-password/${t}${data ? ".data" : ""}`);
  const fields = fc.oneof(
    someFields({ password, confirm: password }),
    // A good new password twice: only the token is wrong.
    junkFields.map((junk): Field[] => [["password", text("correct horse battery staple")], ["confirm", text("correct horse battery staple")], ...junk]),
  );
  return formPosts(app, path, fields);
}

/** POST /admin/logout. Why nothing is written: no session cookie here is a real one. */
export function logoutCases(app: AppInfo): fc.Arbitrary<FormPost> {
  const cookie = fc.oneof(
    fc.constantFrom("sanctuary_session=", "sanctuary_session=%FF", "sanctuary_session=eyJ4Ijoi%00", `sanctuary_session=${"a".repeat(4_000)}`, "sanctuary_session=a.b; sanctuary_session=c"),
    fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((s) => `sanctuary_session=${encodeURIComponent(s)}`),
  );
  const headers = fc.tuple(extraHeaders, cookie).map(([headers, c]) => ({ ...headers, Cookie: c }));
  return formPosts(app, fc.constantFrom("/admin/logout", "/admin/logout.data"), junkFields, headers);
}

/**
 * The app's routes as URL patterns ("/petitions/:slug/thanks", "/*"), read from
 * app/routes (Remix flat routes), so routes are fuzzed as soon as they land.
 */
export function routePatterns(dir = "app/routes"): string[] {
  return readdirSync(dir)
    .filter((file) => /\.[jt]sx?$/.test(file))
    .map((file) => {
      const segments = file
        .replace(/\.[jt]sx?$/, "")
        .split(".")
        .filter((segment) => !segment.startsWith("_")) // _index, and pathless layouts
        .map((segment) => segment.replace(/_$/, "")) // admin_.login: not nested in admin's layout
        .map((segment) => (segment === "$" ? "*" : segment.startsWith("$") ? `:${segment.slice(1)}` : segment));
      return `/${segments.join("/")}`.replace(/\/$/, "") || "/";
    });
}

/** Paths with a garbage id, token or slug, read (GET) or posted to. Why nothing is written: none of them names anything. */
export interface PathCase {
  method: "GET" | "POST";
  path: string;
  /** The dev mailbox is served by a second app that uses the dev mailer. */
  devApp: boolean;
}

export function pathCases(app: AppInfo, patterns: string[]): fc.Arbitrary<PathCase> {
  const segment = garbageSegment.filter((segment) => !app.slugs.has(decodesTo(segment) ?? ""));
  const fill = (pattern: string) =>
    fc
      .tuple(...pattern.split("/").map((part): fc.Arbitrary<string> => {
        if (part === "*") return fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/"));
        if (!part.startsWith(":")) return fc.constant(part);
        if (pattern === "/dev/mail/:id" && KNOWN_ISSUES.devMailIdOverflow) {
          return segment.filter((s) => {
            const id = Number(decodesTo(s));
            return !(Number.isSafeInteger(id) && id > 2_147_483_647);
          });
        }
        return segment;
      }))
      .map((parts) => parts.join("/") || "/");
  const extras = ["/healthz", "/build/x.js", "/dev/mail", "/__manifest?p=%E0%A4%A&version=x", "/?index"];
  return fc
    .record({
      method: fc.constantFrom<"GET" | "POST">("GET", "POST"),
      path: fc.tuple(fc.oneof(fc.constantFrom(...patterns).chain(fill), fc.constantFrom(...extras)), fc.constantFrom("", "", ".data", "/", "?lang=es", "?index")).map(([path, suffix]) => (path.includes("?") ? path : path + suffix)),
    })
    .map(({ method, path }) => ({ method, path, devApp: path.startsWith("/dev/mail") }));
}

export function pathRequest(c: PathCase): FetchRequest {
  if (c.method === "GET") return { via: "fetch", method: "GET", path: c.path, headers: {} };
  return { via: "fetch", method: "POST", path: c.path, headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: Buffer.from("firstName=%00&email=x") };
}

// ─── Subscriber links: follow confirmation, unsubscribe, preferences, erasure ───

/**
 * Links made before the run (see public-posts.test.ts), each to a record chosen so that
 * what the generators send with it changes nothing.
 */
export interface SubscriberLinks {
  /** Real links whose POST changes something (it confirms, unsubscribes, erases): sent as they are only by GET; POSTs get forgeries of them. */
  live: { follow: string; unsubscribe: string; erasure: string };
  /** The preferences link of a subscriber who follows one campaign (followedCampaignId): POSTs with it send only forms that change nothing. */
  preferences: string;
  followedCampaignId: number;
  /** Campaigns that subscriber does not follow, and ids of no campaign: stopping or resuming them changes nothing. */
  otherCampaignIds: number[];
  /** Real links whose POST changes nothing, whatever the body. */
  inert: {
    /** A confirmed follow's, an unsubscribed follow's, and an expired one whose follow has no emails left to resend. */
    follow: string[];
    /** Expired. */
    erasure: string[];
    /** Signed right, for a campaign the subscriber does not follow, an unknown or erased subscriber, or no campaign. */
    unsubscribe: string[];
    /** Signed right, for an unknown or an erased subscriber. */
    preferences: string[];
  };
  /** Signed with another secret. */
  foreign: string[];
  /** The address of a subscriber who never confirmed a follow: asking for a preferences link for it sends nothing. */
  unconfirmedEmail: string;
}

const TOKEN_UNITS = [...ALNUM, ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ", "-", "_"];
const tokenChars = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...TOKEN_UNITS), minLength, maxLength });

/**
 * A path segment that is `token` got slightly wrong: a character changed, cut short,
 * lengthened, another case, another id in a signed link, its parts shuffled, doubled,
 * thousands of characters long, or with an escape after it. Never one the router reads
 * back as `token` (no ".data" or "/" suffix, no escape that decodes to the same text).
 */
export function forgeryOf(token: string): fc.Arbitrary<string> {
  const parts = token.split(".");
  const forms: fc.Arbitrary<string>[] = [
    fc.tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...TOKEN_UNITS)).map(([at, c]) => token.slice(0, at) + c + token.slice(at + 1)),
    fc.integer({ min: 1, max: token.length - 1 }).map((cut) => token.slice(0, token.length - cut)),
    tokenChars(1, 8).map((more) => token + more),
    tokenChars(1, 8).map((more) => more + token),
    fc.constantFrom(token.toUpperCase(), token.toLowerCase(), token + token, `${token}.`, `.${token}`),
    fc.integer({ min: 200, max: 8_000 }).map((n) => token + "A".repeat(n)),
    fc.constantFrom("%00", "%20", "%0d%0a", "%0D%0ABcc:%20x", "%FF", "%E0%A4%A", "%C3%28", "%u0041", "%2e", "+", "%2B").map((tail) => token + tail),
  ];
  if (parts.length > 1) {
    const ids = ["0", "00", "-1", "+1", "01", "1e3", "0x1", " 1", "1.0", "9999999999", "99999999999999999999", "2147483648", ""];
    forms.push(
      fc.constantFrom(...ids).map((id) => [id, ...parts.slice(1)].join(".")),
      fc.constantFrom(parts.slice(1).join("."), [...parts, "x"].join("."), [...parts].reverse().join("."), parts.join("..")),
      fc.nat({ max: 1_000 }).map((n) => [String(Number(parts[0]) + n + 1), ...parts.slice(1)].join(".")),
    );
  }
  return fc.oneof(...forms).filter((segment) => segment.length > 0 && decodesTo(segment) !== token);
}

/** `token` with one character percent-encoded: the same link, spelled differently (only for links whose use changes nothing). */
function respelled(token: string): fc.Arbitrary<string> {
  return fc.nat({ max: token.length - 1 }).map((at) => `${token.slice(0, at)}%${token.charCodeAt(at).toString(16).toUpperCase().padStart(2, "0")}${token.slice(at + 1)}`);
}

/** Any token for a link route's POST: forgeries of the live links, the inert ones (however spelled), foreign, other kinds', garbage. */
function postTokens(live: string[], inert: string[], others: string[]): fc.Arbitrary<string> {
  const choices: { weight: number; arbitrary: fc.Arbitrary<string> }[] = [
    { weight: 4, arbitrary: fc.constantFrom(...live).chain(forgeryOf) },
    { weight: 2, arbitrary: tokenSegment },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  ];
  if (inert.length > 0) choices.push({ weight: 3, arbitrary: fc.oneof(fc.constantFrom(...inert), fc.constantFrom(...inert).chain(respelled), fc.constantFrom(...inert).chain(forgeryOf)) });
  return fc.oneof(...choices);
}

/** After a link's token on a POST: nothing, the single-fetch suffix, a trailing slash, or a query. */
const linkSuffix = fc.constantFrom("", "", ".data", "/", "?lang=es", "?index", "?lang=%FF", "?_data=%E0%A4%A");

const FOLLOW_INTENTS = fc.oneof(fc.constantFrom("resend", "RESEND", "resend ", "confirm", "").map(text), nastyValue);

/** POST /follow/:token. Why nothing is written: no token here confirms a pending follow, and none can have a confirmation resent. */
export function followTokenCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<FormPost> {
  const others = [links.live.erasure, links.preferences, links.live.unsubscribe, ...links.foreign];
  const path = fc.tuple(postTokens([links.live.follow], links.inert.follow, others), linkSuffix).map(([t, s]) => `/follow/${t}${s}`);
  return formPosts(app, path, someFields({ intent: FOLLOW_INTENTS }), extraHeaders, "mostly sound");
}

/**
 * POST /unsubscribe/:token (RFC 8058 one-click: a mail provider posts it without Origin or
 * cookies). Why nothing is written: no token here is a live subscription's.
 */
export function unsubscribeCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<FormPost> {
  const others = [links.preferences, links.live.follow, links.live.erasure, ...links.inert.preferences, ...links.foreign];
  const path = fc.tuple(postTokens([links.live.unsubscribe], links.inert.unsubscribe, others), linkSuffix).map(([t, s]) => `/unsubscribe/${t}${s}`);
  const oneClick = fc.oneof(fc.constantFrom("One-Click", "one-click", "", "One-Click\r\nBcc: victim@example.com").map(text), nastyValue);
  return formPosts(app, path, someFields({ "List-Unsubscribe": oneClick }), extraHeaders, "mostly sound");
}

/** POST /erase/:token. Why nothing is written: no token here is a live erasure link. */
export function erasureCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<FormPost> {
  const others = [links.live.follow, links.preferences, links.live.unsubscribe, ...links.inert.follow, ...links.foreign];
  const path = fc.tuple(postTokens([links.live.erasure], links.inert.erasure, others), linkSuffix).map(([t, s]) => `/erase/${t}${s}`);
  return formPosts(app, path, someFields({ intent: fc.oneof(fc.constantFrom("erase", "confirm", "").map(text), nastyValue) }), extraHeaders, "mostly sound");
}

const PREFERENCE_INTENTS = ["stop", "resume", "stopAll", "locale", "erase"];
const LOCALES = ["en", "es"];

/** Whether the preferences form reads this campaign id as `id` (z.coerce.number: Number() of the text). */
const readsAsId = (value: Value, id: number) => Number(decodedValue(value)) === id;
/** Whether the preferences form reads this as any campaign id at all. */
const readsAsSomeId = (value: Value) => {
  const n = Number(decodedValue(value));
  return Number.isInteger(n) && n > 0 && n <= 2_147_483_647;
};

const badCampaignId: fc.Arbitrary<Value> = fc
  .oneof(fc.constantFrom("", " ", "0", "-1", "-0", "1.5", "abc", "2147483648", "99999999999", "1e999", "NaN", "Infinity", "1,2", "1 2", "１").map(text), nastyValue)
  .filter((value) => !readsAsSomeId(value));

/**
 * Forms for the real preferences link that change nothing: an intent it does not know, a
 * campaign id it cannot read, a language it does not offer, or stopping or resuming a
 * campaign the subscriber does not follow (or resuming the one they follow, which is on).
 * Never "stopAll", "erase", a language, or "stop" of the campaign followed: those write.
 */
function inertPreferenceForms(links: SubscriberLinks): fc.Arbitrary<Field[]> {
  const badIntent = fc
    .oneof(fc.constantFrom("STOP", "Stop", "stop ", " stop", "stopall", "stop_all", "ERASE", "erase ", "locale\u0000", "", "delete", "unsubscribe").map(text), nastyValue)
    .filter((value) => !PREFERENCE_INTENTS.includes(decodedValue(value)));
  const anyId = fc.oneof(fc.constantFrom(links.followedCampaignId, ...links.otherCampaignIds).map((id) => text(String(id))), nastyValue);
  const anyLocale = fc.oneof(fc.constantFrom(...LOCALES).map(text), nastyValue);
  const otherId = fc.oneof(
    fc.constantFrom(...links.otherCampaignIds).map((id) => text(String(id))),
    fc.constantFrom(...links.otherCampaignIds).map((id) => text(` ${id} `)),
    fc.constantFrom(...links.otherCampaignIds).map((id) => text(`0${id}`)),
  );
  const forms = fc.oneof(
    someFields({ intent: badIntent, campaignId: anyId, locale: anyLocale }).filter((fields) => {
      const intent = fields.find(([name]) => name === "intent");
      return intent === undefined || !PREFERENCE_INTENTS.includes(decodedValue(intent[1]));
    }),
    fc.record({ intent: fc.constantFrom("stop", "resume"), id: badCampaignId }).map(({ intent, id }): Field[] => [["intent", text(intent)], ["campaignId", id]]),
    fc.record({ intent: fc.constantFrom("stop", "resume"), id: otherId }).map(({ intent, id }): Field[] => [["intent", text(intent)], ["campaignId", id]]),
    fc.constant<Field[]>([["intent", text("resume")], ["campaignId", text(String(links.followedCampaignId))]]),
    fc.oneof(fc.constantFrom("EN", "es ", "fr", "", "es\u0000", "español").map(text), nastyValue)
      .filter((value) => !LOCALES.includes(decodedValue(value)))
      .map((locale): Field[] => [["intent", text("locale")], ["locale", locale]]),
  );
  // Duplicates after the first (which the form reads) may say anything; junk never uses a name the form reads.
  return fc
    .tuple(forms, fc.array(fc.tuple(fc.constantFrom("intent", "campaignId", "locale"), nastyValue), { maxLength: 2 }), junkFields)
    .map(([fields, again, junk]) => [
      ...fields,
      ...again.filter(([name]) => fields.some(([n]) => n === name)),
      ...junk.filter(([name]) => !["intent", "campaignId", "locale"].includes(name)),
    ])
    .filter((fields) => {
      // The form reads the first of each name: it must not come out as a stop of the campaign followed.
      const first = (name: string) => fields.find(([n]) => n === name)?.[1];
      const intent = first("intent");
      const id = first("campaignId");
      return !(intent && decodedValue(intent) === "stop" && id && readsAsId(id, links.followedCampaignId));
    });
}

/**
 * POST /preferences/:token. Why nothing is written: with the real link, a form that changes
 * nothing (inertPreferenceForms); with any other token, any form, for a page that does not exist.
 */
export function preferencesCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<FormPost> {
  const anyForm = someFields({
    intent: fc.oneof(fc.constantFrom(...PREFERENCE_INTENTS).map(text), nastyValue),
    campaignId: fc.oneof(fc.constantFrom(links.followedCampaignId, ...links.otherCampaignIds).map((id) => text(String(id))), badCampaignId),
    locale: fc.oneof(fc.constantFrom(...LOCALES).map(text), nastyValue),
  });
  const others = [links.live.unsubscribe, links.live.follow, links.live.erasure, ...links.inert.unsubscribe, ...links.foreign];
  const real = formPosts(app, fc.constantFrom("", "?lang=es", "?index", "?lang=%FF").map((q) => `/preferences/${links.preferences}${q}`), inertPreferenceForms(links), extraHeaders, "mostly sound");
  const otherToken = fc.tuple(postTokens([links.preferences], links.inert.preferences, others), linkSuffix).map(([t, s]) => `/preferences/${t}${s}`);
  return fc.oneof({ weight: 1, arbitrary: real }, { weight: 1, arbitrary: formPosts(app, otherToken, anyForm, extraHeaders, "mostly sound") });
}

/**
 * POST /preferences: "send me a fresh link". Why nothing is written: no address here belongs
 * to someone who confirmed a follow (a malformed one, an unknown one, or one that never confirmed).
 */
export function preferencesLinkCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<FormPost> {
  const known = links.unconfirmedEmail;
  const email = fc.oneof(
    badEmail,
    alnum(4, 12).map((local) => text(`fuzz.${local}@example.com`)),
    fc.constantFrom(known, known.toUpperCase(), ` ${known} `, known.replace("@", "+tag@")).map(text),
    nastyValue,
  );
  const path = fc.constantFrom("/preferences", "/preferences?index", "/preferences.data", "/preferences/", "/preferences?lang=es");
  return formPosts(app, path, someFields({ email }), extraHeaders, "mostly sound");
}

/** A GET (or HEAD) of a page that takes a link's token or a campaign's slug. */
export interface LinkGet {
  method: "GET" | "HEAD";
  path: string;
  headers: Record<string, string>;
}

/**
 * GETs of every link page with real, forged and garbage tokens (mail scanners open links:
 * a GET must change nothing, even with the live links), and of the campaign pages with
 * odd queries. Why nothing is written: GETs only read.
 */
export function linkGetCases(app: AppInfo, links: SubscriberLinks): fc.Arbitrary<LinkGet> {
  const byRoute: [string, string[]][] = [
    ["/follow", [links.live.follow, ...links.inert.follow]],
    ["/unsubscribe", [links.live.unsubscribe, ...links.inert.unsubscribe]],
    ["/preferences", [links.preferences, ...links.inert.preferences]],
    ["/erase", [links.live.erasure, ...links.inert.erasure]],
  ];
  const all = [...byRoute.flatMap(([, tokens]) => tokens), ...links.foreign];
  const token = (own: string[]) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...own) },
      { weight: 1, arbitrary: fc.constantFrom(...own).chain(respelled) },
      { weight: 3, arbitrary: fc.constantFrom(...own).chain(forgeryOf) },
      // Another route's link, or one signed elsewhere.
      { weight: 1, arbitrary: fc.constantFrom(...all) },
      { weight: 1, arbitrary: tokenSegment },
    );
  const suffix = fc.constantFrom("", "", "", ".data", "/", "?lang=es", "?lang=%FF", "?index", "?_data=routes%2Fpreferences.%24token", `?x=${"y".repeat(4_000)}`);
  const linkPath = fc
    .constantFrom(...byRoute)
    .chain(([route, own]) => fc.tuple(token(own), suffix).map(([t, s]) => `${route}/${t}${s}`));
  const campaignQuery = fc.oneof(
    fc.constantFrom("", "?page=2", "?page=0", "?page=-1", "?page=1e9", "?page=99999999999", "?page=%00", "?page=NaN", "?page=1&page=2", "?lang=es", "?lang=%E0%A4%A", "?page=%FF"),
    garbageSegment.map((g) => `?page=${g}`),
  );
  const campaignPath = fc.oneof(
    fc.tuple(fc.constantFrom(app.campaignSlug, app.archivedCampaignSlug), fc.constantFrom("", "/following", "/feed", ".data", "/following.data"), campaignQuery).map(([slug, page, q]) => `/campaigns/${slug}${page}${q}`),
    fc.tuple(garbageSegment, fc.constantFrom("/feed", "/following")).map(([slug, page]) => `/campaigns/${slug}${page}`),
    fc.constantFrom("/preferences", "/preferences?lang=es", "/preferences.data"),
  );
  return fc.record({
    method: fc.constantFrom<"GET" | "HEAD">("GET", "GET", "HEAD"),
    path: fc.oneof({ weight: 3, arbitrary: linkPath }, { weight: 1, arbitrary: campaignPath }),
    headers: extraHeaders,
  });
}

export function linkGetRequest(c: LinkGet): FetchRequest {
  return { via: "fetch", method: c.method, path: c.path, headers: c.headers };
}

// ─── Organizer forms ────────────────────────────────────────────────────────────

/** What the organizer cases need, made before the run (see public-posts.test.ts). */
export interface OrganizerInfo {
  /** Cookie header values: an organizer and a viewer of the organization running `campaignSlug`, and an organizer of another organization. */
  cookies: { organizer: string; viewer: string; outsider: string };
  campaignSlug: string;
  /** Another campaign of the same organization. */
  otherCampaignSlug: string;
  /** A scheduled update of campaignSlug (cancelling it would write), one of otherCampaignSlug, and one of campaignSlug already published. */
  scheduledUpdateId: number;
  otherScheduledUpdateId: number;
  publishedUpdateId: number;
  petitionSlug: string;
  /** The petition editor's form as it was saved. */
  petitionForm: Field[];
}

/** Who sends an organizer request: the organizer (who may), or someone who may not. */
type Who = "organizer" | "viewer" | "outsider" | "nobody" | "forged";

function sessionHeaders(org: OrganizerInfo, who: Who, extra: Record<string, string> = {}): Record<string, string> {
  const session = who === "nobody" ? null : who === "forged" ? `sanctuary_session=${"A".repeat(43)}` : org.cookies[who];
  const cookie = [session, extra.Cookie].filter(Boolean).join("; ");
  return { ...extra, ...(cookie ? { Cookie: cookie } : {}) };
}

/**
 * First in a preview's fields, before intent=preview: a broken multipart body may drop,
 * rename or turn into a file its first part, and a preview that lost its intent would save.
 */
const LEAD: Field = ["note", text("a field no form reads")];

/** Extra headers for a request as the organizer (their session cookie kept first). */
const asOrganizer = (org: OrganizerInfo) => extraHeaders.map((headers) => sessionHeaders(org, "organizer", headers));

const UPDATE_NAMES = ["title", "body", "titleEs", "bodyEs", "when", "sendAt", "intent"];
const UPDATE_CONTROLS = COMMENT_CONTROLS;

/** "2026-12-01T09:00", `days` from now (UTC), as the datetime-local field sends it. */
function localTime(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
}

/** A campaign update the form would publish (so only the envelope, or who sends it, may refuse it). */
const validUpdate: fc.Arbitrary<Field[]> = fc
  .record({
    title: fc.constantFrom("Council vote on Tuesday", "Actualización: ¡ganamos!", "Tab\tand 名前"),
    body: fc.constantFrom("We won.", "**Bold** and a [link](https://example.org)\n\n- a\n- b", "<script>alert(1)</script>", "[x](javascript:alert(1))"),
    es: fc.boolean(),
    when: fc.constantFrom("now", "later", "blank"),
    days: fc.integer({ min: 2, max: 300 }),
  })
  .map(({ title, body, es, when, days }) => {
    const fields: Field[] = [["title", text(title)], ["body", text(body)]];
    if (es) fields.push(["titleEs", text("Votación el martes")], ["bodyEs", text("Ganamos.")]);
    if (when === "now") fields.push(["when", text("now")]);
    else fields.push(["when", text(when === "later" ? "later" : "")], ["sendAt", text(localTime(days))]);
    return fields;
  });

/** Text of min to max characters (ASCII when it is long: 20,000 CJK characters would be over the 64 KB body limit, a 413 before the schema). */
const longText = (min: number, max: number) =>
  fc.record({ repeat: max > 10_000 ? fc.constant("a") : fc.constantFrom("a", "é", "名"), times: fc.integer({ min, max }) }).map((v): Value => v);

/** Text the update form refuses whatever else is in it. */
const badUpdateText = (max: number) =>
  fc.oneof(
    fc.constantFrom("", "   ", "\r\n\t").map(text),
    surround(fc.constantFrom(...UPDATE_CONTROLS)).map(text),
    longText(max + 1, Math.min(max * 2, 30_000)),
    surroundEscape(fc.constantFrom("%00", "%07", "%1B", "%7F", "%0B", "%0C")),
  );

const notSendAt = (value: Value) => !/^\s*[+-]?\d{4,6}-\d{2}-\d{2}T/.test(decodedValue(value));

/** The one thing that makes an update invalid. Why nothing is written: the schema refuses it. */
const badUpdate: fc.Arbitrary<{ bad: string; fields: Field[] }> = fc
  .record({
    base: validUpdate,
    which: fc.constantFrom("title", "body", "titleEs", "bodyEs", "spanishHalf", "when", "sendAt"),
    title: badUpdateText(200),
    body: badUpdateText(20_000),
    titleEs: fc.oneof(surround(fc.constantFrom(...UPDATE_CONTROLS)).map(text), longText(201, 2_000)),
    bodyEs: fc.oneof(surround(fc.constantFrom(...UPDATE_CONTROLS)).map(text), longText(20_001, 25_000)),
    half: fc.constantFrom("titleEs", "bodyEs"),
    blankWhen: fc.boolean(),
    when: fc.oneof(fc.constantFrom("LATER", "Now", "soon", "tomorrow", "1", "now\u0000", "later\u0007").map(text), nastyValue).filter((value) => !["", "now", "later"].includes(decodedValue(value).normalize("NFC").trim())),
    sendAt: fc.oneof(
      fc.constantFrom("", "  ", "2026-02-30T09:00", "2027-13-01T09:00", "2027-01-01T25:00", "2027-01-01T09:60", "2027-01-01", "09:00", "tomorrow", "+275760-09-13T00:00", "2027-01-01T09:00+25:00", "1e12").map(text),
      fc.constantFrom("2020-01-01T00:00", "2000-01-01T00:00Z", localTime(-1), localTime(400), "2099-01-01T09:00", "9999-12-31T23:59").map(text),
      nastyValue.filter(notSendAt),
    ),
  })
  .map(({ base, which, title, body, titleEs, bodyEs, half, blankWhen, when, sendAt }) => {
    const set = (fields: Field[], name: string, value: Value | null): Field[] => {
      const rest = fields.filter(([n]) => n !== name);
      return value === null ? rest : [...rest, [name, value]];
    };
    let fields = base;
    switch (which) {
      case "title":
        fields = set(fields, "title", title);
        break;
      case "body":
        fields = set(fields, "body", body);
        break;
      case "titleEs":
        fields = set(set(fields, "titleEs", titleEs), "bodyEs", text("Texto"));
        break;
      case "bodyEs":
        fields = set(set(fields, "bodyEs", bodyEs), "titleEs", text("Título"));
        break;
      case "spanishHalf":
        fields = set(set(fields, "titleEs", null), "bodyEs", null);
        fields = [...fields, [half, text("Sólo la mitad")]];
        break;
      case "when":
        fields = set(fields, "when", when);
        break;
      case "sendAt":
        // "later", or no choice with a time: the time must then be real, in the future and within a year.
        // (No choice and no time means "now", which is valid.)
        fields = set(set(fields, "when", text(blankWhen && decodedValue(sendAt).trim() !== "" ? "" : "later")), "sendAt", sendAt);
        break;
    }
    return { bad: which, fields };
  });

/** POST /admin/campaigns/:slug/updates/new. Why nothing is written: see each case. */
export function updateFormCases(app: AppInfo, org: OrganizerInfo): fc.Arbitrary<FormPost> {
  const path = fc.tuple(fc.boolean(), fc.constantFrom("", "", "?index", "?lang=es")).map(([data, q]) => `/admin/campaigns/${org.campaignSlug}/updates/new${data ? ".data" : ""}${q}`);
  const junk = junkFields.map((junk) => junk.filter(([name]) => !UPDATE_NAMES.includes(name)));
  // The organizer, a form the schema refuses.
  const invalid = formPosts(
    app,
    path,
    // Duplicates only of names already there (the form reads the first): a duplicate must not fill in a missing half.
    fc
      .tuple(badUpdate, fc.array(fc.tuple(fc.constantFrom(...UPDATE_NAMES.slice(0, 6)), nastyValue), { maxLength: 2 }), junk)
      .map(([{ fields }, again, j]) => [...fields, ...again.filter(([name]) => fields.some(([n]) => n === name)), ...j]),
    asOrganizer(org),
    "mostly sound",
  );
  // The organizer asks for a preview: rendered, never stored, whatever the fields hold.
  const preview = formPosts(
    app,
    path,
    fc.tuple(someFields({ title: nastyValue, body: fc.oneof(nastyValue, longText(1, 30_000)), titleEs: nastyValue, bodyEs: nastyValue, when: nastyValue, sendAt: nastyValue }), validUpdate).map(([fields, valid]): Field[] => [
      LEAD,
      ["intent", text("preview")],
      ...fields.filter(([name]) => name !== "intent"),
      ...valid,
    ]),
    asOrganizer(org),
    "mostly sound",
  );
  // A valid update from someone who may not publish it; or from the organizer, but from another
  // site, in a body that is not a form, or for a campaign that does not exist.
  const refused = fc
    .record({
      how: fc.constantFrom<Who | "foreign origin" | "not a form" | "unknown campaign">("viewer", "outsider", "nobody", "forged", "foreign origin", "not a form", "unknown campaign"),
      fields: validUpdate,
      path,
      encoding: fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart"),
      foreign: foreignOrigin(app),
      contentType: fc.constantFrom(...WRONG_CONTENT_TYPES),
      slug: garbageSegment.filter((segment) => !app.campaignSlugs.has(decodesTo(segment) ?? "")),
    })
    .map(({ how, fields, path, encoding, foreign, contentType, slug }): FormPost => {
      const post: FormPost = { path, origin: "same", encoding, fields, headers: sessionHeaders(org, "organizer") };
      if (how === "foreign origin") return { ...post, origin: foreign };
      if (how === "not a form") return { ...post, encoding: "urlencoded", contentType };
      if (how === "unknown campaign") return { ...post, path: `/admin/campaigns/${slug}/updates/new` };
      return { ...post, headers: sessionHeaders(org, how) };
    });
  return fc.oneof({ weight: 5, arbitrary: invalid }, { weight: 2, arbitrary: preview }, { weight: 3, arbitrary: refused });
}

/** The one digit-string the cancel form must never be sent with, as the organizer, for the scheduled update's campaign. */
const cancels = (org: OrganizerInfo, intent: Value | undefined, id: Value | undefined) =>
  intent !== undefined && id !== undefined && decodedValue(intent) === "cancel" && /^\d{1,9}$/.test(decodedValue(id)) && Number(decodedValue(id)) === org.scheduledUpdateId;

/**
 * POST /admin/campaigns/:slug/updates (the list's cancel button). Why nothing is written: an
 * update id that is not this campaign's scheduled update, an intent that is not "cancel", or
 * someone who may not cancel.
 */
export function cancelCases(app: AppInfo, org: OrganizerInfo): fc.Arbitrary<FormPost> {
  const path = (slug: string) => fc.tuple(fc.boolean(), fc.constantFrom("", "?index", "?cancelled=1")).map(([data, q]) => `/admin/campaigns/${slug}/updates${data ? ".data" : ""}${q}`);
  const id = fc.oneof(
    fc.constantFrom("", "0", "-1", "1e3", "0x10", " 1", "1 ", "1234567890", "99999999999", "999999999", "1.0").map(text),
    fc.constantFrom(org.otherScheduledUpdateId, org.publishedUpdateId).map((n) => text(String(n))),
    fc.constantFrom(` ${org.scheduledUpdateId}`, `${org.scheduledUpdateId} `, `${org.scheduledUpdateId}.0`, `+${org.scheduledUpdateId}`, `${org.scheduledUpdateId}\u0000`).map(text),
    nastyValue,
  );
  const intent = fc.oneof(fc.constantFrom("cancel", "cancel", "CANCEL", "cancel ", "delete", "").map(text), nastyValue);
  const mine = formPosts(
    app,
    path(org.campaignSlug),
    someFields({ intent, updateId: id }).filter((fields) => !cancels(org, fields.find(([n]) => n === "intent")?.[1], fields.find(([n]) => n === "updateId")?.[1])),
    asOrganizer(org),
    "mostly sound",
  );
  // The scheduled update's id, through another campaign's list or from someone who may not cancel it.
  const validCancel: Field[] = [["intent", text("cancel")], ["updateId", text(String(org.scheduledUpdateId))]];
  const elsewhere = fc
    .record({ who: fc.constantFrom<Who>("organizer", "viewer", "outsider", "nobody", "forged"), p: path(org.otherCampaignSlug), own: path(org.campaignSlug), encoding: fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart") })
    .map(({ who, p, own, encoding }): FormPost => ({ path: who === "organizer" ? p : own, origin: "same", encoding, fields: validCancel, headers: sessionHeaders(org, who) }));
  return fc.oneof({ weight: 3, arbitrary: mine }, { weight: 1, arbitrary: elsewhere });
}

const STATUSES = ["draft", "open", "closed", "archived"];

/** Whether the petition editor reads this as a goal (digits, commas, spaces and underscores; 1 to 100,000,000). */
function goalIsValid(value: string): boolean {
  const digits = value.trim().replace(/[,\s_]/g, "");
  return /^\d+$/.test(digits) && Number(digits) >= 1 && Number(digits) <= 100_000_000;
}

/** One field of the petition editor's form that it refuses. */
const badPetitionField: fc.Arbitrary<Field> = fc.oneof(
  fc.oneof(fc.constantFrom("", "abc", "0", "-5", "1.5", "1e3", "99999999999999", "١٠٠").map(text), nastyValue).filter((v) => !goalIsValid(decodedValue(v))).map((v): Field => ["goal", v]),
  fc.oneof(fc.constantFrom("OPEN", "deleted", "", "open ").map(text), nastyValue).filter((v) => !STATUSES.includes(decodedValue(v))).map((v): Field => ["status", v]),
  fc.oneof(fc.constantFrom("LOCAL", "everyone", "").map(text), nastyValue).filter((v) => !["local", "fixed"].includes(decodedValue(v))).map((v): Field => ["targetRule", v]),
  fc.constantFrom("0s", "59s", "31d", "abc", "-1h", "1h30", "h", "999999999d").map((v): Field => ["deliveryInterval", text(v)]),
  fc.constantFrom("abc", "-1", "1.5", "1234567890", "1e3").map((v): Field => ["campaignId", text(v)]),
  fc.constantFrom("", "   ").map((v): Field => ["titleEn", text(v)]),
);

/**
 * POST /admin/petitions/:slug/edit with the milestone switch set to anything. Why nothing
 * is written: another field is refused, it is a preview, or the sender may not edit.
 */
export function petitionEditCases(app: AppInfo, org: OrganizerInfo): fc.Arbitrary<FormPost> {
  const path = fc.tuple(fc.boolean(), fc.constantFrom("", "?index", "?saved=1")).map(([data, q]) => `/admin/petitions/${org.petitionSlug}/edit${data ? ".data" : ""}${q}`);
  const milestone = fc.option(fc.oneof(fc.constantFrom("1", "on", "", "0", "true", "false", "off").map(text), nastyValue), { nil: undefined });
  const withSwitch = (fields: Field[], value: Value | undefined): Field[] => {
    const rest = fields.filter(([name]) => name !== "milestoneUpdates");
    return value === undefined ? rest : [...rest, ["milestoneUpdates", value]];
  };
  const invalid = formPosts(
    app,
    path,
    fc.tuple(badPetitionField, milestone).map(([[name, value], m]): Field[] => {
      const fields = withSwitch(org.petitionForm, m).filter(([n]) => n !== name);
      return [...fields, [name, value]];
    }),
    asOrganizer(org),
    "mostly sound",
  );
  const preview = formPosts(
    app,
    path,
    fc.tuple(milestone, fc.array(fc.tuple(fc.constantFrom("titleEn", "bodyEn", "summaryEn", "goal"), nastyValue), { maxLength: 3 })).map(([m, more]): Field[] => [
      LEAD,
      ["intent", text("preview")],
      ...more,
      ...withSwitch(org.petitionForm, m).filter(([name]) => name !== "intent"),
    ]),
    asOrganizer(org),
    "mostly sound",
  );
  const refused = fc
    .record({ who: fc.constantFrom<Who>("viewer", "outsider", "nobody", "forged"), m: milestone, path })
    .map(({ who, m, path }): FormPost => ({ path, origin: "same", encoding: "urlencoded", fields: withSwitch(org.petitionForm, m ?? text("1")), headers: sessionHeaders(org, who) }));
  return fc.oneof({ weight: 3, arbitrary: invalid }, { weight: 1, arbitrary: preview }, { weight: 1, arbitrary: refused });
}

// ─── Raw sockets: what fetch cannot send ───────────────────────────────────────

export type RawCase =
  | { kind: "host"; host: string; base: RawBase }
  | { kind: "x-forwarded-host"; value: string; base: RawBase }
  | { kind: "target"; target: string; base: RawBase }
  | { kind: "chunked"; chunks: string; base: RawBase }
  | { kind: "framing"; headers: [string, string][]; base: RawBase }
  | { kind: "truncated"; declared: "content-length" | "chunked"; keep: number; base: RawBase }
  | { kind: "header"; line: string; base: RawBase }
  | { kind: "request-line"; line: string };

/** One of the public POSTs with a body that is invalid on its own (so framing is all that is under test). */
export interface RawBase {
  endpoint: "sign" | "confirm" | "locale" | "follow" | "unsubscribe";
  origin: boolean;
}

const HOSTS = ["a b", "[::", "[::1", "x:99999999", "x:-1", "x:1:2", "\xE9vil", "a/b", "a\\b", "a?b", "a#b", "a@b", "%zz", "_", "..", "[1:2:3]", "a".repeat(300), "127.0.0.1:", ":80", "", "\x7F", "a\tb", "xn--", "0x7f.1", "1.2.3.256", "999999999999", "a..b", "x:0", "x:65536"];
const TARGETS = [
  "http://evil.example/petitions/{slug}",
  "http://{host}/petitions/{slug}",
  "*",
  "//petitions/{slug}",
  "/petitions/{slug}#fragment",
  "/petitions/\xFF\xFE",
  "/petitions/\xC3\x28",
  "/confirm/\xED\xA0\x80",
  "/petitions/\x00",
  "/petitions/a\x7Fb",
  "/petitions/{slug}?\xFF=\xFF",
  "/locale?x=\x01",
  "petitions/{slug}",
  "/../../../etc/passwd",
  "/petitions/{slug}/../../locale",
  `/${"a".repeat(9_000)}`,
];
/** Broken chunked bodies; those that leave the server waiting for more are sent, then our side closed. */
const CHUNKS_CUT_SHORT = ["10\r\nabc\r\n0\r\n\r\n", "3\r\nabc\r\n", "3\r\nab"];
const CHUNKS = [
  ...CHUNKS_CUT_SHORT,
  "zz\r\nabc\r\n0\r\n\r\n",
  "3\r\nabcdef\r\n0\r\n\r\n",
  "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
  "-1\r\nabc\r\n0\r\n\r\n",
  "+3\r\nabc\r\n0\r\n\r\n",
  " 3\r\nabc\r\n0\r\n\r\n",
  "3;ext=\x00\r\nabc\r\n0\r\n\r\n",
  "3;" + "e".repeat(20_000) + "\r\nabc\r\n0\r\n\r\n",
  "3\nabc\n0\n\n",
  "3\r\nabc0\r\n\r\n",
  "3\r\nabc\r\n0\r\nX-Trailer: \xFF\r\n\r\n",
  "3\r\nabc\r\n0\r\n\r\ngarbage after the end",
  "0\r\n\r\n",
  "3\r\n\xC3\x28x\r\n0\r\n\r\n",
];
const FRAMINGS: [string, string][][] = [
  [["Content-Length", "3"], ["Transfer-Encoding", "chunked"]],
  [["Content-Length", "abc"]],
  [["Content-Length", "1,2"]],
  [["Content-Length", "-1"]],
  [["Content-Length", "99999999999999999999"]],
  [["Content-Length", "3"], ["Content-Length", "4"]],
  [["Transfer-Encoding", "gzip, chunked"]],
  [["Transfer-Encoding", "chunked, gzip"]],
  [["Transfer-Encoding", "identity"]],
  [["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "chunked"]],
  [["Content-Encoding", "gzip"]],
  [["Content-Encoding", "br"]],
  [["Expect", "100-continue"]],
  [["Expect", "garbage"]],
];
const HEADER_LINES = [
  "X-Folded: a\r\n b",
  "Bad Name: x",
  "X-Nul: a\x00b",
  "X-High: \xFF\xFE",
  ": empty name",
  "X-Long: " + "h".repeat(20_000),
  "Cookie: lang=\xFF",
  "Accept-Language: \xE9s;q=\xFF",
  "Origin: \xFF",
  "Origin: http://\xE9vil.example",
  "X-Forwarded-Proto: \xFF",
  "X-Forwarded-For: \xFF, garbage",
  "Host: second.example",
  "Upgrade: websocket\r\nConnection: Upgrade",
];
const REQUEST_LINES = [
  "GET /\r\n\r\n",
  "GET / HTTP/1.0\r\n\r\n",
  "POST /locale HTTP/1.0\r\nContent-Length: 9\r\n\r\nlocale=xx",
  "GET / HTTP/2.0\r\n\r\n",
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
  "FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
  "post /locale HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
  "POST  /locale  HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
  "POST /locale HTTP/1.1 extra\r\nHost: x\r\n\r\n",
  "\r\n\r\nPOST /locale HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
  "TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n",
];

export const rawCases: fc.Arbitrary<RawCase> = (() => {
  const base = fc.record({ endpoint: fc.constantFrom<RawBase["endpoint"]>("sign", "confirm", "locale", "follow", "unsubscribe"), origin: fc.boolean() });
  return fc.oneof(
    fc.record({ kind: fc.constant("host" as const), host: fc.constantFrom(...HOSTS), base }),
    fc.record({ kind: fc.constant("x-forwarded-host" as const), value: fc.constantFrom(...HOSTS), base }),
    fc.record({ kind: fc.constant("target" as const), target: fc.constantFrom(...TARGETS), base }),
    fc.record({ kind: fc.constant("chunked" as const), chunks: fc.constantFrom(...CHUNKS), base }),
    fc.record({ kind: fc.constant("framing" as const), headers: fc.constantFrom(...FRAMINGS), base }),
    fc.record({ kind: fc.constant("truncated" as const), declared: fc.constantFrom<"content-length" | "chunked">("content-length", "chunked"), keep: fc.nat({ max: 40 }), base }),
    fc.record({ kind: fc.constant("header" as const), line: fc.constantFrom(...HEADER_LINES), base }),
    fc.record({ kind: fc.constant("request-line" as const), line: fc.constantFrom(...REQUEST_LINES) }),
  );
})();

/** A body the endpoint refuses on its own: a signature or follow without a valid email, an unknown token, an unknown locale. */
function rawBaseRequest(base: RawBase, app: AppInfo): { target: string; body: Buffer } {
  switch (base.endpoint) {
    case "sign":
      return {
        target: `/petitions/${app.openSlug}`,
        body: urlencodedBody([["firstName", text("Ana")], ["lastName", text("x\r\nBcc: victim@example.com")], ["email", text("not-an-email")], ["postalCode", text("94110")]]),
      };
    case "confirm":
      return { target: `/confirm/${"A".repeat(43)}`, body: Buffer.from("intent=resend") };
    case "locale":
      return { target: "/locale", body: Buffer.from("locale=xx&returnTo=%2F") };
    case "follow":
      return { target: `/campaigns/${app.campaignSlug}`, body: urlencodedBody([["firstName", text("x\r\nBcc: victim@example.com")], ["email", text("not-an-email")]]) };
    case "unsubscribe":
      // Shaped like a real link (subscriber.campaign.mac), signed by no one.
      return { target: `/unsubscribe/1.1.${"A".repeat(22)}`, body: Buffer.from("List-Unsubscribe=One-Click") };
  }
}

export function rawCaseRequest(c: RawCase, app: AppInfo): HttpRequest {
  if (c.kind === "request-line") return { via: "raw", bytes: Buffer.from(c.line, "latin1") };
  const { target, body } = rawBaseRequest(c.base, app);
  const headers: [string, string][] = [["Host", app.host], ["Content-Type", "application/x-www-form-urlencoded"]];
  if (c.base.origin) headers.push(["Origin", app.url]);
  switch (c.kind) {
    case "host":
      headers[0] = ["Host", c.host];
      return { via: "raw", bytes: rawRequest({ target, headers, body }) };
    case "x-forwarded-host":
      headers.push(["X-Forwarded-Host", c.value]);
      return { via: "raw", bytes: rawRequest({ target, headers, body }) };
    case "target":
      return { via: "raw", bytes: rawRequest({ target: c.target.replace("{slug}", app.openSlug).replace("{host}", app.host), headers, body }) };
    case "chunked":
      headers.push(["Transfer-Encoding", "chunked"]);
      return { via: "raw", bytes: rawRequest({ target, headers, body: Buffer.from(c.chunks, "latin1") }), halfClose: CHUNKS_CUT_SHORT.includes(c.chunks) };
    case "framing":
      return { via: "raw", bytes: rawRequest({ target, headers: [...headers, ...c.headers], body }) };
    case "truncated": {
      const kept = body.subarray(0, Math.min(c.keep, body.length - 1));
      if (c.declared === "content-length") {
        headers.push(["Content-Length", String(body.length)]);
        return { via: "raw", bytes: rawRequest({ target, headers, body: kept }), halfClose: true };
      }
      headers.push(["Transfer-Encoding", "chunked"]);
      const chunk = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), kept]);
      return { via: "raw", bytes: rawRequest({ target, headers, body: chunk }), halfClose: true };
    }
    case "header": {
      const bytes = rawRequest({ target, headers, body });
      // Insert the line right after the request line.
      const firstEnd = bytes.indexOf("\r\n") + 2;
      return { via: "raw", bytes: Buffer.concat([bytes.subarray(0, firstEnd), Buffer.from(`${c.line}\r\n`, "latin1"), bytes.subarray(firstEnd)]) };
    }
  }
}
