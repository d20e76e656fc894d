import type { Redis } from "ioredis";

/** Paces bulk mail: acquire() resolves when one more message may go out. */
export interface MailRateLimiter {
  /** Mails per minute allowed; 0 means no cap. */
  readonly perMinute: number;
  acquire(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Milliseconds between two messages at `perMinute`. Messages are spaced evenly
 * (each caller reserves the next free send time, as in GCRA) instead of counted
 * per window: a window lets its whole allowance leave in one burst at its start,
 * and a cap that is not a multiple of the window's length (90 a minute in
 * one-second windows) cannot be met exactly.
 */
export function sendInterval(perMinute: number): number {
  return 60_000 / perMinute;
}

const unlimited: MailRateLimiter = { perMinute: 0, acquire: async () => {} };

/** One process's pace: the embedded default, where the web process sends all mail. */
export function createMemoryMailRateLimiter(perMinute: number): MailRateLimiter {
  if (perMinute <= 0) return unlimited;
  const interval = sendInterval(perMinute);
  // The earliest time the next message may leave.
  let next = 0;
  return {
    perMinute,
    async acquire() {
      const at = Math.max(next, Date.now());
      next = at + interval;
      const wait = at - Date.now();
      if (wait > 0) await sleep(wait);
    },
  };
}

// Reserves the next free send time on Redis's clock (workers' clocks may differ) and
// returns how many milliseconds the caller must wait for it. The key holds the earliest
// time the next message may leave and expires once that time has passed.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if at < now then at = now end
local ttl = math.ceil(at + interval - now) + 1000
redis.call('SET', KEYS[1], string.format('%.3f', at + interval), 'PX', ttl)
return tostring(at - now)
`;

/**
 * The pace shared by every worker through one Redis key, so adding workers does
 * not multiply the rate an SMTP provider sees. One round trip per message.
 */
export function createRedisMailRateLimiter(redis: Redis, prefix: string, perMinute: number): MailRateLimiter {
  if (perMinute <= 0) return unlimited;
  const interval = sendInterval(perMinute);
  const key = `${prefix}:mail-rate`;
  return {
    perMinute,
    async acquire() {
      const wait = Number(await redis.eval(RESERVE, 1, key, String(interval)));
      if (wait > 0) await sleep(wait);
    },
  };
}
