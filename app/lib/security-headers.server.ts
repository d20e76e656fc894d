import { randomBytes } from "node:crypto";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";

/**
 * Security and cache headers for every response, decided in one place just
 * before the headers go out, when the status, the content type and whatever
 * the route set (Cache-Control, Set-Cookie) are known. Remix's Express adapter
 * appends a route's headers to any already set, so setting defaults earlier
 * would give duplicates such as "Cache-Control: public, max-age=1, no-store".
 */

const NONCE_BYTES = 16;
/** Random bytes for the next nonces, drawn 256 nonces at a time (as crypto.randomUUID does): one system call each. */
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

/** A fresh CSP nonce: 128 random bits, one per request, never reused. */
export function createNonce(): string {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * 256);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString("base64", nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/**
 * The policy of every HTML page: no inline script except by this request's
 * nonce, no inline style, nothing from other origins, never framed.
 * `emailPreview` is for the dev mailbox only (it does not exist in
 * production): a message's HTML sits in an `<iframe srcdoc>`, which inherits
 * the page's policy, and emails style everything with `style=""` attributes
 * (mail clients drop `<style>`), so those pages allow inline style attributes,
 * and still no `<style>` element or inline script. The list page gets it too:
 * a document keeps the policy it was loaded with, and the list opens a message
 * by client-side navigation.
 */
export function contentSecurityPolicy(nonce: string, options: { emailPreview?: boolean; queueDashboard?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // bull-board (/admin/queues, platform admins only) styles its page with a <style> element and style attributes.
    options.queueDashboard ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    ...(options.emailPreview ? ["style-src-attr 'unsafe-inline'"] : []),
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}

/**
 * How long a shared cache may keep a public page: fresh for 1 s, then served
 * stale for 1 s more while it fetches a new one. The count in it was at most
 * COUNT_MAX_AGE_MS (2 s) old when rendered, and the petition page may come
 * from the server's own page cache, up to PAGE_CACHE_MAX_AGE_MS (1 s) old, so
 * the count a visitor sees is never more than 5 s behind, as the issue asks.
 * A longer max-age or stale-while-revalidate would break that; even 1 s turns
 * a crowd watching one petition into about one origin request per second per
 * language.
 */
export const PUBLIC_PAGE_CACHE = "public, max-age=1, stale-while-revalidate=1";
/** Public pages differ by language: Accept-Language, or the language switcher's cookie. */
export const PUBLIC_PAGE_VARY = "Accept-Language, Cookie";
export const NO_STORE = "no-store";

/** Pages anyone may see and caches may share: home, a petition, a campaign. */
const PUBLIC_PAGES = [/^\/$/, /^\/petitions\/[^/]+$/i, /^\/campaigns\/[^/]+$/i];
/** Pages that show or take personal data (also caught by the no-store default, listed so a route cannot opt them in). */
const PRIVATE_PAGES = [/^\/confirm\//i, /^\/follow\//i, /^\/(unsubscribe|preferences|erase)(\/|$)/i, /^\/dev\/mail(\/|$)/i, /^\/petitions\/[^/]+\/thanks$/i];
/** The dev mailbox's pages, which show emails as they are (see contentSecurityPolicy). */
const DEV_MAILBOX = /^\/dev\/mail(\/[^/]+)?$/i;
/** bull-board's pages, mounted in http.server.ts (see contentSecurityPolicy). */
const QUEUE_DASHBOARD = /^\/admin\/queues(\/|$)/i;
/** Pages whose URL holds a secret (a confirmation token, a signed link): never sent on as a Referer. */
const SECRET_URLS = [/^\/confirm\//i, /^\/follow\//i, /^\/(unsubscribe|preferences|erase)\/[^/]+/i];

/**
 * The path as Remix's router matches it: decoded, without a trailing slash,
 * and for a single-fetch data request (`/petitions/x.data`, `/_root.data`) the
 * page whose data it is.
 */
export function routePath(pathname: string): string {
  let path = pathname;
  try {
    path = decodeURI(pathname);
  } catch {
    // A malformed escape: Remix answers 400 or 404, which are no-store anyway.
  }
  if (/\.data$/i.test(path)) path = path.slice(0, -".data".length);
  if (path === "/_root") path = "/";
  if (path.length > 1) path = path.replace(/\/+$/, "") || "/";
  return path;
}

export interface ResponseFacts {
  method: string;
  /** The request's pathname (no query). */
  path: string;
  status: number;
  production: boolean;
  nonce: string;
  contentType?: string;
  setsCookie: boolean;
  /** Cache-Control values the handler set (Remix appends, so there may be several). */
  cacheControl: string[];
}

/** Cache-Control for a response: no-store unless it is known to be public. */
export function cacheControlFor(facts: Omit<ResponseFacts, "production" | "nonce" | "contentType">): { cacheControl: string; vary?: string } {
  const path = routePath(facts.path);
  const read = facts.method === "GET" || facts.method === "HEAD";
  if (!read || facts.setsCookie || PRIVATE_PAGES.some((re) => re.test(path))) return { cacheControl: NO_STORE };
  const set = facts.cacheControl.filter(Boolean);
  if (set.some((value) => /\bno-store\b/i.test(value))) return { cacheControl: NO_STORE };
  // The handler's own choice (the count API, static files) stands.
  if (set.length > 0) return { cacheControl: set[set.length - 1] };
  if (facts.status === 200 && PUBLIC_PAGES.some((re) => re.test(path))) return { cacheControl: PUBLIC_PAGE_CACHE, vary: PUBLIC_PAGE_VARY };
  // Anything else (errors, redirects, pages added later) is private until someone decides otherwise.
  return { cacheControl: NO_STORE };
}

/** Every header this module decides, for one response. */
export function securityHeaders(facts: ResponseFacts): { headers: Record<string, string>; vary?: string } {
  const path = routePath(facts.path);
  const headers: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": SECRET_URLS.some((re) => re.test(path)) ? "no-referrer" : "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  };
  if (facts.production) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  if (/^text\/html\b/i.test(facts.contentType ?? "")) {
    headers["Content-Security-Policy"] = contentSecurityPolicy(facts.nonce, { emailPreview: DEV_MAILBOX.test(path), queueDashboard: QUEUE_DASHBOARD.test(path) });
  }
  const cache = cacheControlFor(facts);
  headers["Cache-Control"] = cache.cacheControl;
  return { headers, vary: cache.vary };
}

const asList = (value: number | string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [String(value)];

/**
 * Runs `listener` once, right before the response's headers are written (as
 * the `on-headers` package does, which compression uses the same way).
 * Headers passed to writeHead itself are set first, so the listener sees them.
 */
function beforeHeaders(res: ServerResponse, listener: () => void): void {
  const writeHead = res.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  let fired = false;
  res.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    if (!fired) {
      fired = true;
      this.statusCode = statusCode;
      const last = rest[rest.length - 1];
      if (last && typeof last === "object" && !Array.isArray(last)) {
        for (const [name, value] of Object.entries(last as OutgoingHttpHeaders)) if (value !== undefined) this.setHeader(name, value);
        rest = rest.slice(0, -1);
      }
      const reason = typeof rest[0] === "string" ? rest[0] : undefined;
      listener();
      return reason === undefined ? writeHead.call(this, this.statusCode) : writeHead.call(this, this.statusCode, reason);
    }
    return writeHead.call(this, statusCode, ...rest);
  } as typeof res.writeHead;
}

/** Express-style middleware: a nonce in `res.locals.cspNonce`, and every header above on the way out. */
export function securityHeadersMiddleware(options: { production: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = createNonce();
    res.locals.cspNonce = nonce;
    // Read now: a mounted middleware (express.static at /build) rewrites req.url while it serves.
    const { method, path } = req;
    beforeHeaders(res, () => {
      const { headers, vary } = securityHeaders({
        method,
        path,
        status: res.statusCode,
        production: options.production,
        nonce,
        contentType: asList(res.getHeader("Content-Type"))[0],
        setsCookie: res.hasHeader("Set-Cookie"),
        cacheControl: asList(res.getHeader("Cache-Control")),
      });
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.removeHeader("X-Powered-By");
      if (vary) res.vary(vary);
    });
    next();
  };
}
