import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cacheControlFor,
  contentSecurityPolicy,
  createNonce,
  PUBLIC_PAGE_CACHE,
  securityHeaders,
} from "../../app/lib/security-headers.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import { startSmtpSink, type SmtpSink } from "../support/smtp";

// Issue 5, item 6: an enforced CSP with a nonce per request, HSTS in production,
// the other security headers on every response, and no-store on every page
// that shows or takes personal data while public pages stay cacheable.

let database: TestDatabase;
let app: TestApp;
const page = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  database = await createTestDatabase();
  // No SMTP_URL: mail goes to the dev mailbox, so /dev/mail exists.
  app = await startTestApp({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const NO_STORE = "no-store";

/** The nonce in a response's CSP, after checking the whole policy. */
function expectStrictCsp(res: Response, options: { emailPreview?: boolean } = {}): string {
  const csp = res.headers.get("content-security-policy");
  expect(csp, "Content-Security-Policy").not.toBeNull();
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp!)?.[1];
  expect(nonce, "nonce in the CSP").toBeDefined();
  expect(Buffer.from(nonce!, "base64")).toHaveLength(16);
  expect(csp).toBe(
    "default-src 'self'; " +
      `script-src 'self' 'nonce-${nonce}'; ` +
      "style-src 'self'; " +
      (options.emailPreview ? "style-src-attr 'unsafe-inline'; " : "") +
      "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
      "frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
  );
  expect(res.headers.get("content-security-policy-report-only")).toBeNull();
  return nonce!;
}

/** Every `<script>` in the page carries this nonce, and nothing uses an inline style attribute. */
function expectScriptsNonced(html: string, nonce: string) {
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
}

function expectCommonHeaders(res: Response, options: { referrer?: string } = {}) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe(options.referrer ?? "strict-origin-when-cross-origin");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(res.headers.get("permissions-policy")).toBe("camera=(), microphone=(), geolocation=()");
  // Not in test mode: HSTS is for production only (a developer's http://localhost must keep working).
  expect(res.headers.get("strict-transport-security")).toBeNull();
  expect(res.headers.get("x-powered-by")).toBeNull();
}

/** A public, shareable page: cacheable for a few seconds, by language. */
function expectPublicPage(res: Response) {
  expect(res.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
  const vary = (res.headers.get("vary") ?? "").split(/\s*,\s*/).map((v) => v.toLowerCase());
  expect(vary).toEqual(expect.arrayContaining(["accept-language", "cookie"]));
}

async function htmlPage(res: Response, status: number, options: { referrer?: string; emailPreview?: boolean } = {}) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  expectCommonHeaders(res, options);
  const nonce = expectStrictCsp(res, options);
  const html = await res.text();
  expectScriptsNonced(html, nonce);
  return { nonce, html };
}

async function devMailTo(email: string) {
  let row: { id: number; html: string } | undefined;
  await waitUntil(
    async () => {
      row = await database.db.selectFrom("dev_mail").select(["id", "html"]).where("to_address", "=", email).executeTakeFirst();
      return row !== undefined;
    },
    15_000,
    `an email to ${email}`,
  );
  return row!;
}

