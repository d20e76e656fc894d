import compression from "compression";
import express from "express";
import type { ServerBuild } from "@remix-run/node";
import { answerCountApiFirst } from "./lib/count-api.server";
import { isCrossSite } from "./lib/http.server";
import { captureFor, publicPageCache } from "./lib/public-page-cache.server";
import { QUEUES_PATH, queuesDashboard } from "./lib/queues-dashboard.server";
import { remixRequestHandler } from "./lib/remix-handler.server";
import { securityHeadersMiddleware } from "./lib/security-headers.server";
import { signBeforeRemix } from "./lib/sign-first.server";
import type { Services } from "./services.server";

const CROSS_SITE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title></head><body>
<h1>This form was sent from another site</h1><p>We did not accept it. Open the petition page and sign there.</p>
<h1 lang="es">Este formulario se envió desde otro sitio</h1><p lang="es">No lo aceptamos. Abra la página de la petición y firme allí.</p>
</body></html>`;

/**
 * The Express app around the Remix build: static files, security and cache headers, and
 * the services handed to every loader and action as load context. Kept apart
 * from server.ts so tests can run several apps, each on its own database.
 */
export function createHttpApp(services: Services, build: ServerBuild): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Which proxies may say who the client is (X-Forwarded-For): the per-IP signing limit depends on it.
  const hops = Number(services.env.TRUST_PROXY);
  app.set("trust proxy", Number.isInteger(hops) ? hops : services.env.TRUST_PROXY);
  app.use(compression());
  // CSP (with a nonce per request), HSTS, Referrer-Policy, Cache-Control…: see security-headers.server.ts.
  app.use(securityHeadersMiddleware({ production: services.env.NODE_ENV === "production" }));
  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  // Only the files public/ holds at the top (favicon.ico): a static handler for "/" would ask the disk on every request.
  app.get("/favicon.ico", (_req, res) => res.sendFile("favicon.ico", { root: "public", maxAge: "1d" }));
  app.use((req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const crossSite = isCrossSite({
      origin: req.get("origin"),
      secFetchSite: req.get("sec-fetch-site"),
      host: req.get("host"),
      forwardedHost: req.get("x-forwarded-host"),
    });
    if (!crossSite) return next();
    res.status(403).setHeader("Cache-Control", "no-store");
    res.type("html").send(CROSS_SITE_PAGE);
  });
  app.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ ok: true });
  });
  // bull-board for platform admins when jobs run on Redis; without Redis the workspace's own page answers.
  const queues = queuesDashboard(services);
  if (queues) app.use(QUEUES_PATH, queues);
  // A NUL in the path (/petitions/%00) would reach Postgres in a slug or token, which refuses it with an error.
  app.use((req, res, next) => (/%00/.test(req.path) ? badRequest(res) : next()));
  // What Remix's adapter cannot make a fetch Request of (it would answer 500): a method fetch refuses, and a
  // Host with credentials in it ("a@b"). Unparseable hosts and targets are caught after it (ERR_INVALID_URL).
  app.use((req, res, next) => {
    if (req.method === "TRACE" || req.method === "TRACK") return void res.status(405).end();
    if ([req.get("host"), req.get("x-forwarded-host")].some((host) => host?.includes("@"))) return badRequest(res);
    next();
  });
  // Remix's adapter pauses the request stream until the route reads it; a route that answers without reading all
  // of it (413, 415) would leave the connection stalled, and the client's next request on it would hang. Once the
  // answer is out, drop the rest of the body, as Node does for a request nobody read.
  app.use((req, res, next) => {
    res.on("finish", () => {
      if (req.complete) return;
      req.removeAllListeners("data");
      req.resume();
    });
    next();
  });
  // Signing, the busiest POST, is answered before Remix when the form is valid (see sign-first.server.ts).
  app.post("/petitions/:slug", signBeforeRemix(services));
  // The petition page, the busiest GET, is answered from a page Remix rendered up to 1 s ago (public-page-cache.server.ts).
  app.get("/petitions/:slug", publicPageCache(services.db));
  app.all(
    "*",
    remixRequestHandler({
      build,
      mode: services.env.NODE_ENV === "production" ? "production" : "development",
      getLoadContext: (req, res) => ({ services, cspNonce: String(res.locals.cspNonce), clientIp: req.ip ?? "" }),
      keepAnswer: captureFor,
    }),
  );
  // The client's fault, not a 500: a request whose URL Remix's adapter cannot build (a Host such as "a b" or
  // "x:99999999", an absolute-form or "*" target) or a path with a malformed escape (/petitions/%E0%A4%A).
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (error instanceof URIError || (error as { code?: string } | null)?.code === "ERR_INVALID_URL") return badRequest(res);
    next(error);
  });
  // The count API, polled by every open petition page and every widget, is answered before all of the above (see
  // count-api.server.ts); the Remix route answers what that does not take.
  return answerCountApiFirst(app, services, { production: services.env.NODE_ENV === "production" });
}

function badRequest(res: express.Response) {
  res.status(400).setHeader("Cache-Control", "no-store");
  res.type("text").send("Bad request");
}
