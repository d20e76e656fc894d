import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REMINDER_COOLDOWN_SECONDS } from "../../app/models/signatures.server";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { petitionId, SEEDED_PETITION } from "../support/factories";
import {
  cpuSeconds,
  deleteRedisPrefix,
  percentile,
  sleep,
  startServer,
  startWorker,
  type ChildHandle,
  type ServerProcess,
} from "../support/processes";
import { confirmLink, startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";
import { checkFollows, describeTimed, FOLLOW_CONFIRM_SUBJECT, FOLLOW_REMINDER_SUBJECT, runCampaignTraffic, signInOrganizer } from "./campaign-traffic";

// `npm run test:load` (LOAD=1): the real web server and a real BullMQ worker as child
// processes, on a fresh database in the shared PostgreSQL and a random prefix in the
// shared Redis, with mail caught by an SMTP server in this process.
//
// Signing runs open-loop at a fixed rate (LOAD_RATE, default 50/s = 3,000 a minute) for
// LOAD_SECONDS (default 120): 5 % of the single requests reuse an earlier address in
// another case, and every 5 s the next 20 slots go out at once as 20 identical
// submissions. Meanwhile LOAD_POLLERS (default 200) keep-alive clients poll the count
// API, each LOAD_POLL_RATE times a second (default 1; "max" = as fast as they can).
// Beside them, on the same server (campaign-traffic.ts): campaign pages and feeds read
// LOAD_READ_RATE times a second (default 10), follow requests LOAD_FOLLOW_RATE a second
// (default 5; 5 % of them repeats), and a signed-in organizer loading the petition's
// dashboard every 2 s and exporting its signers as CSV every LOAD_EXPORT_EVERY s (default 15).

const SECONDS = Number(process.env.LOAD_SECONDS ?? 120);
const RATE = Number(process.env.LOAD_RATE ?? 50);
const POLLERS = Number(process.env.LOAD_POLLERS ?? 200);
const POLL_RATE = process.env.LOAD_POLL_RATE ?? "1";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const READ_RATE = Number(process.env.LOAD_READ_RATE ?? 10);
const FOLLOW_RATE = Number(process.env.LOAD_FOLLOW_RATE ?? 5);
const EXPORT_EVERY = Number(process.env.LOAD_EXPORT_EVERY ?? 15);
const DUPLICATE_SHARE = 0.05;
const BURST_SIZE = 20;
const BURST_EVERY_SECONDS = 5;
const CONFIRM_SUBJECT = "Confirm your signature:";
const REMINDER_SUBJECT = "Your signature is not confirmed yet:";
const ZIPS = ["94110", "10001", "60614", "90012", "78701", "02139", "98101", "33101"];

interface SignRequest {
  email: string;
  normalized: string;
  kind: "new" | "duplicate" | "burst-new" | "burst-repeat";
  sentAt: number;
  status: number;
  ms: number;
  error?: string;
}

let database: TestDatabase;
let smtp: SmtpSink;
let server: ServerProcess;
let worker: ChildHandle;
let organizerCookie: string;
const prefix = `load-${randomBytes(6).toString("hex")}`;

/** The same address with its case changed at random (the app folds case). */
function recase(email: string): string {
  const flipped = Array.from(email, (c) => (Math.random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join("");
  return flipped === email ? email.toUpperCase() : flipped;
}

interface PollResult {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  status2xx: number;
  status5xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in a process of its own (its CPU is not this process's), against the count API. */
function poll(url: string, seconds: number): Promise<PollResult> {
  const args = ["-c", String(POLLERS), "-d", String(seconds), "-j", "-n", "-t", "30"];
  // autocannon's per-connection rate must be a whole number; slower clients share an overall rate.
  if (POLL_RATE !== "max") args.push(...(Number(POLL_RATE) >= 1 ? ["-r", POLL_RATE] : ["-R", String(Math.max(1, Math.round(Number(POLL_RATE) * POLLERS)))]));
  const child = spawn(path.resolve("node_modules/.bin/autocannon"), [...args, url], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      try {
        const line = stdout.trim().split("\n").at(-1) ?? "";
        const r = JSON.parse(line) as Record<string, unknown> & {
          requests: { total: number };
          latency: { p50: number; p99: number; max: number };
        };
        resolve({
          requests: r.requests.total,
          p50: r.latency.p50,
          p99: r.latency.p99,
          max: r.latency.max,
          status2xx: Number(r["2xx"] ?? 0),
          status5xx: Number(r["5xx"] ?? 0),
          non2xx: Number(r.non2xx ?? 0),
          errors: Number(r.errors ?? 0),
          timeouts: Number(r.timeouts ?? 0),
        });
      } catch (error) {
        reject(new Error(`autocannon exited ${code}: ${(error as Error).message}\n${stderr}\n${stdout.slice(0, 2000)}`));
      }
    });
  });
}

/** What some 5xx answers said (status, type, the start of the body), for the report. */
const samples5xx: string[] = [];

async function sign(email: string, kind: SignRequest["kind"], log: SignRequest[]): Promise<void> {
  const entry: SignRequest = { email, normalized: email.toLowerCase(), kind, sentAt: Date.now(), status: 0, ms: 0 };
  log.push(entry);
  const started = performance.now();
  try {
    const res = await server.post(
      `/petitions/${SEEDED_PETITION}`,
      {
        firstName: "Carga",
        lastName: "Prueba",
        email,
        postalCode: ZIPS[log.length % ZIPS.length],
        comment: "load test",
      },
      { signal: AbortSignal.timeout(30_000) },
    );
    const body = await res.text();
    entry.status = res.status;
    if (res.status >= 500 && samples5xx.length < 50) {
      samples5xx.push(`${res.status} ${res.headers.get("content-type")} x-remix-error=${res.headers.get("x-remix-error")} ${body.replace(/\s+/g, " ").slice(0, 300)}`);
    }
  } catch (error) {
    entry.error = (error as Error).message;
  }
  entry.ms = performance.now() - started;
}

/** Runs tasks with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * The most reminders an address can have earned. The server handled each request at some
 * time between sending it and its answer, so a repeat can have come a cooldown after the
 * last email only if it was answered at least a cooldown after that email's request was sent.
 * Greedily counting such repeats gives an upper bound (and at most 4: 5 emails in all).
 */
function reminderBound(requests: { sentAt: number; doneAt: number }[], cooldownMs: number): number {
  const sorted = [...requests].sort((a, b) => a.sentAt - b.sentAt);
  let last = sorted[0].sentAt;
  let n = 0;
  for (const r of sorted.slice(1)) {
    if (r.doneAt - last >= cooldownMs && n < 4) {
      n++;
      last = r.sentAt;
    }
  }
  return n;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : "-");

describe.skipIf(!process.env.LOAD)(`signing under load (${RATE}/s for ${SECONDS} s, ${POLLERS} pollers; ${FOLLOW_RATE} follows/s, ${READ_RATE} campaign reads/s, an organizer)`, () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpSink();
    const vars = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      // Every request comes from 127.0.0.1: per-IP limits would flag all but a few.
      SIGN_RATE_LIMITS: "off",
    };
    server = await startServer(vars);
    worker = await startWorker({ ...vars, APP_URL: server.url });
    organizerCookie = await signInOrganizer(database.db, server, `load-organizer.${prefix}@example.net`);
  });

  afterAll(async () => {
    await server?.stop("SIGTERM", 15_000);
    await worker?.stop("SIGTERM", 35_000);
    await smtp?.close();
    await database?.drop();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it("answers no 5xx, stores each signer once, mails one confirmation each, and counts every confirmation", { timeout: SECONDS * 1000 + 900_000 }, async () => {
    const apiUrl = `${server.url}/api/petitions/${SEEDED_PETITION}`;
    const runId = randomBytes(3).toString("hex");
    const log: SignRequest[] = [];
    const sent: string[] = [];
    const inflight: Promise<void>[] = [];
    const total = SECONDS * RATE;
    const burstEvery = BURST_EVERY_SECONDS * RATE;
    let bursts = 0;
    let maxLagMs = 0;

    const loadBefore = os.loadavg()[0];
    const cpuBefore = { web: cpuSeconds(server.pid), worker: cpuSeconds(worker.pid), test: process.cpuUsage() };
    const polling = poll(apiUrl, SECONDS).catch((error: Error) => error);
    const campaignTraffic = runCampaignTraffic({
      server,
      seconds: SECONDS,
      followRate: FOLLOW_RATE,
      readRate: READ_RATE,
      dashboardEverySeconds: 2,
      exportEverySeconds: EXPORT_EVERY,
      organizerCookie,
      petitionSlug: SEEDED_PETITION,
      runId,
    });
    const started = performance.now();
    for (let slot = 0; slot < total; ) {
      const due = started + (slot * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      if (slot % burstEvery === burstEvery - BURST_SIZE && slot + BURST_SIZE <= total) {
        // 20 identical submissions at once: alternately a new signer, and one who signed before.
        const repeat = bursts % 2 === 1 && sent.length > 0;
        const email = repeat ? sent[Math.floor(Math.random() * sent.length)] : `burst.${bursts}.${runId}@example.com`;
        if (!repeat) sent.push(email);
        for (let i = 0; i < BURST_SIZE; i++) inflight.push(sign(email, repeat ? "burst-repeat" : "burst-new", log));
        bursts++;
        slot += BURST_SIZE;
        continue;
      }
      if (sent.length > 0 && Math.random() < DUPLICATE_SHARE) {
        inflight.push(sign(recase(sent[Math.floor(Math.random() * sent.length)]), "duplicate", log));
      } else {
        const email = `signer.${slot}.${runId}@example.com`;
        sent.push(email);
        inflight.push(sign(email, "new", log));
      }
      slot++;
    }
    await Promise.all(inflight);
    const signingSeconds = (performance.now() - started) / 1000;
    const pollResult = await polling;
    if (pollResult instanceof Error) throw pollResult;
    const side = await campaignTraffic;
    const polled = pollResult;
    const testCpu = process.cpuUsage(cpuBefore.test);
    const cpu = {
      web: cpuSeconds(server.pid) - cpuBefore.web,
      worker: cpuSeconds(worker.pid) - cpuBefore.worker,
      test: (testCpu.user + testCpu.system) / 1e6,
    };
    const loadAfter = os.loadavg()[0];

    // Every request answered 302 (the thank-you page), whatever the outcome.
    const byStatus = new Map<number, number>();
    for (const r of log) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const sign5xx = log.filter((r) => r.status >= 500).length;
    const latencies = log.map((r) => r.ms);
    const accepted = new Set(log.filter((r) => r.status === 302).map((r) => r.normalized));

    // Rows: exactly the distinct normalized addresses sent, once each.
    const petition = await petitionId(database.db, SEEDED_PETITION);
    const rows = await database.db
      .selectFrom("signatures")
      .select(["id", "email_normalized", "emails_sent", "status"])
      .where("petition_id", "=", petition)
      .execute();

    // Mail: one confirmation per new signature; the reminders the database says it queued, once each.
    const isConfirmation = (m: CapturedMail) => m.subject.startsWith(CONFIRM_SUBJECT);
    const isReminder = (m: CapturedMail) => m.subject.startsWith(REMINDER_SUBJECT);
    const expectedReminders = rows.reduce((sum, r) => sum + (r.emails_sent - 1), 0);
    const drainStarted = performance.now();
    await smtp.waitFor(isConfirmation, rows.length, 300_000);
    await smtp.waitFor(isReminder, expectedReminders, 60_000);
    const followAddresses = new Set(side.follows.filter((f) => f.status === 302).map((f) => f.email.toLowerCase()));
    const isFollowConfirmation = (m: CapturedMail) => m.subject.startsWith(FOLLOW_CONFIRM_SUBJECT) && followAddresses.has(m.to.toLowerCase());
    await smtp.waitFor(isFollowConfirmation, followAddresses.size, 120_000);
    const expectedFollowReminders = (await checkFollows(database.db, side, smtp.messages, runId)).expectedReminders;
    await smtp.waitFor((m) => m.subject.startsWith(FOLLOW_REMINDER_SUBJECT), expectedFollowReminders, 60_000);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await sleep(3_000); // anything sent twice would arrive now
    const follows = await checkFollows(database.db, side, smtp.messages, runId);
    const confirmations = smtp.messages.filter(isConfirmation);
    const reminders = smtp.messages.filter(isReminder);
    const perAddress = (mails: CapturedMail[]) => {
      const counts = new Map<string, number>();
      for (const m of mails) counts.set(m.to.toLowerCase(), (counts.get(m.to.toLowerCase()) ?? 0) + 1);
      return counts;
    };
    const confirmationsTo = perAddress(confirmations);
    const remindersTo = perAddress(reminders);
    const submissions = new Map<string, { sentAt: number; doneAt: number }[]>();
    for (const r of log) submissions.set(r.normalized, [...(submissions.get(r.normalized) ?? []), { sentAt: r.sentAt, doneAt: r.sentAt + r.ms }]);
    const remindersOverBound = rows.filter(
      (r) => (remindersTo.get(r.email_normalized) ?? 0) > reminderBound(submissions.get(r.email_normalized) ?? [], (REMINDER_COOLDOWN_SECONDS - 1) * 1000),
    );

    // Confirm every signature through its link (POST), then the count API must show them all within 5 s.
    const confirmStarted = performance.now();
    const confirmStatus = new Map<number, number>();
    const confirmLatencies: number[] = [];
    await pool(confirmations, 20, async (mail) => {
      const t = performance.now();
      const res = await server.post(new URL(confirmLink(mail)).pathname, {});
      const body = await res.text();
      confirmLatencies.push(performance.now() - t);
      const key = res.status === 200 && !body.includes("Your signature is confirmed") ? -res.status : res.status;
      confirmStatus.set(key, (confirmStatus.get(key) ?? 0) + 1);
    });
    const confirmSeconds = (performance.now() - confirmStarted) / 1000;
    const countStarted = performance.now();
    let apiCount = -1;
    while (performance.now() - countStarted < 5_000) {
      const res = await fetch(apiUrl);
      apiCount = ((await res.json()) as { signatureCount: number }).signatureCount;
      if (apiCount === rows.length) break;
      await sleep(100);
    }
    const countLagMs = performance.now() - countStarted;
    const confirmedRows = await database.db
      .selectFrom("signatures")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("petition_id", "=", petition)
      .where("status", "=", "confirmed")
      .executeTakeFirstOrThrow();

    const kinds = (k: SignRequest["kind"]) => log.filter((r) => r.kind === k).length;
    const errorLines = (h: ChildHandle) => {
      const lines = h.output().split("\n").filter((line) => /error|warn|exception/i.test(line) && !/^\s+at /.test(line));
      return lines.length === 0 ? "none" : `${lines.length}, e.g. ${[...new Set(lines.map((l) => l.slice(0, 160)))].slice(0, 3).join(" | ")}`;
    };
    console.log(
      [
        ``,
        `load: ${SECONDS} s at ${RATE} sign requests/s, ${POLLERS} pollers at ${POLL_RATE}/s each; jobs in a separate worker process (REDIS_URL)`,
        `  machine         ${os.cpus().length} cores; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; CPU used while signing (${fmt(signingSeconds)} s): web ${fmt(cpu.web)} s, worker ${fmt(cpu.worker)} s, this process (client + SMTP sink) ${fmt(cpu.test)} s`,
        `  sign requests   ${log.length} in ${fmt(signingSeconds)} s (new ${kinds("new")}, duplicates ${kinds("duplicate")}, bursts ${bursts}×${BURST_SIZE}: new ${kinds("burst-new")}, repeat ${kinds("burst-repeat")}); scheduler max lag ${fmt(maxLagMs)} ms`,
        `  sign latency    p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(Math.max(...latencies))} ms`,
        `  sign statuses   ${[...byStatus].map(([s, n]) => `${s || "error"}: ${n}`).join(", ")}; 5xx ${sign5xx}`,
        `  count polls     ${polled.requests} (${fmt(polled.requests / SECONDS)}/s), p50 ${polled.p50} ms, p99 ${polled.p99} ms, max ${polled.max} ms; 2xx ${polled.status2xx}, 5xx ${polled.status5xx}, errors ${polled.errors}, timeouts ${polled.timeouts}`,
        `  signatures      ${rows.length} rows, ${accepted.size} distinct addresses accepted`,
        `  emails          ${confirmations.length} confirmations (${confirmationsTo.size} addresses), ${reminders.length} reminders (database: ${expectedReminders}); all sent ${fmt(drainSeconds)} s after signing ended`,
        `  confirmations   ${confirmations.length} POSTs in ${fmt(confirmSeconds)} s, p50 ${fmt(percentile(confirmLatencies, 50))} ms, p99 ${fmt(percentile(confirmLatencies, 99))} ms; statuses ${[...confirmStatus].map(([s, n]) => `${s}: ${n}`).join(", ")}`,
        `  5xx answers     ${[...new Set(samples5xx)].slice(0, 3).join("\n                  ") || "none"}`,
        `  logged errors   web: ${errorLines(server)}; worker: ${errorLines(worker)}`,
        `  count API       ${apiCount} (rows ${rows.length}, confirmed ${confirmedRows.n}) after ${fmt(countLagMs)} ms`,
        `  campaign reads  ${describeTimed(side.reads)}`,
        `  follows         ${describeTimed(side.follows)}; repeats ${side.follows.filter((f) => f.repeat).length}`,
        `  follow rows     ${follows.stored.length} (${follows.accepted.size} distinct address+campaign accepted, ${follows.notPending} not pending); ${[...follows.confirmationsTo.values()].reduce((a, b) => a + b, 0)} confirmations to ${follows.confirmationsTo.size} addresses, ${follows.reminders} reminders (database: ${follows.expectedReminders})`,
        `  dashboard       ${describeTimed(side.dashboards)}`,
        `  CSV exports     ${describeTimed(side.exports)}; rows ${side.exports.map((e) => e.rows).join(", ")}`,
        ``,
      ].join("\n"),
    );

    const tail = (h: ChildHandle) => h.output().slice(-3_000);
    expect(server.alive(), `web exited:\n${tail(server)}`).toBe(true);
    expect(worker.alive(), `worker exited:\n${tail(worker)}`).toBe(true);
    expect(sign5xx, "sign 5xx").toBe(0);
    expect(polled.status5xx, "count API 5xx").toBe(0);
    expect(polled.errors + polled.timeouts, "count API errors").toBe(0);
    expect(
      log.filter((r) => r.status !== 302).slice(0, 5),
      "every sign request answers 302",
    ).toEqual([]);
    expect(rows.length).toBe(accepted.size);
    expect(new Set(rows.map((r) => r.email_normalized))).toEqual(accepted);
    expect([...confirmationsTo].filter(([, n]) => n !== 1), "addresses with other than one confirmation").toEqual([]);
    expect(confirmationsTo.size).toBe(rows.length);
    expect(reminders.length).toBe(expectedReminders);
    expect(rows.filter((r) => (remindersTo.get(r.email_normalized) ?? 0) !== r.emails_sent - 1), "reminders mailed ≠ queued").toEqual([]);
    expect(remindersOverBound.map((r) => r.email_normalized), "reminders inside the cooldown").toEqual([]);
    expect([...confirmStatus.keys()], "every confirmation answers 200 'confirmed'").toEqual([200]);
    expect(Number(confirmedRows.n)).toBe(rows.length);
    expect(apiCount).toBe(rows.length);

    // Campaigns and the organizer, beside signing: no 5xx, each follow stored once and mailed once.
    const failed = (entries: { status: number }[]) => entries.filter((e) => e.status === 0 || e.status >= 500);
    expect(failed(side.reads).slice(0, 5), "campaign reads without an answer or 5xx").toEqual([]);
    expect(side.reads.filter((r) => r.status !== 200).slice(0, 5), "every campaign read answers 200").toEqual([]);
    expect(failed(side.follows).slice(0, 5), "follows without an answer or 5xx").toEqual([]);
    expect(side.follows.filter((f) => f.status !== 302).slice(0, 5), "every follow answers 302").toEqual([]);
    expect([...follows.stored].sort()).toEqual([...follows.accepted].sort());
    expect(follows.notPending, "follows not pending").toBe(0);
    expect([...follows.confirmationsTo].filter(([, n]) => n !== 1), "follow addresses with other than one confirmation").toEqual([]);
    expect(follows.confirmationsTo.size).toBe(follows.stored.length);
    expect(follows.remindersOff, "follow reminders mailed ≠ queued").toEqual([]);
    expect(side.dashboards.filter((d) => d.status !== 200), "every dashboard load answers 200").toEqual([]);
    expect(side.exports.filter((e) => e.status !== 200), "every export answers 200").toEqual([]);
    expect(side.exports.length, "exports while signing").toBeGreaterThan(0);
    expect(side.exports.filter((e) => e.rows > rows.length), "an export with more signers than were stored").toEqual([]);
  });
});
