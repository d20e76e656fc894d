import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import {
  addConfirmedSignatures,
  createLocalPetition,
  csvSigners,
  expectedClaims,
  FAULTS,
  inspectQueue,
  PREFIX,
  sentTwice,
  tail,
} from "./helpers";
import { startSlowSink, type SlowSink } from "./slow-smtp";

// (a) kill -9 of a worker process in the middle of sending digests to officials:
// a new worker finishes the job, every official gets each signature exactly once.

let postgres: PrivatePostgres;
let database: PrivateDatabase;
let redis: PrivateRedis;
let sink: SlowSink;
const workers: ChildHandle[] = [];

describe.skipIf(!FAULTS)("kill -9 of a worker in the middle of a digest", () => {
  beforeAll(async () => {
    [postgres, redis, sink] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startSlowSink({ delayMs: 50 })]);
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

  it("resumes on the next worker: every digest sent once, each signature to each official once", { timeout: 300_000 }, async () => {
    const db = database.db;
    // Six petitions (the two seeded ones and four more) signed from two ZIPs of every seeded city,
    // three signers per ZIP: a few hundred digests (one per petition and official), ~10 signers each.
    const cityZips = await db
      .selectFrom("target_zip_codes as tz")
      .innerJoin("targets as t", "t.id", "tz.target_id")
      .select(["t.id", "tz.zip_code"])
      .where("t.level", "=", "city")
      .orderBy("t.id")
      .orderBy("tz.zip_code")
      .execute();
    const byCity = new Map<number, string[]>();
    for (const { id, zip_code } of cityZips) byCity.set(id, [...(byCity.get(id) ?? []), zip_code].slice(0, 2));
    const zips = [...new Set([...byCity.values()].flat())];
    const petitionIds = (await db.selectFrom("petitions").select("id").execute()).map((p) => p.id);
    for (let i = 1; i <= 4; i++) petitionIds.push(await createLocalPetition(db, `Fault petition ${i}`));
    let signatures = 0;
    for (const id of petitionIds) signatures += await addConfirmedSignatures(db, id, zips, 3, "k");
    const claims = await expectedClaims(db);
    const pairs = new Set(claims.map((c) => `${c.petition_id}/${c.target_id}`));

    const vars = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, SMTP_URL: sink.url, APP_URL: "http://127.0.0.1:9" };
    const first = await startWorker(vars, "worker-1");
    workers.push(first);

    // Let about a third go out, then freeze the mail server with messages in flight
    // (in the middle of their SMTP transactions) and kill the worker without warning.
    await sink.waitFor(() => true, Math.floor(pairs.size / 3), 60_000);
    sink.hold();
    await waitUntil(async () => sink.held().total > 0, 10_000, "messages in flight");
    await sleep(1_000); // anything accepted before the freeze has been recorded as sent by now
    const queue = inspectQueue(redis.url);
    const atKill = await queue.counts();
    const sentAtKill = sink.messages.length;
    const inFlight = sink.held().total;
    const killedAt = Date.now();
    first.signal("SIGKILL");
    const exit = await first.exited;
    expect(exit.signal).toBe("SIGKILL");
    await waitUntil(async () => sink.held().open === 0, 10_000, "the killed worker's SMTP connections to close");
    sink.release();
    const deliveriesAtKill = await db
      .selectFrom("deliveries")
      .select(["status", sql<number>`count(*)::int`.as("n")])
      .groupBy("status")
      .execute();

    const second = await startWorker(vars, "worker-2");
    workers.push(second);
    const restartedAt = Date.now();
    await waitUntil(
      async () => {
        const open = await db
          .selectFrom("outbox")
          .select(sql<number>`count(*)::int`.as("n"))
          .where("status", "not in", ["done", "failed"])
          .executeTakeFirstOrThrow();
        const delivered = await db.selectFrom("deliveries").select(sql<number>`count(*)::int`.as("n")).where("status", "=", "sent").executeTakeFirstOrThrow();
        return open.n === 0 && delivered.n === pairs.size;
      },
      150_000,
      "every digest to be sent",
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
        `fault (a) kill -9 of a worker mid-digest: ${petitionIds.length} petitions, ${signatures} signatures, ${pairs.size} digests, ${claims.length} signature deliveries`,
        `  at the kill     ${sentAtKill} digests sent, ${inFlight} in the middle of SMTP; BullMQ ${JSON.stringify(atKill)}; deliveries ${JSON.stringify(deliveriesAtKill)}`,
        `  second worker   all ${pairs.size} digests sent ${(recoveredMs / 1000).toFixed(1)} s after it started (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill: a dead worker's jobs come back when their 30 s lock expires); BullMQ ${JSON.stringify(afterRecovery)}`,
        `  mail            ${sink.messages.length} digests accepted; sent twice: ${sentTwice(sink.messages).length}`,
        ``,
      ].join("\n"),
    );

    expect(second.alive(), tail(second)).toBe(true);
    expect(inFlight).toBeGreaterThan(0);
    expect(sentAtKill).toBeLessThan(pairs.size);

    // One delivery per petition and official, all sent, and their signatures claimed exactly as expected.
    const deliveries = await db.selectFrom("deliveries").select(["id", "petition_id", "target_id", "status", "signature_count"]).execute();
    expect(deliveries).toHaveLength(pairs.size);
    expect(new Set(deliveries.map((d) => `${d.petition_id}/${d.target_id}`))).toEqual(pairs);
    expect(deliveries.filter((d) => d.status !== "sent")).toEqual([]);
    const claimed = await db.selectFrom("delivery_signatures").select(["signature_id", "target_id"]).execute();
    expect(claimed).toHaveLength(claims.length);
    expect(new Set(claimed.map((c) => `${c.signature_id}/${c.target_id}`))).toEqual(new Set(claims.map((c) => `${c.signature_id}/${c.target_id}`)));

    // The mail itself: one digest per delivery, nobody twice, and every signer listed once to each of their officials.
    expect(sentTwice(sink.messages)).toEqual([]);
    expect(sink.messages).toHaveLength(pairs.size);
    const listed = new Map<string, string[]>();
    for (const mail of sink.messages) {
      const title = /“(.*)”/.exec(mail.subject)?.[1] ?? "";
      const key = `${mail.to} | ${title}`;
      listed.set(key, [...(listed.get(key) ?? []), ...csvSigners(mail)]);
    }
    const expected = new Map<string, string[]>();
    for (const c of claims) expected.set(`${c.to} | ${c.title}`, [...(expected.get(`${c.to} | ${c.title}`) ?? []), c.name]);
    const duplicates = [...listed].filter(([, names]) => new Set(names).size !== names.length).map(([key]) => key);
    expect(duplicates, "officials who got a signer twice").toEqual([]);
    expect(new Map([...listed].map(([k, names]) => [k, [...names].sort()]))).toEqual(new Map([...expected].map(([k, names]) => [k, [...names].sort()])));
  });
});
