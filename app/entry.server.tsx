import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type AppLoadContext, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { shouldLogError } from "./lib/error-log.server";
import { NonceContext } from "./root";

const ABORT_DELAY = 5_000;

/**
 * Remix's default server entry (`npx remix reveal entry.server`), plus the
 * request's CSP nonce (from http.server.ts through the load context) on every
 * inline script: React's own (`nonce` option), Remix's streamed data
 * (`<RemixServer nonce>`), and `<Scripts>` / `<ScrollRestoration>` in root.tsx
 * (through NonceContext).
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce;
  // Bots get the whole page at once; browsers get the shell as soon as it is ready and the rest streamed.
  const wholePage = isbot(request.headers.get("user-agent")) || remixContext.isSpaMode;
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const ready = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        onAllReady: wholePage ? ready : undefined,
        onShellReady: wholePage ? undefined : ready,
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors in the shell reject above and Remix logs them; log only those streamed later,
          // and not a render cut off because the client (or Node, refusing the request) closed the connection.
          if (shellRendered && !request.signal.aborted) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

/** Remix's errors from loaders, actions and its own router: only real ones reach the log. */
export function handleError(error: unknown, { request }: { request: Request }) {
  if (shouldLogError(error, request)) console.error(error);
}
