import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { loadEnv } from "../../app/env.server";
import { createHttpApp } from "../../app/http.server";
import { createServices, type ServiceOptions, type Services } from "../../app/services.server";
import { TEST_LINK_SECRET } from "./jobs";

export interface TestApp {
  url: string;
  services: Services;
  /** A form POST as a browser on this site sends it. */
  post(pathname: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  get(pathname: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

let build: ServerBuild | null = null;

/** A form body as a browser encodes it; a list is the same field repeated (checkboxes, multi-selects). */
export function formBody(fields: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return body.toString();
}

/**
 * The real HTTP app (Express + the Remix build) on a free port, with its own
 * services. APP_URL points at that port so links in emails work.
 */
export async function startTestApp(
  vars: Record<string, string | undefined>,
  { changeBuild, ...options }: ServiceOptions & { changeBuild?: (build: ServerBuild) => ServerBuild } = {},
): Promise<TestApp> {
  build ??= (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  // The port is known only after listening, and APP_URL must name it: listen first, then create services.
  let services: Services | null = null;
  const { default: express } = await import("express");
  const outer = express();
  let inner: ReturnType<typeof createHttpApp> | null = null;
  outer.use((req, res, next) => (inner ? inner(req, res, next) : res.status(503).end()));
  const server: Server = await new Promise((resolve) => {
    const s = outer.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const env = loadEnv({ NODE_ENV: "test", APP_URL: url, DELIVERY_INTERVAL: "24h", SESSION_SECRET: TEST_LINK_SECRET, MAIL_RATE_PER_MINUTE: "0", ...vars });
  services = await createServices(env, { jobPollMs: 100, ...options });
  inner = createHttpApp(services, changeBuild ? changeBuild(build) : build);
  const ready = services;
  return {
    url,
    services: ready,
    post: (pathname, fields, headers = {}) =>
      fetch(url + pathname, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: url, "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
    get: (pathname, headers = {}) => fetch(url + pathname, { redirect: "manual", headers }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ready.close();
    },
  };
}