describe("security headers on every response", () => {
  it("home page: strict CSP, public cache that varies by language", async () => {
    const res = await app.get("/");
    expectPublicPage(res);
    await htmlPage(res, 200);
  });

  it("petition page: strict CSP whose nonce is on every script, a fresh nonce per request, public cache", async () => {
    const first = await app.get(page);
    expectPublicPage(first);
    const { nonce, html } = await htmlPage(first, 200);
    // The goal bar is a <progress>: no inline style attribute that style-src 'self' would block.
    expect(html).toContain('<progress class="goal-bar"');
    expect(html).not.toMatch(/\sstyle="/);
    const second = await htmlPage(await app.get(page), 200);
    expect(second.nonce).not.toBe(nonce);
    expect(second.html).not.toContain(nonce);
  });

  it("a petition's client-side data request is cached like its page", async () => {
    const res = await app.get(`${page}.data`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    expectPublicPage(res);
    expect(res.headers.get("content-security-policy")).toBeNull();
  });

  it("a 422 (the form with what was typed) is no-store", async () => {
    const res = await app.post(page, { firstName: "Ana", lastName: "", email: "typed@example.com", postalCode: "1" });
    expect(res.headers.get("cache-control")).toBe(NO_STORE);
    const { html } = await htmlPage(res, 422);
    expect(html).toContain('value="typed@example.com"');
  });

  it("a 302 after signing, the thank-you page and the confirmation page are no-store; the confirmation URL is never a Referer", async () => {
    const email = `headers.${Date.now()}@example.com`;
    const signed = await app.post(page, signerFields({ email }));
    expect(signed.status).toBe(302);
    expect(signed.headers.get("cache-control")).toBe(NO_STORE);
    expectCommonHeaders(signed);

    const thanks = await app.get(signed.headers.get("location")!);
    expect(thanks.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(thanks, 200);

    const mail = await devMailTo(email);
    const confirmPath = /\/confirm\/[^"?&\s]+/.exec(mail.html)?.[0];
    expect(confirmPath).toBeDefined();
    const shown = await app.get(confirmPath!);
    expect(shown.headers.get("cache-control")).toBe(NO_STORE);
    const { html } = await htmlPage(shown, 200, { referrer: "no-referrer" });
    expect(html).toContain("Confirm my signature");

    const confirmed = await app.post(confirmPath!, {});
    expect(confirmed.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(confirmed, 200, { referrer: "no-referrer" });

    // An unknown token: still no-store and no-referrer (one value each, not the default and the route's both).
    const unknown = await app.get("/confirm/not-a-token");
    expect(unknown.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(unknown, 404, { referrer: "no-referrer" });
  });

  it("the dev mailbox is no-store and lets only the email preview use inline style attributes", async () => {
    const email = `mailbox.${Date.now()}@example.com`;
    await app.post(page, signerFields({ email }));
    const { id } = await devMailTo(email);
    const list = await app.get("/dev/mail");
    expect(list.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(list, 200, { emailPreview: true });
    const message = await app.get(`/dev/mail/${id}`);
    expect(message.headers.get("cache-control")).toBe(NO_STORE);
    const { html } = await htmlPage(message, 200, { emailPreview: true });
    expect(html).toMatch(/<iframe[^>]*srcDoc=|<iframe[^>]*srcdoc=/i);
  });

  it("the count API keeps its short public cache and gets no CSP (it is not HTML)", async () => {
    const res = await app.get(`/api/petitions/${SEEDED_PETITION}`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    expect(res.headers.get("cache-control")).toBe("public, max-age=1, stale-while-revalidate=1");
    expect(res.headers.get("content-security-policy")).toBeNull();
  });

  it("a 404 page has the strict CSP and is no-store", async () => {
    const res = await app.get("/no-such-page");
    expect(res.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(res, 404);
    const petition = await app.get("/petitions/no-such-petition");
    expect(petition.headers.get("cache-control")).toBe(NO_STORE);
    await htmlPage(petition, 404);
  });

  it("a response that sets a cookie is no-store", async () => {
    const res = await app.post("/locale", { locale: "es", returnTo: page });
    expect(res.status).toBe(302);
    expect(res.headers.get("set-cookie")).toMatch(/^lang=/);
    expect(res.headers.get("cache-control")).toBe(NO_STORE);
    expectCommonHeaders(res);
  });

  it("a refused cross-site post gets the headers too", async () => {
    const res = await app.post(page, signerFields(), { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe(NO_STORE);
    expectCommonHeaders(res);
    expectStrictCsp(res);
  });

  it("static build assets stay immutable for a year", async () => {
    const html = await (await app.get("/")).text();
    const asset = /\/build\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const res = await app.get(asset!);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expectCommonHeaders(res);
  });
});

describe("in production", () => {
  let smtp: SmtpSink;
  let production: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    production = await startTestApp({ NODE_ENV: "production", DATABASE_URL: database.url, SMTP_URL: smtp.url });
  });

  afterAll(async () => {
    await production?.close();
    await smtp?.close();
  });

  it("adds HSTS to every response, with the same CSP", async () => {
    for (const path of ["/", page, `/api/petitions/${SEEDED_PETITION}`, "/no-such-page"]) {
      const res = await production.get(path);
      expect(res.headers.get("strict-transport-security"), path).toBe("max-age=63072000; includeSubDomains");
    }
    const res = await production.get(page);
    expect(res.status).toBe(200);
    const nonce = expectStrictCsp(res);
    expectScriptsNonced(await res.text(), nonce);
    // No dev mailbox in production.
    expect((await production.get("/dev/mail")).status).toBe(404);
  });
});

describe("the header rules", () => {
  it("gives every response a nonce of its own: 128 bits, never the same, across refills of the random pool", () => {
    const nonces = Array.from({ length: 1000 }, () => createNonce());
    expect(new Set(nonces).size).toBe(nonces.length);
    for (const nonce of nonces) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });

  const facts = { method: "GET", status: 200, setsCookie: false, cacheControl: [] as string[] };

  it("caches only known public pages, and only a 200 to a GET without a cookie", () => {
    for (const path of ["/", "/petitions/x", "/petitions/x/", "/campaigns/y", "/petitions/x.data", "/_root.data"]) {
      expect(cacheControlFor({ ...facts, path }).cacheControl, path).toBe(PUBLIC_PAGE_CACHE);
    }
    for (const path of ["/petitions/x/thanks", "/PETITIONS/x/Thanks", "/confirm/abc", "/%63onfirm/abc", "/dev/mail", "/dev/mail/1", "/locale", "/organizer"]) {
      expect(cacheControlFor({ ...facts, path }).cacheControl, path).toBe(NO_STORE);
    }
    expect(cacheControlFor({ ...facts, path: "/petitions/x", method: "POST" }).cacheControl).toBe(NO_STORE);
    expect(cacheControlFor({ ...facts, path: "/petitions/x", status: 404 }).cacheControl).toBe(NO_STORE);
    expect(cacheControlFor({ ...facts, path: "/petitions/x", setsCookie: true }).cacheControl).toBe(NO_STORE);
    // A handler's own choice stands, unless the path is private; no-store anywhere in it wins.
    expect(cacheControlFor({ ...facts, path: "/api/petitions/x", cacheControl: ["public, max-age=2"] }).cacheControl).toBe("public, max-age=2");
    expect(cacheControlFor({ ...facts, path: "/confirm/abc", cacheControl: ["public, max-age=60"] }).cacheControl).toBe(NO_STORE);
    expect(cacheControlFor({ ...facts, path: "/", cacheControl: ["public, max-age=1", "no-store"] }).cacheControl).toBe(NO_STORE);
  });

  it("keeps the count within 5 s from a shared cache: max-age plus stale-while-revalidate plus the server's page and count caches", async () => {
    const { COUNT_MAX_AGE_MS } = await import("../../app/models/counts.server");
    const { PAGE_CACHE_MAX_AGE_MS } = await import("../../app/lib/public-page-cache.server");
    const seconds = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(PUBLIC_PAGE_CACHE)?.[1]);
    expect(seconds("max-age") + seconds("stale-while-revalidate") + (PAGE_CACHE_MAX_AGE_MS + COUNT_MAX_AGE_MS) / 1000).toBeLessThanOrEqual(5);
  });

  it("adds HSTS only in production, and the CSP only to HTML", () => {
    const base = { ...facts, path: "/", nonce: "bm9uY2U=", contentType: "text/html; charset=utf-8" };
    expect(securityHeaders({ ...base, production: false }).headers["Strict-Transport-Security"]).toBeUndefined();
    expect(securityHeaders({ ...base, production: true }).headers["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(securityHeaders({ ...base, production: true }).headers["Content-Security-Policy"]).toBe(contentSecurityPolicy("bm9uY2U="));
    expect(securityHeaders({ ...base, production: true, contentType: "application/json" }).headers["Content-Security-Policy"]).toBeUndefined();
  });
});
