import { sql, type Kysely } from "kysely";
import type { Redis } from "ioredis";
import type { DB } from "../../db/schema";

export const MAX_LOGIN_FAILURES = 10;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

/**
 * Failed sign-ins counted per key (an IP hash, an account email hash) over a
 * 15-minute window. Redis when the deployment has it (shared by every web
 * process, expiring by itself); Postgres otherwise, and whenever Redis fails.
 */
export class LoginLimiter {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly redis: Redis | null,
    private readonly prefix: string,
  ) {}

  async isBlocked(keys: string[]): Promise<boolean> {
    const counts = await this.counts(keys);
    return counts.some((count) => count >= MAX_LOGIN_FAILURES);
  }

  async recordFailure(keys: string[]): Promise<void> {
    if (this.redis) {
      try {
        const pipeline = this.redis.multi();
        for (const key of keys) pipeline.incr(this.redisKey(key)).expire(this.redisKey(key), LOGIN_WINDOW_SECONDS, "NX");
        await pipeline.exec();
        return;
      } catch {
        // Redis is away: count in Postgres instead.
      }
    }
    await this.db.insertInto("login_failures").values(keys.map((key) => ({ key }))).execute();
  }

  private async counts(keys: string[]): Promise<number[]> {
    if (this.redis) {
      try {
        const values = await this.redis.mget(keys.map((key) => this.redisKey(key)));
        return values.map((value) => Number(value ?? 0));
      } catch {
        // fall through to Postgres
      }
    }
    const rows = await this.db
      .selectFrom("login_failures")
      .select(["key", sql<number>`count(*)::int`.as("n")])
      .where("key", "in", keys)
      .where("created_at", ">", sql<Date>`now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS})`)
      .groupBy("key")
      .execute();
    return keys.map((key) => Number(rows.find((row) => row.key === key)?.n ?? 0));
  }

  private redisKey(key: string): string {
    return `${this.prefix}:login-failures:${key}`;
  }
}
