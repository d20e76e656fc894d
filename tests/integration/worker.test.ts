import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailer, type Mailer } from "../../emails/transport";
import { testJobDeps } from "../support/jobs";
import type { JobDeps } from "../../jobs/deps";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";
import { relayOutbox, startQueueWorker, type QueueWorker } from "../../jobs/queue";
import { startTestApp, type TestApp } from "../support/app";
import { deleteRedisPrefix } from "../support/processes";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { petitionId, SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import { confirmLink, startSmtpSink, type SmtpSink } from "../support/smtp";

// The deployment shape: a web process that only writes outbox rows, and a
// separate BullMQ worker on real Redis that relays and sends them.

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECOND_PETITION = "mayors-dontgivein-expand-sanctuary";
const MAIL_FROM = "Sanctuary <no-reply@sanctuary.example.org>";
const DELIVERY_INTERVAL_MS = 86_400_000;

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
const prefixes: string[] = [];

function newPrefix(): string {
  const prefix = `test-${randomBytes(6).toString("hex")}`;
  prefixes.push(prefix);
  return prefix;
}

function jobDeps(mailer: Mailer): JobDeps {
  return testJobDeps({ db: database.db, mailer, appUrl: app.url, deliveryIntervalMs: DELIVERY_INTERVAL_MS });
}

async function count(slug = SEEDED_PETITION): Promise<number> {
  const res = await app.get(`/api/petitions/${slug}`);
  return ((await res.json()) as { signatureCount: number }).signatureCount;
}

function mailsTo(email: string) {
  return smtp.messages.filter((m) => m.to.toLowerCase() === email.toLowerCase());
}

async function outboxRowFor(email: string) {
  const signature = await database.db.selectFrom("signatures").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return database.db
    .selectFrom("outbox")
    .selectAll()
    .where(sql<boolean>`(payload->>'signatureId')::int = ${signature.id}`)
    .orderBy("id")
    .executeTakeFirstOrThrow();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url, REDIS_URL }, { runJobsInProcess: false });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
  // Leave nothing behind in the shared Redis.
  for (const prefix of prefixes) await deleteRedisPrefix(REDIS_URL, prefix);
});

