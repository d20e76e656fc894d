import type { Services } from "./services.server";

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: Services;
    /** This request's Content-Security-Policy nonce, for inline scripts (set by http.server.ts). */
    cspNonce: string;
  }
  interface Future {
    v3_singleFetch: true;
  }
}
