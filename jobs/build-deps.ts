import { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Env } from "../app/env.server";
import type { DB } from "../db/schema";
import type { Mailer } from "../emails/transport";
import type { JobDeps } from "./deps";
import { createMemoryMailRateLimiter, createRedisMailRateLimiter } from "./mail-rate";
import { withSuppression } from "./suppression";

export interface BuiltJobDeps extends JobDeps {
  /** Closes what createJobDeps opened (the limiter's Redis connection); the db and mailer belong to the caller. */
  close(): Promise<void>;
}

type DepsEnv = Pick<Env, "APP_URL" | "DELIVERY_INTERVAL" | "SESSION_SECRET" | "MAIL_RATE_PER_MINUTE" | "REDIS_URL" | "REDIS_PREFIX">;

/** The job handlers' dependencies for one process: the web process in embedded mode, or a worker. */
export function createJobDeps(env: DepsEnv, db: Kysely<DB>, mailer: Mailer): BuiltJobDeps {
  const redis =
    env.REDIS_URL && env.MAIL_RATE_PER_MINUTE > 0 ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
  redis?.on("error", (error) => console.warn(`[jobs] mail-rate redis: ${error.message}`));
  return {
    db,
    mailer: withSuppression(mailer, db),
    appUrl: env.APP_URL,
    deliveryIntervalMs: env.DELIVERY_INTERVAL,
    linkSecret: env.SESSION_SECRET,
    bulkMailLimiter: redis
      ? createRedisMailRateLimiter(redis, env.REDIS_PREFIX, env.MAIL_RATE_PER_MINUTE)
      : createMemoryMailRateLimiter(env.MAIL_RATE_PER_MINUTE),
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
