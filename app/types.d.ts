import type { Services } from "./services.server";

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: Services;
  }
  interface Future {
    v3_singleFetch: true;
  }
}
