import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { preferencesToken, unsubscribeToken } from "../app/lib/subscriber-links.server";
import { publishUpdate } from "../app/models/campaign-updates.server";
import { prepareCampaignUpdateEmail } from "../emails/campaign-update";
import { BATCH_CONCURRENCY } from "../jobs/handlers/update-batch";
import { BATCHES_IN_FLIGHT } from "../jobs/queue";
import { ensureBuilt } from "../scripts/build-server.js";
import { startBackendMeter } from "./lib/backend-meter";
import { cleanupAll, installSignalHandlers, onCleanup, sleep } from "./lib/cleanup";
import { backgroundLoad, formatCpu, startCpuMeter, type CpuReport } from "./lib/cpu";
import { createBenchDatabase } from "./lib/db";
import { startChild, type Child } from "./lib/process";

/**
 * `npm run bench:fanout [-- --followers N]`: one campaign update to 100,000
 * confirmed followers (N with --followers), in a database of its own, through an
 * SMTP server in a child process that accepts every message and discards it:
 *  (a) the limit: nodemailer alone, pooled as emails/transport.ts pools it (5
 *      connections), sending the same message (same size: a real rendered update)
 *      with as many sends outstanding as our worker has at most;
 *  (b) our path: publishUpdate, then the real worker (`node build/worker.js`,
 *      what production and `npm run worker` run, MAIL_RATE_PER_MINUTE=0, its own
 *      Redis prefix) fanning out and sending the batches, timed from publishing
 *      until every update_sends row is `sent`.
 * Prints both rates, the ratio (aim ≥ 70 %), the worker's peak RSS and CPU per
 * email, a table row for bench/run.ts (`BENCH_ROW {...}`) and a JSON summary
 * (`BENCH_JSON {...}`, also written to bench/results/<date>-fanout.json).
 *
 * BENCH_FANOUT_LIMIT_SENDS caps how many messages (a) sends (20,000 by default: a
 * rate, not a total, is compared); BENCH_QUIET_WAIT how long to wait for a quiet
 * machine before each measurement (10 s); BENCH_WORKER_NODE_ARGS are added to the
 * worker's node command line (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile
 * it). Needs PostgreSQL as the other benchmarks do, and Redis at BENCH_REDIS_URL
 * (redis://127.0.0.1:6379 by default).
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const AIM = 0.7;
const QUIET = 0.15;
const MB = 1024 * 1024;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = randomBytes(24).toString("hex");
const APP_URL = "https://sanctuary.example.org";

const log = (line: string) => console.log(`[bench:fanout] ${line}`);
const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---------------------------------------------------------------------------
// The SMTP sink, run as a child process of this script (`--sink`): the sink's CPU is
// then its own and not the measured process's. It prints its port, then its count of
// messages every 100 ms while the count changes.

async function runSink(): Promise<void> {
  let received = 0;
  let bytes = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // One connection per pooled client connection; nodemailer's pool opens 5.
    maxClients: 100,
    onData(stream, _session, callback) {
      stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      stream.on("end", () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  console.log(`SINK_PORT ${(server.server.address() as AddressInfo).port}`);
  let last = -1;
  setInterval(() => {
    if (received === last) return;
    last = received;
    console.log(`SINK_COUNT ${received} ${bytes}`);
  }, 100);
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

interface Sink {
  url: string;
  pid: number;
  received(): number;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child = startChild("SMTP sink", process.execPath, ["--import", "tsx", path.join(ROOT, "bench/fanout.ts"), "--sink"], { cwd: ROOT });
  let port = 0;
  let received = 0;
  child.process.stdout?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      const p = /^SINK_PORT (\d+)/.exec(line);
      if (p) port = Number(p[1]);
      const c = /^SINK_COUNT (\d+)/.exec(line);
      if (c) received = Math.max(received, Number(c[1]));
    }
  });
  const deadline = Date.now() + 30_000;
  while (!port) {
    if (Date.now() > deadline) throw new Error(`the SMTP sink did not start:\n${child.output()}`);
    await sleep(50);
  }
  return { url: `smtp://127.0.0.1:${port}`, pid: child.pid, received: () => received, close: () => child.stop() };
}

// ---------------------------------------------------------------------------

/** Resident memory of the biggest process in a process group, in bytes. */
function groupRss(pgid: number): number {
  let peak = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      peak = Math.max(peak, kb ? Number(kb[1]) * 1024 : 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return peak;
}

function sampleRss(read: () => number, everyMs = 100): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => (peak = Math.max(peak, read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

async function waitForQuiet(what: string): Promise<number> {
  const until = Date.now() + Number(process.env.BENCH_QUIET_WAIT ?? 10) * 1000;
  let busy = await backgroundLoad();
  while (busy > QUIET && Date.now() < until) busy = await backgroundLoad();
  if (busy > QUIET) log(`warning: before ${what} the machine was already ${Math.round(busy * 100)} % busy with other work; the figures are low`);
  return busy;
}

/**
 * N confirmed followers of one campaign: one INSERT … SELECT generate_series for the
 * subscribers and one for their follows, every fifth in Spanish, every ninth without a
 * first name.
 */
async function fill(db: Awaited<ReturnType<typeof createBenchDatabase>>["db"], campaignId: number, n: number): Promise<void> {
  await sql`
    insert into subscribers (email, email_normalized, first_name, locale)
    select 'follower.' || i || '@example.org', 'follower.' || i || '@example.org',
           case when i % 9 = 0 then null else (array['Ana','José','Zoë','María','Li','Chris'])[1 + i % 6] end,
           case when i % 5 = 0 then 'es' else 'en' end
    from generate_series(1, ${n}::int) as i`.execute(db);
  await sql`
    insert into follows (subscriber_id, campaign_id, status, source, confirmed_at)
    select id, ${campaignId}, 'confirmed', 'form', now() from subscribers`.execute(db);
  await sql`analyze subscribers`.execute(db);
  await sql`analyze follows`.execute(db);
}

const UPDATE = {
  en: {
    title: "The campus vote is Thursday: here is what to bring",
    body: [
      "We **won** the first vote on the sanctuary campus resolution, 7 to 2. Thank you to everyone who signed and called.",
      "The final vote is on **Thursday at 6 pm** in the student union. Bring a friend, and if you can, a short story about why this matters to you.",
      "- Doors open at 5:30 pm\n- Spanish interpretation is available\n- The room is wheelchair accessible",
      "[Read the resolution](/petitions/tell-your-mayor-defy-trump-expand-sanctuary) and share it with your classmates.",
    ].join("\n\n"),
  },
  es: {
    title: "La votación del campus es el jueves: esto es lo que debe traer",
    body: [
      "**Ganamos** la primera votación sobre la resolución de campus santuario, 7 a 2. Gracias a todos los que firmaron y llamaron.",
      "La votación final es el **jueves a las 6 pm** en el centro estudiantil. Traiga a un amigo y, si puede, una historia corta sobre por qué esto le importa.",
      "- Las puertas abren a las 5:30 pm\n- Hay interpretación al español\n- La sala es accesible en silla de ruedas",
      "[Lea la resolución](/petitions/tell-your-mayor-defy-trump-expand-sanctuary) y compártala con sus compañeros.",
    ].join("\n\n"),
  },
};

/** (a) nodemailer alone: `count` sends of one message, `concurrency` outstanding at a time. */
async function nodemailerRate(sink: Sink, count: number, concurrency: number): Promise<{ ms: number; cpu: CpuReport; bytes: number }> {
  // The pool settings of emails/transport.ts.
  const transporter = nodemailer.createTransport({
    url: sink.url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
    dnsTimeout: 10_000,
    logger: false,
    debug: false,
    tls: { rejectUnauthorized: false },
  });
  const mail = prepareCampaignUpdateEmail({
    locale: "en",
    title: UPDATE.en.title,
    body: UPDATE.en.body,
    campaignTitle: "Sanctuary Campus Movement",
    campaignUrl: `${APP_URL}/campaigns/sanctuary-campus-movement?lang=en`,
    appUrl: APP_URL,
  }).render({
    firstName: "Ana",
    unsubscribeUrl: `${APP_URL}/unsubscribe/${unsubscribeToken(SECRET, 123_456, 2)}?lang=en`,
    preferencesUrl: `${APP_URL}/preferences/${preferencesToken(SECRET, 123_456)}?lang=en`,
  });
  const message = { from: "Sanctuary <no-reply@sanctuary.example.org>", to: "follower.123456@example.org", ...mail };
  const bytes = Buffer.byteLength(mail.html) + Buffer.byteLength(mail.text);
  // Warm up: open the pool's connections.
  await Promise.all(Array.from({ length: 10 }, () => transporter.sendMail(message)));
  let next = 0;
  const meter = startCpuMeter({ sink: sink.pid });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await transporter.sendMail(message);
      }
    }),
  );
  const ms = performance.now() - started;
  const cpu = meter.stop();
  transporter.close();
  return { ms, cpu, bytes };
}

