import type { IncomingMessage, ServerResponse } from "node:http";
import type { Express } from "express";
import { isDatabaseUnavailable } from "~/lib/http.server";
import { PUBLIC_PAGE_CACHE, securityHeaders } from "~/lib/security-headers.server";
import { getPetitionRef, peekPetitionRef, type PetitionRef } from "~/models/petitions.server";
import type { Services } from "~/services.server";

/**
 * The public count, `GET /api/petitions/:slug`: confirmed signatures only.
 *
 * How old it may be: the count is cached per process for COUNT_MAX_AGE_MS
 * (2 s), and shared caches may keep the answer 1 s fresh + 1 s stale, so a
 * reader never sees a count more than 4 s old. The petition itself (title,
 * goal, status) comes from getPetitionRef, at most PETITION_REF_MAX_AGE_MS
 * (1 s) old, so it is never more than 3 s old.
 */
export interface CountApiAnswer {
  status: 200 | 404 | 503;
  body: string;
  cacheControl: string;
}

type CountServices = Pick<Services, "db" | "counts">;

/** The public pages' rule, whose sum with the count's own cache a test holds to 5 s. */
export const COUNT_API_CACHE = PUBLIC_PAGE_CACHE;
const NOT_FOUND: CountApiAnswer = { status: 404, body: JSON.stringify({ error: "No petition with that slug" }), cacheControl: "public, max-age=5" };
const UNAVAILABLE: CountApiAnswer = { status: 503, body: JSON.stringify({ error: "Temporarily unavailable; try again shortly" }), cacheControl: "no-store" };

/** The last body made for a petition ref (a ref is replaced when it is looked up again), while its count stays the same. */
const bodies = new WeakMap<PetitionRef, { count: number; answer: CountApiAnswer }>();

function found(petition: PetitionRef, signatureCount: number): CountApiAnswer {
  const last = bodies.get(petition);
  if (last?.count === signatureCount) return last.answer;
  const body = JSON.stringify({ slug: petition.slug, title: petition.title, signatureCount, goal: petition.goal, status: petition.status });
  const answer: CountApiAnswer = { status: 200, body, cacheControl: COUNT_API_CACHE };
  bodies.set(petition, { count: signatureCount, answer });
  return answer;
}

/** The answer for a slug; throws only what is a bug (a 500), never for an unknown slug or the database being away. */
export async function countApiAnswer(services: CountServices, slug: string): Promise<CountApiAnswer> {
  try {
    const petition = await getPetitionRef(services.db, slug);
    if (!petition) return NOT_FOUND;
    return found(petition, await services.counts.get(petition.id));
  } catch (error) {
    if (isDatabaseUnavailable(error)) return UNAVAILABLE;
    throw error;
  }
}

/** The answer from what the process already holds, without waiting; undefined when the database must be asked. */
function cachedAnswer(services: CountServices, slug: string): CountApiAnswer | undefined {
  const petition = peekPetitionRef(services.db, slug);
  if (petition === null) return NOT_FOUND;
  if (petition === undefined) return undefined;
  const count = services.counts.peek(petition.id);
  return count === undefined ? undefined : found(petition, count);
}

/** The headers of every answer, besides Cache-Control (security headers come from the HTTP layer, as for any response). */
export const COUNT_API_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*" } as const;

/**
 * Paths answered here: a plain slug, with or without a trailing slash and a
 * query, matched without regard to case as Remix's router does. Anything else
 * (an escaped character, a single-fetch `.data` request) goes on to the Remix
 * route, which gives the same answer more slowly.
 */
const PATH = /^\/api\/petitions\/([A-Za-z0-9-]+)\/?(?:\?|$)/i;

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Answers GET and HEAD of the count API before the Express app sees the
 * request. It is the most polled URL while a petition is in the news: through
 * Remix each answer cost about 1.6 ms of CPU (a fetch Request, route matching,
 * a query built per request), and even Express's own request setup costs three
 * times what sending the answer does. So this takes the request where Express
 * takes it from Node (`app.handle`, which `app.listen` and a parent app both
 * call), and sets the headers the middleware it skips would have: the security
 * headers from the same rules (securityHeaders), and `Vary: Accept-Encoding`
 * as compression does (which would not compress a body this small anyway: its
 * length is known). Anything unexpected goes to the app as usual.
 */
export function answerCountApiFirst(app: Express, services: CountServices, options: { production: boolean }): Express {
  // The headers depend only on the answer here (the path is always the count API's, GET and HEAD are both reads, and
  // no cookie or nonce is involved), and answers are reused (see found): make each answer's headers once.
  const headerSets = new WeakMap<CountApiAnswer, Record<string, string>>();
  const headersFor = (answer: CountApiAnswer, method: string, url: string) => {
    let headers = headerSets.get(answer);
    if (!headers) {
      const security = securityHeaders({
        method,
        path: url.split("?")[0],
        status: answer.status,
        production: options.production,
        nonce: "",
        contentType: COUNT_API_HEADERS["Content-Type"],
        setsCookie: false,
        cacheControl: [answer.cacheControl],
      });
      headers = { ...COUNT_API_HEADERS, ...security.headers, Vary: "Accept-Encoding", "Content-Length": String(Buffer.byteLength(answer.body)) };
      headerSets.set(answer, headers);
    }
    return headers;
  };
  const send = (res: ServerResponse, answer: CountApiAnswer, method: string, url: string) => {
    // As the security-headers middleware does, for a parent app that set it (tests mount the app in one).
    res.removeHeader("X-Powered-By");
    res.writeHead(answer.status, headersFor(answer, method, url));
    res.end(method === "HEAD" ? undefined : answer.body);
  };
  const appHandle = (app as unknown as { handle: Handle }).handle.bind(app);
  const handle: Handle = (req, res, next) => {
    const { method, url = "", headers } = req;
    const match = method === "GET" || method === "HEAD" ? PATH.exec(url) : null;
    // A Host with credentials in it is refused by the app (http.server.ts): let it get there.
    if (!match || headers.host?.includes("@") || headers["x-forwarded-host"]?.includes("@")) return appHandle(req, res, next);
    const slug = match[1];
    const cached = cachedAnswer(services, slug);
    if (cached) return send(res, cached, method!, url);
    countApiAnswer(services, slug).then(
      (answer) => send(res, answer, method!, url),
      // A bug, not the database being away: the app's own route answers (and logs it) as for any other error.
      () => appHandle(req, res, next),
    );
  };
  (app as unknown as { handle: Handle }).handle = handle;
  return app;
}
