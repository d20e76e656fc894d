import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishUpdate } from "../../app/models/campaign-updates.server";
import { waitUntil } from "../support/factories";
import {
  sleep,
  startPrivatePostgres,
  startPrivateRedis,
  startWorker,
  stopAllProcesses,
  type ChildHandle,
  type PrivateDatabase,
  type PrivatePostgres,
  type PrivateRedis,
} from "../support/processes";
import { FAULTS, inspectQueue, PREFIX, sentTwice, tail } from "./helpers";
import { startSlowSink, type SlowSink } from "./slow-smtp";
import { CLAIM_SECONDS } from "../../jobs/handlers/update-batch";

// (d) kill -9 of a worker in the middle of a campaign update's batch: a new worker
// finishes the update, and every follower gets it exactly once.
// The workers run with a 5 s BullMQ lock (TEST_WORKER_LOCK_MS, a test-only variable of
// jobs/worker.ts), so the killed worker's jobs come back within seconds; the sends its run
// had claimed come back when the claim lapses (CLAIM_SECONDS), which bounds the recovery.

const FOLLOWERS = 1_500;
const TITLE = "Kill test update";

let postgres: PrivatePostgres;
let database: PrivateDatabase;
let redis: PrivateRedis;
let sink: SlowSink;
const workers: ChildHandle[] = [];

async function sendCounts(updateId: number): Promise<Record<string, number>> {
  const rows = await database.db
    .selectFrom("update_sends")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .where("update_id", "=", updateId)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe.skipIf(!FAULTS)("kill -9 of a worker in the middle of an update's batch", () => {
  beforeAll(async () => {
    [postgres, redis, sink] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startSlowSink({ delayMs: 20 })]);
    database = await postgres.createDatabase();
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await stopAllProcesses();
    await database?.close();
    await sink?.close();
    await redis?.destroy();
    await postgres?.destroy();
  });

  it("resumes on the next worker: every follower gets the update once", { timeout: 300_000 }, async () => {
    const db = database.db;
    const campaign = await db.selectFrom("campaigns").select("id").where("slug", "=", "sanctuary-campus-movement").executeTakeFirstOrThrow();
    const { rows: subscribers } = await sql<{ id: number; email: string }>`
      insert into subscribers (email, email_normalized, first_name, locale)
      select 'kill.' || i || '@example.org', 'kill.' || i || '@example.org', 'K' || i, case when i % 4 = 0 then 'es' else 'en' end
      from generate_series(1, ${FOLLOWERS}::int) as i
      returning id, email`.execute(db);
    await sql`
      insert into follows (subscriber_id, campaign_id, status, confirmed_at)
      select id, ${campaign.id}, 'confirmed', now() from unnest(${subscribers.map((s) => s.id)}::int[]) as id`.execute(db);
    const updateId = await publishUpdate(db, {
      campaignId: campaign.id,
      translations: { en: { title: TITLE, body: "Body." }, es: { title: `${TITLE} (es)`, body: "Cuerpo." } },
    });

    const vars = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: PREFIX,
      SMTP_URL: sink.url,
      APP_URL: "http://127.0.0.1:9",
      MAIL_RATE_PER_MINUTE: "0",
      TEST_WORKER_LOCK_MS: "5000",
    };
    const first = await startWorker(vars, "worker-1");
    workers.push(first);

    // Let about a third go out, then freeze the mail server with messages in the middle
    // of their SMTP transactions and kill the worker without warning.
    await sink.waitFor(() => true, Math.floor(FOLLOWERS / 3), 60_000);
    sink.hold();
    await waitUntil(async () => sink.held().total > 0, 10_000, "messages in flight");
    await sleep(1_000); // anything accepted before the freeze has been recorded as sent by now
    const queue = inspectQueue(redis.url);
    const atKill = await queue.counts();
    const sendsAtKill = await sendCounts(updateId);
    const sentAtKill = sink.messages.length;
    const inFlight = sink.held().total;
    const killedAt = Date.now();
    first.signal("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    await waitUntil(async () => sink.held().open === 0, 10_000, "the killed worker's SMTP connections to close");
    sink.release();

    const second = await startWorker(vars, "worker-2");
    workers.push(second);
    const restartedAt = Date.now();
    await waitUntil(
      async () => {
        const counts = await sendCounts(updateId);
        const open = await db.selectFrom("outbox").select(sql<number>`count(*)::int`.as("n")).where("status", "not in", ["done", "failed"]).executeTakeFirstOrThrow();
        return counts.sent === FOLLOWERS && open.n === 0;
      },
      200_000,
      "every follower to be sent the update",
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${tail(second)}`);
    });
    const recoveredMs = Date.now() - restartedAt;
    await sleep(2_000); // a second copy of anything would arrive now
    const afterRecovery = await queue.counts();
    await queue.close();

    console.log(
      [
        ``,
        `fault (d) kill -9 of a worker mid-batch: ${FOLLOWERS} followers, ${Math.ceil(FOLLOWERS / 500)} batches`,
        `  at the kill     ${sentAtKill} accepted, ${inFlight} in the middle of SMTP; sends ${JSON.stringify(sendsAtKill)}; BullMQ ${JSON.stringify(atKill)}`,
        `  second worker   all sent ${(recoveredMs / 1000).toFixed(1)} s after it started (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill: the killed run's claims lapse within ${CLAIM_SECONDS} s); BullMQ ${JSON.stringify(afterRecovery)}`,
        `  mail            ${sink.messages.length} accepted; sent twice: ${sentTwice(sink.messages).length}`,
        ``,
      ].join("\n"),
    );

    expect(second.alive(), tail(second)).toBe(true);
    // Back within the claim's length and a little: not at the mercy of BullMQ's default 30 s lock and retries' backoff.
    expect(Date.now() - killedAt).toBeLessThan((CLAIM_SECONDS + 30) * 1000);
    expect(inFlight).toBeGreaterThan(0);
    expect(sentAtKill).toBeLessThan(FOLLOWERS);
    expect(await sendCounts(updateId)).toEqual({ sent: FOLLOWERS });
    expect(sentTwice(sink.messages)).toEqual([]);
    expect(sink.messages).toHaveLength(FOLLOWERS);
    expect(new Set(sink.messages.map((m) => m.to))).toEqual(new Set(subscribers.map((s) => s.email)));
    // Each in the follower's language (every fourth in Spanish).
    for (const m of sink.messages) expect(m.subject).toBe(Number(/\d+/.exec(m.to)![0]) % 4 === 0 ? `${TITLE} (es)` : TITLE);
  });
});