describe("the BullMQ worker on real Redis", () => {
  let worker: QueueWorker;
  let mailer: Mailer;

  beforeAll(() => {
    mailer = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, db: database.db });
    worker = startQueueWorker(jobDeps(mailer), { redisUrl: REDIS_URL, prefix: newPrefix(), relayEveryMs: 50 });
  });

  afterAll(async () => {
    await worker?.stop();
    await mailer?.close();
  });

  it("leaves the web process's jobs to the worker: sign, one confirmation email, confirm, count rises", async () => {
    const before = await count();
    const email = "worker.signer@example.com";
    const res = await app.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email }));
    expect(res.status).toBe(302);

    const [mail] = await smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toContain("Confirm your signature");
    const confirmed = await app.post(new URL(confirmLink(mail)).pathname, {});
    expect(await confirmed.text()).toContain("Your signature is confirmed");
    expect(await count()).toBe(before + 1);

    const row = await outboxRowFor(email);
    await waitUntil(async () => (await outboxRowFor(email)).status === "done", 5_000, "the outbox row to be done");
    const job = await worker.queue.getJob(`outbox-${row.id}`);
    expect(job?.id).toBe(`outbox-${row.id}`);
    expect(job?.data).toEqual({ outboxId: String(row.id) });
    expect(await job?.getState()).toBe("completed");
    expect(job?.returnvalue).toBe("done");

    await sleep(300);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it("mails nobody twice when a sent row is relayed again", async () => {
    const email = "relayed.twice@example.com";
    await app.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email }));
    await smtp.waitFor((m) => m.to === email);
    const row = await outboxRowFor(email);
    await waitUntil(async () => (await outboxRowFor(email)).status === "done", 5_000, "the outbox row to be done");

    // As if the relay had crashed after add() but before recording "queued": the row is pending again.
    await database.db.updateTable("outbox").set({ status: "pending", done_at: null }).where("id", "=", row.id as never).execute();
    await waitUntil(async () => (await outboxRowFor(email)).status !== "pending", 5_000, "the row to be relayed again");
    await sleep(1_000);
    expect(mailsTo(email)).toHaveLength(1);
    expect(await worker.queue.getJobCountByTypes("waiting", "active", "delayed", "prioritized")).toBe(0);
  });

  it("mails each signer once when several relays move the same rows at the same time", async () => {
    const id = await petitionId(database.db, SECOND_PETITION);
    const emails = Array.from({ length: 20 }, (_, i) => `concurrent.${i}@example.com`);
    // Written in one transaction, so all 20 rows are pending when the relays start.
    await database.db.transaction().execute(async (trx) => {
      for (const email of emails) {
        const signature = await trx
          .insertInto("signatures")
          .values({
            petition_id: id,
            first_name: "Luz",
            last_name: "Ramos",
            email,
            email_normalized: email,
            postal_code: "94110",
            zip5: "94110",
            locale: "en",
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await enqueueOutbox(trx, JOB_KINDS.signatureConfirmation, { signatureId: signature.id });
      }
    });
    const relayed = await Promise.all(Array.from({ length: 4 }, () => relayOutbox({ db: database.db }, worker.queue)));
    // The worker's own relay loop may have taken some; between all of them, no row went out twice.
    expect(relayed.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(emails.length);

    await smtp.waitFor((m) => emails.includes(m.to), emails.length);
    await sleep(1_000);
    for (const email of emails) expect(mailsTo(email), email).toHaveLength(1);
  });

  it("records a permanent SMTP refusal as failed and does not retry it", async () => {
    const email = "refused.permanently@example.com";
    smtp.rejectWith(550);
    try {
      expect((await app.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email }))).status).toBe(302);
      await waitUntil(async () => (await outboxRowFor(email)).status === "failed", 10_000, "the outbox row to fail");
    } finally {
      smtp.rejectWith(null);
    }
    const row = await outboxRowFor(email);
    expect(row.last_error).toContain("550");
    expect(row.last_error).not.toContain(email);
    // Longer than the first backoff (2 s): a retry would now get through.
    await sleep(3_000);
    expect(mailsTo(email)).toHaveLength(0);
    const job = await worker.queue.getJob(`outbox-${row.id}`);
    expect(await job?.getState()).toBe("completed");
    expect(job?.returnvalue).toBe("failed");
    expect((await outboxRowFor(email)).status).toBe("failed");
  });

  it("retries a temporary SMTP refusal with backoff and sends once the server takes mail again", async () => {
    const email = "refused.temporarily@example.com";
    smtp.rejectWith(451);
    try {
      expect((await app.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email }))).status).toBe(302);
      await waitUntil(async () => (await outboxRowFor(email)).last_error?.includes("451") ?? false, 10_000, "a first failed attempt");
      expect(mailsTo(email)).toHaveLength(0);
    } finally {
      smtp.rejectWith(null);
    }
    const [mail] = await smtp.waitFor((m) => m.to === email, 1, 20_000);
    expect(confirmLink(mail)).toContain("/confirm/");
    await waitUntil(async () => (await outboxRowFor(email)).status === "done", 5_000, "the outbox row to be done");
    const row = await outboxRowFor(email);
    expect(row.last_error).toBeNull();
    const job = await worker.queue.getJob(`outbox-${row.id}`);
    expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);
    await sleep(500);
    expect(mailsTo(email)).toHaveLength(1);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function startRedisServer(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}

