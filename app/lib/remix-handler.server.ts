import { createReadableStreamFromReadable, createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";

/**
 * Remix's Express adapter, but sending the body with backpressure. The stock
 * adapter writes every chunk without waiting for the client, so a 1M-row CSV
 * export to a slow client piles up in memory; here the export reads its next
 * page only when the client has taken the last, and a client that goes away
 * cancels it.
 */
/**
 * Writes the body chunk by chunk, waiting for "drain" when the client is behind,
 * and flushing each chunk through compression (so a streamed page or export
 * reaches the client as it is made, not when gzip's buffer fills).
 *
 * The client leaving cancels the reader, which ends a pending read at once.
 * No Promise.race against a promise of "close": each race leaves a reaction
 * on that promise, holding the race's result, until the response closes;
 * for a streamed export that kept every chunk sent (a 155 MB export, 155 MB
 * more memory).
 */
async function sendBody(body: ReadableStream<Uint8Array>, res: ExpressResponse & { flush?: () => void }, kept?: Uint8Array[]) {
  const reader = body.getReader();
  let gone = false;
  let wake: (() => void) | null = null;
  const onClose = () => {
    gone = true;
    wake?.();
    reader.cancel(new Error("client went away")).catch(() => undefined);
  };
  res.once("close", onClose);
  // One "drain" listener for the whole body, not one per wait: compression hands res.on("drain") to its gzip
  // stream but not res.removeListener, so a listener added per wait (events.once) would never be removed.
  res.on("drain", () => wake?.());
  try {
    for (;;) {
      const next = await reader.read();
      if (gone) throw new Error("client went away");
      if (next.done) break;
      kept?.push(next.value);
      if (!res.write(next.value)) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (gone) throw new Error("client went away");
      }
      res.flush?.();
    }
    res.end();
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    res.removeListener("close", onClose);
  }
}

/** Bodies already read from a request by a handler ahead of Remix (signBeforeRemix) that then left it to Remix. */
const bodiesReadBefore = new WeakMap<IncomingMessage, Buffer>();

/** Hands Remix a request whose body a handler ahead of it has read: Remix gets those bytes instead of the spent stream. */
export function handBodyToRemix(req: IncomingMessage, body: Buffer): void {
  bodiesReadBefore.set(req, body);
}

/** The fetch Request for an Express request, built as @remix-run/express builds it (which does not export it in its types). */
function createRemixRequest(req: ExpressRequest, res: ExpressResponse): Request {
  // req.hostname honours "trust proxy" but drops the port: take that from X-Forwarded-Host or Host.
  const portOf = (host: string | undefined) => Number.parseInt(host?.split(":")[1] ?? "", 10);
  const port = [portOf(req.get("X-Forwarded-Host")), portOf(req.get("host"))].find(Number.isSafeInteger);
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else if (values) headers.set(key, values);
  }
  // Abort loaders and actions once the response can no longer be written ("close" before "finish").
  let controller: AbortController | null = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    const readBefore = bodiesReadBefore.get(req);
    init.body = readBefore ? new Uint8Array(readBefore) : createReadableStreamFromReadable(req);
    init.duplex = "half";
  }
  return new Request(url.href, init);
}

export function remixRequestHandler(options: {
  build: ServerBuild;
  mode: string;
  getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
  /** Whether to keep this request's answer, and where: given the status, headers and whole body once all is sent. */
  keepAnswer?: (req: ExpressRequest) => ((status: number, headers: Headers, body: Buffer) => void) | undefined;
}) {
  const handle = createRequestHandler(options.build, options.mode);
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const request = createRemixRequest(req, res);
      const response = await handle(request, options.getLoadContext(req, res));
      res.statusMessage = response.statusText;
      res.status(response.status);
      for (const [key, value] of response.headers.entries()) res.append(key, value);
      if (!response.body) {
        res.end();
        return;
      }
      if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
      const keep = options.keepAnswer?.(req);
      const kept: Uint8Array[] | undefined = keep ? [] : undefined;
      await sendBody(response.body, res, kept);
      if (keep && kept) keep(response.status, response.headers, Buffer.concat(kept));
    } catch (error) {
      // Once the answer has started, a failure (most often the client leaving) can only end the connection.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      next(error);
    }
  };
}
