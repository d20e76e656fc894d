import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEEDED_PETITION, signerFields } from "../support/factories";
import {
  sleep,
  startPrivatePostgres,
  startPrivateRedis,
  startServer,
  startWorker,
  stopAllProcesses,
  type ChildHandle,
  type PrivateDatabase,
  type PrivatePostgres,
  type PrivateRedis,
  type ServerProcess,
} from "../support/processes";
import { FAULTS, inspectQueue, PREFIX, sentTwice, tail } from "./helpers";
import { startSlowSink, type SlowSink } from "./slow-smtp";

// (c) Redis killed (kill -9) and restarted while people sign: signing keeps answering
// 302, every confirmation goes out exactly once when Redis is back, the worker resumes
// within 30 s, and neither process exits. Redis runs as docker-compose.yml runs it (AOF on).

const CONFIRM_SUBJECT = "Confirm your signature:";
const RATE = 10; // sign requests a second
const BEFORE_MS = 5_000;
const OUTAGE_MS = 10_000;
const AFTER_MS = 10_000;

let postgres: PrivatePostgres;
let database: PrivateDatabase;
let redis: PrivateRedis;
let sink: SlowSink;
let server: ServerProcess;
let worker: ChildHandle;

interface Signing {
  email: string;
  at: number;
  status: number;
  ms: number;
  phase: "before" | "outage" | "after";
}

describe.skipIf(!FAULTS)("Redis killed and restarted while people sign", () => {
  beforeAll(async () => {
    [postgres, redis, sink] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startSlowSink({ delayMs: 20 })]);
    database = await postgres.createDatabase();
    const vars = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, SMTP_URL: sink.url, SIGN_RATE_LIMITS: "off" };
    server = await startServer(vars);
    worker = await startWorker({ ...vars, APP_URL: server.url });
  });

  afterAll(async () => {
    await worker?.stop("SIGTERM", 35_000);
    await server?.stop("SIGTERM", 10_000);
    await stopAllProcesses();
    await database?.close();
    await sink?.close();
    await redis?.destroy();
    await postgres?.destroy();
  });

  it("keeps signing, then mails every confirmation exactly once and resumes within 30 s", { timeout: 240_000 }, async () => {
    const log: Signing[] = [];
    let phase: Signing["phase"] = "before";
    let stop = false;
    const signing = (async () => {
      const inflight: Promise<void>[] = [];
      for (let i = 0; !stop; i++) {
        const entry: Signing = { email: `redis.${i}@example.com`, at: Date.now(), status: 0, ms: 0, phase };
        log.push(entry);
        inflight.push(
          server
            .post(`/petitions/${SEEDED_PETITION}`, signerFields({ email: entry.email }), { signal: AbortSignal.timeout(15_000) })
            .then(async (res) => {
              await res.arrayBuffer();
              entry.status = res.status;
            })
            .catch(() => {})
            .finally(() => (entry.ms = Date.now() - entry.at)),
        );
        await sleep(1000 / RATE);
      }
      await Promise.all(inflight);
    })();

    // Hold the mail for the last 2 s before the kill, so that Redis dies with jobs waiting and in flight.
    await sleep(BEFORE_MS - 2_000);
    sink.hold();
    await sleep(2_000);
    const queue = inspectQueue(redis.url);
    const atKill = await queue.counts();
    await queue.close();
    phase = "outage";
    const killedAt = Date.now();
    await redis.kill("SIGKILL");
    sink.release();
    await sleep(OUTAGE_MS);
    phase = "after";
    await redis.start();
    const backAt = Date.now();
    await sleep(AFTER_MS);
    stop = true;
    await signing;

    // The worker resumes: the first confirmation of someone who signed during the outage.
    const outageEmails = new Set(log.filter((s) => s.phase === "outage").map((s) => s.email));
    const isConfirmation = (m: { subject: string }) => m.subject.startsWith(CONFIRM_SUBJECT);
    const [firstAfter] = await sink.waitFor((m) => outageEmails.has(m.to) && isConfirmation(m), 1, 60_000);
    const resumedMs = firstAfter.at - backAt;
    const all = new Set(log.map((s) => s.email));
    let drained = true;
    await sink.waitFor((m) => all.has(m.to) && isConfirmation(m), all.size, 60_000).catch(() => (drained = false));
    const allSentMs = Math.max(...sink.messages.map((m) => m.at)) - backAt;
    await sleep(2_000);
    const confirmations = sink.messages.filter((m) => all.has(m.to) && isConfirmation(m));
    const missing = [...all].filter((email) => !confirmations.some((m) => m.to === email));
    const outbox = await database.db.selectFrom("outbox").select(["id", "status", "relayed_at", "attempts"]).where("status", "!=", "done").execute();

    const count = (p: Signing["phase"]) => log.filter((s) => s.phase === p);
    const statuses = (list: Signing[]) => [...new Set(list.map((s) => s.status))].join("/");
    console.log(
      [
        ``,
        `fault (c) Redis kill -9 for ${OUTAGE_MS / 1000} s while signing at ${RATE}/s (AOF on, as in docker-compose.yml)`,
        `  at the kill     BullMQ ${JSON.stringify(atKill)}`,
        `  signing         before ${count("before").length} (${statuses(count("before"))}), during ${count("outage").length} (${statuses(count("outage"))}), after ${count("after").length} (${statuses(count("after"))}); slowest ${Math.max(...log.map((s) => s.ms))} ms`,
        `  worker          first outage confirmation ${(resumedMs / 1000).toFixed(1)} s after Redis was back; last mail ${(allSentMs / 1000).toFixed(1)} s after`,
        `  mail            ${confirmations.length} confirmations for ${all.size} signers; missing ${missing.length}; sent twice ${sentTwice(sink.messages).length}; outbox rows not done: ${outbox.length} ${outbox.length ? JSON.stringify(outbox.slice(0, 5)) : ""}`,
        `  processes       web ${server.alive() ? "up" : "EXITED"}, worker ${worker.alive() ? "up" : "EXITED"} (outage began ${((backAt - killedAt) / 1000).toFixed(1)} s before Redis was back)`,
        ``,
      ].join("\n"),
    );

    expect(log.filter((s) => s.status !== 302), "every sign request answers 302").toEqual([]);
    expect(server.alive(), tail(server)).toBe(true);
    expect(worker.alive(), tail(worker)).toBe(true);
    expect(resumedMs).toBeLessThan(30_000);
    expect(missing, `confirmations never sent\n${tail(worker)}`).toEqual([]);
    expect(drained).toBe(true);
    expect(sentTwice(sink.messages)).toEqual([]);
    expect(confirmations).toHaveLength(all.size);
  });
});
