import { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { openDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import type { DB } from "../db/schema";
import { isDatabaseEmpty, seed } from "../db/seed";
import { createMailer, type Mailer } from "../emails/transport";
import { createJobDeps } from "../jobs/build-deps";
import { startInlineRunner, type JobRunner } from "../jobs/inline-runner";
import type { Env } from "./env.server";
import { SignatureCounts } from "./models/counts.server";
import { LoginLimiter } from "./models/login-limits.server";

/** Everything a request handler needs, made once per process and handed to routes as load context. */
export interface Services {
  env: Env;
  db: Kysely<DB>;
  dbKind: "postgres" | "pglite";
  mailer: Mailer;
  counts: SignatureCounts;
  /** The in-process job runner (embedded mode, no REDIS_URL); null when a separate worker runs jobs. */
  jobs: JobRunner | null;
  /** The web side's Redis connection (rate limits, queue dashboards); fails fast, never queues commands while Redis is away. */
  redis: Redis | null;
  loginLimiter: LoginLimiter;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Run outbox jobs inside this process. Defaults to "when there is no REDIS_URL". */
  runJobsInProcess?: boolean;
  /** Seed an empty database at start. Defaults to "when embedded". */
  seedIfEmpty?: boolean;
  jobPollMs?: number;
}

/**
 * Opens the database, applies pending migrations, seeds an empty embedded
 * database, and starts in-process jobs when there is no Redis.
 */
export async function createServices(env: Env, options: ServiceOptions = {}): Promise<Services> {
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const { db } = handle;
  await migrateToLatest(db);
  if ((options.seedIfEmpty ?? handle.kind === "pglite") && (await isDatabaseEmpty(db))) {
    await seed(db);
  }
  const mailer = createMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, db });
  const runJobs = options.runJobsInProcess ?? !env.REDIS_URL;
  const jobDeps = runJobs ? createJobDeps(env, db, mailer) : null;
  const jobs = jobDeps ? startInlineRunner(jobDeps, { pollMs: options.jobPollMs }) : null;
  const redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
    : null;
  redis?.on("error", (error) => console.warn(`[web] redis: ${error.message}`));
  return {
    env,
    db,
    dbKind: handle.kind,
    mailer,
    counts: new SignatureCounts(db),
    jobs,
    redis,
    loginLimiter: new LoginLimiter(db, redis, env.REDIS_PREFIX),
    async close() {
      await jobs?.stop();
      await jobDeps?.close();
      await redis?.quit().catch(() => redis.disconnect());
      await mailer.close();
      await handle.close();
    },
  };
}
