import type { Services } from "./services.server";

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: Services;
    /** This request's Content-Security-Policy nonce, for inline scripts (set by http.server.ts). */
    cspNonce: string;
    /** The client's address: X-Forwarded-For only from a proxy on loopback ("trust proxy"), else the socket's. */
    clientIp: string;
  }
  interface Future {
    v3_singleFetch: true;
  }
}
