import { openDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { loadEnvOrExit } from "../app/env.server";
import { createMailer } from "../emails/transport";
import { createJobDeps } from "./build-deps";
import { startQueueWorker } from "./queue";

// `npm run worker`: the job process of a deployment (Postgres + Redis). Run as many as the mail volume needs.

async function main() {
  const env = loadEnvOrExit();
  if (!env.REDIS_URL || !env.DATABASE_URL) {
    console.error(
      "The worker needs REDIS_URL and DATABASE_URL. Without REDIS_URL, `npm start` runs the jobs inside the web process and no worker is needed.",
    );
    process.exit(1);
  }
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL });
  await migrateToLatest(handle.db);
  const mailer = createMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, db: handle.db });
  const deps = createJobDeps(env, handle.db, mailer);
  // Test-only, not a deployment setting: the fault tests shorten BullMQ's lock so a killed worker's jobs come back in seconds.
  const lockDurationMs = Number(process.env.TEST_WORKER_LOCK_MS) || undefined;
  const worker = startQueueWorker(deps, { redisUrl: env.REDIS_URL, prefix: env.REDIS_PREFIX, lockDurationMs });
  console.log(`[worker] running; mail: ${mailer.kind === "dev" ? "dev mailbox" : "SMTP"}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`[worker] ${signal}: finishing running jobs`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await worker.stop();
    await deps.close();
    await mailer.close();
    await handle.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(`[worker] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
