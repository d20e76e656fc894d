import cluster from "node:cluster";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { loadEnvOrExit } from "./app/env.server";
import { createHttpApp } from "./app/http.server";
import { createServices } from "./app/services.server";

// `npm start`: the whole platform in one process on the embedded default, or the web
// side of a deployment when DATABASE_URL and REDIS_URL are set (run `npm run worker` beside it).
// Production runs it bundled as build/server.js (scripts/build-server.js); `npm start` builds first.

// From the working directory, not from this file: the same path under tsx (server.ts) and bundled (build/server.js).
const BUILD = path.resolve("build/index.js");

async function main() {
  const env = loadEnvOrExit();
  if (cluster.isPrimary && !existsSync(BUILD)) {
    throw new Error(`no Remix build at ${BUILD}: run \`npm run build\` (\`npm start\` builds by itself)`);
  }
  if (cluster.isPrimary && env.WEB_CONCURRENCY > 1) {
    // Several processes share the port; the primary only restarts any that die.
    for (let i = 0; i < env.WEB_CONCURRENCY; i++) cluster.fork();
    cluster.on("exit", (worker, code, signal) => {
      if (code !== 0 && signal !== "SIGTERM" && signal !== "SIGINT") {
        console.error(`[web] process ${worker.process.pid} exited (${signal ?? code}); starting another`);
        cluster.fork();
      }
    });
    const stopAll = () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    };
    process.on("SIGTERM", stopAll);
    process.on("SIGINT", stopAll);
    return;
  }
  const build = (await import(pathToFileURL(BUILD).href)) as ServerBuild;
  const services = await createServices(env);
  const app = createHttpApp(services, build);
  const server = app.listen(env.PORT, () => {
    const db = services.dbKind === "pglite" ? `embedded PGlite in ${env.DATA_DIR}` : "PostgreSQL";
    const jobs = services.jobs ? "in this process" : "in the worker (npm run worker)";
    const mail = services.mailer.kind === "dev" ? `the dev mailbox at ${env.APP_URL}/dev/mail` : "SMTP";
    console.log(`[web] Sanctuary on ${env.APP_URL} — database: ${db}; jobs: ${jobs}; mail: ${mail}`);
  });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`[web] ${signal}: closing`);
    server.close(async () => {
      await services.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(`[web] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
