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
  .map(({ base, bad, duplicates, junk }) => {
    const missing = "missing" in bad ? bad.missing : null;
    let fields = base.filter(([name]) => name !== missing);
    if (!("missing" in bad)) {
      const at = fields.findIndex(([name]) => name === bad.field);
      if (at >= 0) fields[at] = [bad.field, bad.value];
      else fields.push([bad.field, bad.value]);
    }
    fields = [...fields, ...duplicates.filter(([name]) => name !== missing), ...junk];
    return { bad, fields };
  });

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

export type SignCase =
  | { why: "bad field"; bad: BadField; post: FormPost }
  | { why: "foreign origin" | "cross-site fetch" | "wrong content type" | "closed petition" | "unknown petition" | "broken multipart"; post: FormPost }
  | { why: "oversized body"; post: FormPost };

/** POST /petitions/:slug (and its single-fetch twin /petitions/:slug.data), each request invalid in one way. */
export function signCases(app: AppInfo): fc.Arbitrary<SignCase> {
  const path = (slug: fc.Arbitrary<string>) =>
    fc.tuple(slug, fc.boolean(), query).map(([s, data, q]) => `/petitions/${s}${data ? ".data" : ""}${q}`);
  const openPath = path(fc.constant(app.openSlug));
  const encoding = fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart");
  const unknownSlug = garbageSegment.filter((segment) => !app.slugs.has(decodesTo(segment) ?? ""));
  const chunked = fc.boolean();

  const badField = fc
    .record({ signature: signatureWithBadField, path: openPath, site: sameSite, encoding, odd: fc.option(fc.constantFrom(...ODD_FORM_TYPES), { nil: undefined, freq: 4 }), headers: extraHeaders, chunked })
    .map(({ signature, path, site, encoding, odd, headers, chunked }): SignCase => ({
      why: "bad field",
      bad: signature.bad,
      post: { path, ...site, encoding, contentType: encoding === "urlencoded" ? odd : undefined, fields: signature.fields, headers, chunked },
    }));
  const envelope = <W extends SignCase["why"]>(why: W, post: fc.Arbitrary<FormPost>) => post.map((p) => ({ why, post: p }) as SignCase);
  return fc.oneof(
    { weight: 50, arbitrary: badField },
    {
      weight: 8,
      arbitrary: envelope(
        "foreign origin",
        fc.record({ path: openPath, origin: foreignOrigin(app), encoding, fields: validSignature, chunked }),
      ),
    },
    {
      weight: 3,
      arbitrary: envelope(
        "cross-site fetch",
        fc.record({ path: openPath, origin: fc.constant<OriginMode>("none"), secFetchSite: fc.constant("cross-site"), encoding, fields: validSignature }),
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
          fields: validSignature,
          chunked,
        }),
      ),
    },
    {
      weight: 4,
      arbitrary: envelope("closed petition", fc.record({ path: path(fc.constant(app.closedSlug)), origin: fc.constantFrom<OriginMode>("same", "none"), encoding, fields: validSignature })),
    },
    {
      weight: 8,
      arbitrary: envelope("unknown petition", fc.record({ path: path(unknownSlug), origin: fc.constantFrom<OriginMode>("same", "none"), encoding, fields: validSignature, chunked })),
    },
    {
      weight: 12,
      arbitrary: fc
        .record({ signature: signatureWithBadField, path: openPath, site: sameSite, broken: multipartBreak, chunked })
        .map(({ signature, path, site, broken, chunked }): SignCase => ({
          why: "broken multipart",
          post: { path, ...site, encoding: "multipart", fields: signature.fields, broken, chunked },
        })),
    },
    {
      weight: 5,
      arbitrary: fc
        .record({
          // No query: with one, Remix may refuse the request before the action reads the body (?_data=…: 403).
          path: fc.boolean().map((data) => `/petitions/${app.openSlug}${data ? ".data" : ""}`),
          origin: fc.constantFrom<OriginMode>("same", "none"),
          encoding,
          fields: validSignature,
          big: fc.record({
            name: fc.constantFrom("padding", "comment", "firstName", "email", "website", "__proto__"),
            size: fc.integer({ min: 64 * 1024 + 1, max: 1024 * 1024 }),
          }),
          chunked,
        })
        .map(({ path, origin, encoding, fields, big, chunked }): SignCase => ({
          why: "oversized body",
          // The big field goes last: the fields before it make a valid signature, so only the size check stands between it and a row.
          post: { path, origin, encoding, fields: [...fields, [big.name, { repeat: "a", times: big.size }]], chunked },
        })),
    },
  );
}

/**
 * A POST to `path` with these fields, wrapped in any envelope: same-site or no
 * Origin mostly, sometimes a foreign one; the right content type mostly,
 * sometimes a wrong or odd one; urlencoded or multipart, sometimes broken;
 * junk headers; chunked or not.
 */
function formPosts(app: AppInfo, path: fc.Arbitrary<string>, fields: fc.Arbitrary<Field[]>, headers: fc.Arbitrary<Record<string, string>> = extraHeaders): fc.Arbitrary<FormPost> {
  return fc.record({
    path,
    origin: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<OriginMode>("same", "none") }, { weight: 1, arbitrary: foreignOrigin(app) }),
    encoding: fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart"),
    contentType: fc.option(fc.constantFrom(...WRONG_CONTENT_TYPES, ...ODD_FORM_TYPES), { nil: undefined, freq: 4 }),
    fields,
    broken: fc.option(multipartBreak, { nil: undefined, freq: 3 }),
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
 * POST /admin/login. Why nothing is written: there is no organizer account in
 * this database, so every attempt fails; a failed attempt is counted in
 * login_failures (by design), which the suite leaves out of its comparison.
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
  endpoint: "sign" | "confirm" | "locale";
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
  const base = fc.record({ endpoint: fc.constantFrom<RawBase["endpoint"]>("sign", "confirm", "locale"), origin: fc.boolean() });
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

/** A body the endpoint refuses on its own: a signature without a valid email, an unknown token, an unknown locale. */
function rawBaseRequest(base: RawBase, app: AppInfo): { target: string; body: Buffer } {
  const body =
    base.endpoint === "sign"
      ? urlencodedBody([["firstName", text("Ana")], ["lastName", text("x\r\nBcc: victim@example.com")], ["email", text("not-an-email")], ["postalCode", text("94110")]])
      : base.endpoint === "confirm"
        ? Buffer.from("intent=resend")
        : Buffer.from("locale=xx&returnTo=%2F");
  const target = base.endpoint === "sign" ? `/petitions/${app.openSlug}` : base.endpoint === "confirm" ? `/confirm/${"A".repeat(43)}` : "/locale";
  return { target, body };
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
