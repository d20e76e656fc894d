import type { Redis } from "ioredis";

/** Paces bulk mail: acquire() resolves when one more message may go out. */
export interface MailRateLimiter {
  /** Mails per minute allowed; 0 means no cap. */
  readonly perMinute: number;
  acquire(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fixed windows: a cap of N per minute allows N/60 per second, or for caps under
 * 60 a minute one message per window of 60/N seconds. Short windows keep the pace
 * even instead of a minute's worth of mail leaving in one burst.
 */
export function rateWindow(perMinute: number): { windowMs: number; allowed: number } {
  const windowSeconds = Math.max(1, Math.ceil(60 / perMinute));
  return { windowMs: windowSeconds * 1000, allowed: Math.max(1, Math.floor((perMinute * windowSeconds) / 60)) };
}

const unlimited: MailRateLimiter = { perMinute: 0, acquire: async () => {} };

/** One process's pace: the embedded default, where the web process sends all mail. */
export function createMemoryMailRateLimiter(perMinute: number): MailRateLimiter {
  if (perMinute <= 0) return unlimited;
  const { windowMs, allowed } = rateWindow(perMinute);
  let window = -1;
  let used = 0;
  return {
    perMinute,
    async acquire() {
      for (;;) {
        const now = Date.now();
        const current = Math.floor(now / windowMs);
        if (current !== window) {
          window = current;
          used = 0;
        }
        if (used < allowed) {
          used++;
          return;
        }
        await sleep((current + 1) * windowMs - now);
      }
    },
  };
}

/**
 * The pace shared by every worker through one Redis counter per window, so adding
 * workers does not multiply the rate an SMTP provider sees.
 */
export function createRedisMailRateLimiter(redis: Redis, prefix: string, perMinute: number): MailRateLimiter {
  if (perMinute <= 0) return unlimited;
  const { windowMs, allowed } = rateWindow(perMinute);
  return {
    perMinute,
    async acquire() {
      for (;;) {
        const now = Date.now();
        const current = Math.floor(now / windowMs);
        const key = `${prefix}:mail-rate:${current}`;
        const [[, used]] = (await redis.multi().incr(key).pexpire(key, windowMs * 2).exec()) as [[Error | null, number]];
        if (used <= allowed) return;
        await sleep((current + 1) * windowMs - now);
      }
    },
  };
}
