import type { Kysely } from "kysely";
import type { DB } from "../../db/schema";
import type { Mailer } from "../../emails/transport";
import { createJobDeps, type BuiltJobDeps } from "../../jobs/build-deps";

/** The secret tests sign unsubscribe and preferences links with; test apps get the same one (tests/support/app.ts). */
export const TEST_LINK_SECRET = "test-session-secret-that-is-at-least-32-characters";

/** Job dependencies as a process builds them, for tests that run handlers or a worker in the test process. */
export function testJobDeps(options: {
  db: Kysely<DB>;
  mailer: Mailer;
  appUrl: string;
  deliveryIntervalMs?: number;
  mailRatePerMinute?: number;
  redisUrl?: string;
  redisPrefix?: string;
  linkSecret?: string;
}): BuiltJobDeps {
  return createJobDeps(
    {
      APP_URL: options.appUrl,
      DELIVERY_INTERVAL: options.deliveryIntervalMs ?? 86_400_000,
      SESSION_SECRET: options.linkSecret ?? TEST_LINK_SECRET,
      MAIL_RATE_PER_MINUTE: options.mailRatePerMinute ?? 0,
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix ?? "test",
    },
    options.db,
    options.mailer,
  );
}