function killAndWait(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("Redis stopped while people sign", () => {
  let redis: ChildProcess | null = null;
  let port: number;
  let worker: QueueWorker;
  let mailer: Mailer;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    mailer = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, db: database.db });
    worker = startQueueWorker(jobDeps(mailer), { redisUrl: `redis://127.0.0.1:${port}`, prefix: newPrefix(), relayEveryMs: 50 });
    await worker.worker.waitUntilReady();
  });

  afterAll(async () => {
    await worker?.stop();
    await killAndWait(redis);
    await mailer?.close();
  });

  it("keeps signing working and sends every confirmation exactly once when Redis is back", async () => {
    await killAndWait(redis);
    redis = null;

    const signers = Array.from({ length: 6 }, (_, i) => ({
      email: `offline.${i}@example.com`,
      slug: i % 2 === 0 ? SEEDED_PETITION : SECOND_PETITION,
    }));
    for (const { email, slug } of signers) {
      const res = await app.post(`/petitions/${slug}`, signerFields({ email }));
      expect(res.status, email).toBe(302);
      expect(res.headers.get("location")).toBe(`/petitions/${slug}/thanks`);
    }
    const stored = await database.db
      .selectFrom("signatures")
      .select("email")
      .where(
        "email",
        "in",
        signers.map((s) => s.email),
      )
      .execute();
    expect(stored).toHaveLength(signers.length);

    // The relay keeps trying and failing; the rows wait.
    await sleep(1_000);
    for (const { email } of signers) expect((await outboxRowFor(email)).status, email).toBe("pending");
    expect(signers.flatMap(({ email }) => mailsTo(email))).toHaveLength(0);

    redis = await startRedisServer(port);
    await smtp.waitFor((m) => signers.some((s) => s.email === m.to), signers.length, 30_000);
    await sleep(1_000);
    for (const { email } of signers) expect(mailsTo(email), email).toHaveLength(1);
    for (const { email } of signers) expect((await outboxRowFor(email)).status, email).toBe("done");
  });

  it("stops within a few seconds while Redis is down (SIGTERM during an outage)", async () => {
    await killAndWait(redis);
    redis = null;
    await sleep(500);
    const startedAt = Date.now();
    const stopping = worker.stop().then(() => "stopped");
    const outcome = await Promise.race([stopping, sleep(5_000).then(() => "still stopping")]);
    expect(outcome).toBe("stopped");
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});

describe("the worker process (jobs/worker.ts, what `npm run worker` starts)", () => {
  function runWorker(env: Record<string, string>) {
    // jobs/worker.ts in one process, with tsx as a loader. Not through npm/npx (their `sh -c` does not
    // pass SIGTERM on and leaves the worker running) nor the tsx CLI (it SIGKILLs its child when the
    // child does not acknowledge a relayed signal within 30 ms, which happens on a busy machine).
    const child = spawn(process.execPath, ["--import", "tsx", "jobs/worker.ts"], {
      // A clean environment: nothing of this test process's configuration leaks in.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  it("refuses to start without REDIS_URL and DATABASE_URL, saying what is missing", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "sanctuary-worker-"));
    const neither = runWorker({ DATA_DIR: dataDir });
    const onlyRedis = runWorker({ DATA_DIR: dataDir, REDIS_URL });
    expect(await neither.exited).toBe(1);
    expect(neither.output()).toContain("The worker needs REDIS_URL and DATABASE_URL");
    expect(await onlyRedis.exited).toBe(1);
    expect(onlyRedis.output()).toMatch(/REDIS_URL: needs DATABASE_URL/);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts with both and exits 0 on SIGTERM within a few seconds", async () => {
    // Its own empty database: the CLI worker must not take this file's outbox rows.
    const own = await createTestDatabase({ seed: false });
    const run = runWorker({ DATABASE_URL: own.url, REDIS_URL, REDIS_PREFIX: newPrefix(), SMTP_URL: smtp.url });
    try {
      await waitUntil(async () => run.output().includes("[worker] running") || run.child.exitCode !== null, 20_000, "the worker to start");
      expect(run.output(), run.output()).toContain("[worker] running");
      const stoppedAt = Date.now();
      run.child.kill("SIGTERM");
      expect(await run.exited, run.output()).toBe(0);
      expect(Date.now() - stoppedAt, run.output()).toBeLessThan(5_000);
      expect(run.output()).toContain("SIGTERM");
    } finally {
      await killAndWait(run.child);
      await own.drop();
    }
  });
});
