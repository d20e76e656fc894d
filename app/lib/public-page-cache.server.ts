import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Kysely } from "kysely";
import type { DB } from "../../db/schema";
import { localeCookie, localeFromHeaders } from "~/i18n/locale.server";
import { sharedState } from "~/lib/shared-state.server";

/**
 * The public petition page as Remix last rendered it, per petition and
 * language, answered from memory for PAGE_CACHE_MAX_AGE_MS. A petition in the
 * news is one page read by a crowd: rendering it costs Remix and React several
 * milliseconds of CPU, sending it from memory a few microseconds.
 *
 * Only what every visitor would get alike is kept: a GET or HEAD of
 * /petitions/<slug> with no query (a `?source=` link fills the form's hidden
 * fields; Remix's `?_data=` requests are data, not pages) and no cookie but
 * the language switcher's, answered 200 as HTML without setting a cookie. The
 * page carries its request's CSP nonce; it is kept split around that nonce,
 * and each answer joins the parts with its own request's nonce, which the
 * security headers also name.
 *
 * How old it may be: the count in a page was at most COUNT_MAX_AGE_MS (2 s)
 * old when rendered, it stays here at most 1 s, and shared caches keep it 1 s
 * fresh and 1 s stale (PUBLIC_PAGE_CACHE), so a count is never more than 5 s
 * behind. An organizer's save, moderation and a person's erasure forget every
 * page at once in the process that made the change (forgetPublicPages); other
 * web processes (WEB_CONCURRENCY) show the change within PAGE_CACHE_MAX_AGE_MS.
 */
export const PAGE_CACHE_MAX_AGE_MS = 1_000;
/** Pages kept per database at most: a crawler walking every petition must not grow it without end. */
const MAX_PAGES = 500;

interface CachedPage {
  expires: number;
  /** The headers Remix's response had, in order (the security headers are added again per answer). */
  headers: [string, string][];
  /** The body split around the nonce of the request that rendered it, as bytes ready to send. */
  parts: Buffer[];
  /** The body's length less the nonces'. */
  partsLength: number;
}

type Pages = Map<string, CachedPage>;

// Per database; one per process: an editor's save runs in the Remix build's copy of this module, the answers in server.ts's.
const registry = sharedState("publicPages", () => new WeakMap<Kysely<DB>, Pages>());

function pagesOf(db: Kysely<DB>): Pages {
  let pages = registry.get(db);
  if (!pages) {
    pages = new Map();
    registry.set(db, pages);
  }
  return pages;
}

/** Forgets every cached public page of this database in this process: after a change that a page shows. */
export function forgetPublicPages(db: Kysely<DB>): void {
  registry.get(db)?.clear();
}

const PAGE_PATH = /^\/petitions\/([A-Za-z0-9-]+)$/;

/** The page's key, or null when the request may differ from what others get (see above). */
async function keyOf(req: Request): Promise<string | null> {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  const match = PAGE_PATH.exec(req.url);
  if (!match) return null;
  const cookie = req.headers.cookie;
  if (cookie && cookie.split(";").some((part) => part.split("=")[0].trim() !== localeCookie.name)) return null;
  return `${match[1]}\n${await localeFromHeaders(cookie, req.headers["accept-language"])}`;
}

/** Requests whose Remix answer may be kept, and under which key (set by the middleware, read by captureFor). */
const slots = new WeakMap<IncomingMessage, { pages: Pages; key: string; nonce: string }>();

/**
 * Express middleware, ahead of Remix: answers a cached page, or marks the
 * request so that Remix's answer is kept (see captureFor).
 */
export function publicPageCache(db: Kysely<DB>) {
  return (req: Request, res: Response, next: NextFunction) => {
    keyOf(req).then(
      (key) => {
        if (key === null) return next();
        const pages = pagesOf(db);
        const page = pages.get(key);
        const nonce = String(res.locals.cspNonce ?? "");
        if (!nonce) return next();
        if (!page || page.expires <= Date.now()) {
          // A HEAD's answer has no body to keep.
          if (req.method === "GET") slots.set(req, { pages, key, nonce });
          return next();
        }
        const nonceBytes = Buffer.from(nonce);
        const length = page.partsLength + nonceBytes.length * (page.parts.length - 1);
        res.status(200);
        for (const [name, value] of page.headers) res.append(name, value);
        res.setHeader("Content-Length", length);
        if (req.method === "HEAD") return void res.end();
        // Written piece by piece: Node sends writes made in one tick together (one writev), with no copy of the page.
        const last = page.parts.length - 1;
        for (let i = 0; i < last; i++) {
          res.write(page.parts[i]);
          res.write(nonceBytes);
        }
        res.end(page.parts[last]);
      },
      (error: unknown) => next(error),
    );
  };
}

/**
 * For remix-handler.server.ts: where to keep Remix's answer to this request,
 * or undefined when it is not a cacheable page. The returned function takes
 * the response's status, headers and whole body once it has been sent.
 */
export function captureFor(req: IncomingMessage): ((status: number, headers: Headers, body: Buffer) => void) | undefined {
  const slot = slots.get(req);
  if (!slot) return undefined;
  return (status, headers, body) => {
    if (status !== 200 || headers.has("Set-Cookie") || !/^text\/html\b/i.test(headers.get("Content-Type") ?? "")) return;
    const { pages, key, nonce } = slot;
    // Oldest first: make room by dropping the page stored longest ago.
    pages.delete(key);
    if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value!);
    const parts = body
      .toString("utf8")
      .split(nonce)
      .map((part) => Buffer.from(part));
    const partsLength = parts.reduce((sum, part) => sum + part.length, 0);
    pages.set(key, { expires: Date.now() + PAGE_CACHE_MAX_AGE_MS, headers: [...headers.entries()], parts, partsLength });
  };
}
