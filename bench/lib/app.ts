import { randomBytes } from "node:crypto";
import path from "node:path";
import { sleep } from "./cleanup";
import { freePort, startChild, waitForHttp, type Child } from "./process";
import type { DiscardSink } from "./smtp-sink";

export interface RunningApp {
  url: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
}

/** What every benchmark is handed by run.ts. */
export interface BenchContext {
  /** The production build the servers run in (see buildForProduction). */
  buildDir: string;
  sink: DiscardSink;
  log(line: string): void;
}

/**
 * The real server as production runs it (`node build/server.js`, production mode, the
 * build of buildForProduction) in a child process group, on its own port and database.
 * REDIS_URL is left unset, so outbox jobs (confirmation emails) run inside the
 * web process(es) and go to the SMTP sink.
 */
export async function startApp(
  context: BenchContext,
  options: { databaseUrl: string; webConcurrency: number; env?: Record<string, string> },
): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(port),
    APP_URL: url,
    DATABASE_URL: options.databaseUrl,
    SESSION_SECRET: randomBytes(24).toString("hex"),
    SMTP_URL: context.sink.url,
    SIGN_RATE_LIMITS: "off",
    WEB_CONCURRENCY: String(options.webConcurrency),
    DELIVERY_INTERVAL: "24h",
    ...options.env,
  };
  const child = startChild(`web server x${options.webConcurrency}`, process.execPath, [path.join(context.buildDir, "build/server.js")], {
    env,
    cwd: context.buildDir,
  });
  try {
    await waitForHttp(`${url}/healthz`, child, 60_000, /\[web\] failed to start/);
    // With several processes, wait until each has said it listens (the primary hands connections round-robin).
    const deadline = Date.now() + 30_000;
    while (child.printed(/\[web\] Sanctuary on/) < options.webConcurrency) {
      if (Date.now() > deadline) throw new Error(`only ${child.printed(/\[web\] Sanctuary on/)} of ${options.webConcurrency} web processes started:\n${child.output()}`);
      await sleep(50);
    }
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, port, child, stop: () => child.stop() };
}
