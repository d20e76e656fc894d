import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { AppLoadContext } from "@remix-run/node";
import { Queue } from "bullmq";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { getOrganizer } from "~/lib/auth.server";
import { isDatabaseUnavailable } from "~/lib/http.server";
import type { Organizer } from "~/models/organizers.server";
import type { Services } from "~/services.server";
import { OUTBOX_QUEUE } from "../../jobs/queue";

export const QUEUES_PATH = "/admin/queues";

const NOT_FOUND_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head><body>
<h1>Page not found</h1><p><a href="/admin">Back to the workspace</a></p></body></html>`;

/**
 * The organizer signed in on an Express request, read as every Remix route
 * reads it (the signed `sanctuary_session` cookie, the server-side session),
 * so the dashboard and the workspace share one sign-in and one idle timeout.
 */
export async function organizerOfRequest(services: Services, req: Request): Promise<Organizer | null> {
  const request = new globalThis.Request(`http://localhost${req.originalUrl}`, { headers: { Cookie: req.get("cookie") ?? "" } });
  const context = { services, cspNonce: "", clientIp: req.ip ?? "" } as AppLoadContext;
  return getOrganizer(request, context);
}

/**
 * bull-board at /admin/queues for platform admins, when jobs run on Redis
 * (null otherwise: then the workspace's own /admin/queues page shows the
 * outbox from the database). Anyone else gets a 404, as for any page they may
 * not know about; an anonymous visitor of the page itself is sent to sign in.
 * The board reads the web side's Redis connection (services.redis, which fails
 * fast while Redis is away) and is built on first use. Read-only: the outbox
 * in Postgres is the record of what was sent, and the relay re-queues from it.
 */
export function queuesDashboard(services: Services): RequestHandler | null {
  const { redis, env } = services;
  if (!redis) return null;
  let board: RequestHandler | null = null;
  const boardRouter = (): RequestHandler => {
    if (board) return board;
    const queue = new Queue(OUTBOX_QUEUE, { connection: redis, prefix: env.REDIS_PREFIX });
    queue.on("error", (error) => console.warn(`[web] queue dashboard: ${error.message}`));
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUES_PATH);
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
      // @bull-board/express carries its own copy of @bull-board/api's types; the adapter is the same shape.
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
      options: { uiConfig: { boardTitle: "Sanctuary jobs" } },
    });
    board = serverAdapter.getRouter() as RequestHandler;
    return board;
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const organizer = await organizerOfRequest(services, req);
      if (!organizer?.isAdmin) {
        if (!organizer && (req.method === "GET" || req.method === "HEAD") && (req.path === "/" || req.path === "")) {
          res.setHeader("Cache-Control", "no-store");
          return res.redirect(302, `/admin/login?next=${encodeURIComponent(QUEUES_PATH)}`);
        }
        res.status(404).setHeader("Cache-Control", "no-store");
        return res.type("html").send(NOT_FOUND_PAGE);
      }
      boardRouter()(req, res, next);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) return next(error);
      res.status(503).setHeader("Retry-After", "10");
      res.type("text").send("The database is not answering. Try again in a few seconds.");
    }
  };
}