async function main(): Promise<number> {
  installSignalHandlers();
  const t0 = performance.now();
  const followers = Number(argument("--followers") ?? process.env.BENCH_FANOUT_FOLLOWERS ?? 100_000);
  if (!Number.isInteger(followers) || followers < 1) throw new Error("--followers takes a positive whole number");
  const limitSends = Math.min(followers, Number(process.env.BENCH_FANOUT_LIMIT_SENDS ?? 20_000));
  const concurrency = BATCHES_IN_FLIGHT * BATCH_CONCURRENCY;
  // The worker runs the project's build/worker.js, built here as `npm run worker` would when missing or stale.
  await ensureBuilt("worker", { log });

  const database = await createBenchDatabase();
  const prefix = `bench-fanout-${randomBytes(4).toString("hex")}`;
  const dropKeys = onCleanup(`Redis keys ${prefix}:*`, async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
  });
  const sink = await startSink();
  let worker: Child | null = null;
  try {
    const { db } = database;
    const campaign = await db.selectFrom("campaigns").select("id").where("slug", "=", "sanctuary-campus-movement").executeTakeFirstOrThrow();
    log(`database ${database.name}: filling ${thousands(followers)} confirmed followers…`);
    let t = performance.now();
    await fill(db, campaign.id, followers);
    log(`filled in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // (a) nodemailer's own pooled rate to the sink.
    const limitBusy = await waitForQuiet("nodemailer's rate");
    const before = sink.received();
    const limit = await nodemailerRate(sink, limitSends, concurrency);
    const limitRate = limitSends / (limit.ms / 1000);
    log(
      `nodemailer alone: ${thousands(limitSends)} messages (${thousands(limit.bytes)} bytes of HTML + text) in ${(limit.ms / 1000).toFixed(1)} s = ` +
        `${thousands(limitRate)} emails/s, ${concurrency} sends outstanding, pool of 5 (${formatCpu(limit.cpu).replace("load generator", "nodemailer")})`,
    );

    // (b) our path: the worker process, as deployed.
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    worker = startChild("worker", process.execPath, [...nodeArgs, path.join(ROOT, "build/worker.js")], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        SMTP_URL: sink.url,
        APP_URL,
        SESSION_SECRET: SECRET,
        MAIL_RATE_PER_MINUTE: "0",
        DELIVERY_INTERVAL: "24h",
      },
    });
    const startDeadline = Date.now() + 60_000;
    while (worker.printed(/\[worker\] running/) === 0) {
      if (Date.now() > startDeadline) throw new Error(`the worker did not start:\n${worker.output()}`);
      await sleep(100);
    }
    const ourBusy = await waitForQuiet("the fan-out");
    const idleRss = groupRss(worker.pid);
    const rss = sampleRss(() => groupRss(worker!.pid));
    const meter = startCpuMeter({ worker: worker.pid, sink: sink.pid });
    const backends = await startBackendMeter(database.name);
    const sinkBefore = sink.received();
    t = performance.now();
    const updateId = await publishUpdate(db, { campaignId: campaign.id, translations: UPDATE });
    // Watch the sink (its child prints its count), not the table: counting 100,000 rows
    // every few milliseconds would cost Postgres more than the sends do. Once the sink has
    // them all, the end is when the last `sent` is recorded.
    let firstSentMs = 0;
    const deadline = Date.now() + 15 * 60_000;
    const sentRows = async () =>
      (
        await db
          .selectFrom("update_sends")
          .select(sql<number>`count(*)::int`.as("n"))
          .where("update_id", "=", updateId)
          .where("status", "=", "sent")
          .executeTakeFirstOrThrow()
      ).n;
    for (;;) {
      const received = sink.received() - sinkBefore;
      if (!firstSentMs && received > 0) firstSentMs = performance.now() - t;
      if (received >= followers && (await sentRows()) >= followers) break;
      if (Date.now() > deadline) throw new Error(`only ${await sentRows()} of ${followers} sent after 15 minutes:\n${worker.output()}`);
      await sleep(received >= followers ? 20 : 50);
    }
    const ourMs = performance.now() - t;
    const cpu = meter.stop();
    const backendMs = await backends.stop();
    const peakRss = rss.stop();
    await sleep(500);
    const delivered = sink.received() - sinkBefore;
    const ourRate = followers / (ourMs / 1000);
    const ratio = ourRate / limitRate;
    const perEmail = (cores: number, report: CpuReport, n: number) => (cores * report.seconds * 1000) / n;
    const workerCpuMsPerEmail = perEmail(cpu.cores.worker, cpu, followers);
    // The same comparison in CPU time, which other work on a shared machine changes less than rates:
    // nodemailer + sink for the limit; worker + sink + this database's Postgres backends for ours.
    const limitCpuMs = perEmail(limit.cpu.cores["load generator"] + limit.cpu.cores.sink, limit.cpu, limitSends);
    const ourCpuMs = perEmail(cpu.cores.worker + cpu.cores.sink, cpu, followers) + backendMs / followers;
    const cpuRatio = limitCpuMs / ourCpuMs;
    const sends = await db
      .selectFrom("update_sends")
      .select(["status", sql<number>`count(*)::int`.as("n")])
      .where("update_id", "=", updateId)
      .groupBy("status")
      .execute();
    const batches = await db.selectFrom("campaign_updates").select("fanout_batches").where("id", "=", updateId).executeTakeFirstOrThrow();
    log(
      `our path: ${thousands(followers)} followers in ${(ourMs / 1000).toFixed(1)} s = ${thousands(ourRate)} emails/s ` +
        `(first received after ${Math.round(firstSentMs)} ms; ${batches.fanout_batches} batches; sink got ${thousands(delivered)}; ` +
        `sends ${sends.map((s) => `${s.status} ${s.n}`).join(", ")}); worker RSS ${(idleRss / MB).toFixed(0)} MB idle, peak ${(peakRss / MB).toFixed(0)} MB; ` +
        `CPU per email: worker ${workerCpuMsPerEmail.toFixed(2)} ms, this database's Postgres backends ${(backendMs / followers).toFixed(2)} ms ` +
        `(${formatCpu(cpu).replace("load generator", "bench")})`,
    );
    log(
      `CPU per email, sink included: nodemailer alone ${limitCpuMs.toFixed(2)} ms, our path ${ourCpuMs.toFixed(2)} ms (with Postgres): ` +
        `as a ratio ${Math.round(cpuRatio * 100)} %`,
    );
    if (delivered < followers) throw new Error(`the sink received ${delivered} messages for ${followers} followers`);
    if (sink.received() - before !== limitSends + 10 + delivered) log(`note: the sink counted ${sink.received() - before} messages in all`);

    const pass = ratio >= AIM;
    const summary = {
      followers,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", node: process.version },
      limit: {
        emailsPerSecond: Math.round(limitRate),
        messages: limitSends,
        seconds: +(limit.ms / 1000).toFixed(2),
        sendsOutstanding: concurrency,
        messageBytes: limit.bytes,
        cpuMsPerEmail: { withSink: +limitCpuMs.toFixed(3) },
        cores: limit.cpu.cores,
      },
      ours: {
        emailsPerSecond: Math.round(ourRate),
        seconds: +(ourMs / 1000).toFixed(2),
        firstSentMs: Math.round(firstSentMs),
        batches: batches.fanout_batches,
        batchesInFlight: BATCHES_IN_FLIGHT,
        batchConcurrency: BATCH_CONCURRENCY,
        workerRssMB: { idle: Math.round(idleRss / MB), peak: Math.round(peakRss / MB) },
        cpuMsPerEmail: { worker: +workerCpuMsPerEmail.toFixed(3), postgres: +(backendMs / followers).toFixed(3), withSink: +ourCpuMs.toFixed(3) },
        cores: cpu.cores,
      },
      ratio: +ratio.toFixed(3),
      cpuRatio: +cpuRatio.toFixed(3),
      machineBusyBefore: { limit: +limitBusy.toFixed(2), ours: +ourBusy.toFixed(2) },
      pass,
      totalSeconds: Math.round((performance.now() - t0) / 1000),
    };
    console.log(
      `\nfan-out ${thousands(ourRate)} emails/s · nodemailer alone ${thousands(limitRate)} emails/s · ratio ${Math.round(ratio * 100)} % ` +
        `(in CPU time per email ${Math.round(cpuRatio * 100)} %) · ` +
        `worker peak RSS ${(peakRss / MB).toFixed(0)} MB · aim ≥ ${AIM * 100} %: ${pass ? "met" : "NOT met"}`,
    );
    console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
    console.log(
      `BENCH_ROW ${JSON.stringify({
        benchmark: `fan-out, ${thousands(followers)} followers`,
        result: `${thousands(ourRate)} emails/s (${(ourMs / 1000).toFixed(0)} s; CPU-time ratio ${Math.round(cpuRatio * 100)}%); worker peak RSS ${(peakRss / MB).toFixed(0)} MB`,
        limit: `nodemailer pool ${thousands(limitRate)} emails/s`,
        ratio: summary.ratio,
        aim: `≥${AIM * 100}%`,
        pass,
      })}`,
    );
    const now = new Date();
    const date = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
    mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(path.join(ROOT, "bench/results", `${date}-fanout.json`), `${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } finally {
    await worker?.stop();
    await sink.close();
    await dropKeys();
    await database.drop();
  }
}

if (process.argv.includes("--sink")) {
  void runSink();
} else {
  main()
    .then(async (code) => {
      await cleanupAll();
      process.exit(code);
    })
    .catch(async (error) => {
      console.error(`[bench:fanout] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanupAll();
      process.exit(1);
    });
}
