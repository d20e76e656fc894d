import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { findDueDeliveries } from "../app/models/deliveries.server";
import type { RecordedResponse } from "./bare-server";
import { startApp, type BenchContext } from "./lib/app";
import { sleep } from "./lib/cleanup";
import { countedSignatures, createBenchDatabase, PETITION_SLUG, type BenchDatabase } from "./lib/db";
import { cpuMs, formatCpu, startCpuMeter, type CpuReport } from "./lib/cpu";
import { runLoad, type LoadResult } from "./lib/load";
import { freePort, startChild, waitForHttp } from "./lib/process";
import { signingLoad } from "./signing";

export const READING = {
  connections: 50,
  seconds: 10,
  warmupSeconds: 2,
  /** The bare server's rate is steady: a shorter run keeps the whole bench within its time. */
  bareSeconds: 5,
  bareWarmupSeconds: 1,
  stalenessSeconds: 8,
  seededConfirmed: 20_000,
};

export const API_PATH = `/api/petitions/${PETITION_SLUG}`;
export const PAGE_PATH = `/petitions/${PETITION_SLUG}`;

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date"]);

/** One response exactly as the app sends it to a client that asks for no compression. */
function record(baseUrl: string, pathName: string): Promise<RecordedResponse> {
  return new Promise((resolve, reject) => {
    http
      .get(`${baseUrl}${pathName}`, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (!HOP_BY_HOP.has(res.rawHeaders[i].toLowerCase())) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          }
          resolve({ path: pathName, status: res.statusCode ?? 0, headers, bodyBase64: Buffer.concat(chunks).toString("base64") });
        });
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** Confirmed signatures already there, so the page lists signers and the count counts something. */
async function seedConfirmed(database: BenchDatabase, n: number): Promise<void> {
  await sql`
    insert into signatures (petition_id, first_name, last_name, email, email_normalized, postal_code, zip5, city, county, state,
                            locale, status, emails_sent, created_at, confirmed_at)
    select ${database.petitionId}, 'Seed', 'Signer', 'seed-' || i || '@example.com', 'seed-' || i || '@example.com', '94110', '94110',
           'San Francisco', 'San Francisco', 'CA', 'en', 'confirmed', 1, now() - interval '1 day', now() - (i || ' seconds')::interval
    from generate_series(1, ${n}) as i`.execute(database.db);
  await sql`analyze signatures`.execute(database.db);
  // As if the officials' digest had just gone out: otherwise the server's first periodic run would build and mail
  // digests of all 20,000 (a CSV each) inside the web process while its reading is being measured.
  const due = await findDueDeliveries(database.db, 24 * 3600 * 1000);
  if (due.length > 0) {
    await database.db
      .insertInto("deliveries")
      .values(due.map((pair) => ({ petition_id: pair.petitionId, target_id: pair.targetId, status: "sent" as const, signature_count: pair.pending, sent_at: new Date() })))
      .execute();
  }
}

export interface ReadRun {
  load: LoadResult;
  cpu: CpuReport;
  bytes: number;
}

export interface StalenessResult {
  polls: number;
  confirmations: number;
  /** Seconds between a count becoming true (its confirmation committed) and the API still showing an older one. */
  maxLagSeconds: number;
  p99LagSeconds: number;
  signingRps: number;
}

export interface ReadingResult {
  webProcesses: number;
  api: ReadRun;
  page: ReadRun;
  bareApi: ReadRun;
  barePage: ReadRun;
  staleness: StalenessResult;
}

async function measure(url: string, groups: Record<string, number>, seconds = READING.seconds, warmupSeconds = READING.warmupSeconds): Promise<ReadRun> {
  await runLoad({ url, connections: READING.connections, seconds: warmupSeconds, expectStatus: 200 });
  const meter = startCpuMeter(groups);
  const load = await runLoad({ url, connections: READING.connections, seconds, expectStatus: 200 });
  return { load, cpu: meter.stop(), bytes: 0 };
}

/**
 * While people sign at full speed, the bench confirms pending signatures every
 * 200 ms (as if they clicked their links; SQL, so no cache is invalidated: the
 * worst case) and polls the API every 100 ms. Each poll's count is compared
 * with the moment the newer counts had committed.
 */
async function measureStaleness(baseUrl: string, database: BenchDatabase): Promise<StalenessResult> {
  const start = performance.now();
  const end = start + READING.stalenessSeconds * 1000;
  let total = await countedSignatures(database.db, database.petitionId);
  const commits: { at: number; total: number }[] = [{ at: start, total }];
  const polls: { at: number; value: number }[] = [];
  const signing = signingLoad(baseUrl, 50, READING.stalenessSeconds, "stale");
  const confirmer = (async () => {
    while (performance.now() < end) {
      const result = await sql`
        update signatures set status = 'confirmed', confirmed_at = now()
        where id in (select id from signatures where petition_id = ${database.petitionId} and status = 'pending' limit 1000)`.execute(database.db);
      const changed = Number(result.numAffectedRows ?? 0);
      if (changed > 0) {
        total += changed;
        commits.push({ at: performance.now(), total });
      }
      await sleep(200);
    }
  })();
  const poller = (async () => {
    while (performance.now() < end) {
      const response = await fetch(`${baseUrl}${API_PATH}`);
      const body = (await response.json()) as { signatureCount: number };
      polls.push({ at: performance.now(), value: body.signatureCount });
      await sleep(100);
    }
  })();
  const [load] = await Promise.all([signing, confirmer, poller]);
  const lags = polls.map((poll) => {
    // The first count above what the API showed that had committed before the answer arrived.
    const newer = commits.find((commit) => commit.total > poll.value && commit.at <= poll.at);
    return newer ? (poll.at - newer.at) / 1000 : 0;
  });
  lags.sort((a, b) => a - b);
  return {
    polls: polls.length,
    confirmations: total - commits[0].total,
    maxLagSeconds: lags.at(-1) ?? NaN,
    p99LagSeconds: lags[Math.floor(lags.length * 0.99)] ?? NaN,
    signingRps: load.okRps,
  };
}

/** GET the count API and the petition page from the real server, then the same bytes from a bare node:http server. */
export async function benchReading(context: BenchContext, webProcesses: number): Promise<ReadingResult> {
  const { log } = context;
  const database = await createBenchDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), "sanctuary-bench-"));
  try {
    await seedConfirmed(database, READING.seededConfirmed);
    const app = await startApp(context, { databaseUrl: database.url, webConcurrency: webProcesses });
    let api: ReadRun;
    let page: ReadRun;
    let staleness: StalenessResult;
    const recorded: RecordedResponse[] = [];
    try {
      for (const pathName of [API_PATH, PAGE_PATH]) {
        const response = await record(app.url, pathName);
        if (response.status !== 200) {
          const body = Buffer.from(response.bodyBase64, "base64").toString("utf8").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").slice(0, 200);
          throw new Error(`GET ${pathName} answered ${response.status} (${body.trim()}); server log:\n${app.child.output(15)}`);
        }
        recorded.push(response);
      }
      api = await measure(`${app.url}${API_PATH}`, { web: app.child.pid });
      page = await measure(`${app.url}${PAGE_PATH}`, { web: app.child.pid });
      staleness = await measureStaleness(app.url, database);
    } finally {
      await app.stop();
    }
    api.bytes = Buffer.from(recorded[0].bodyBase64, "base64").length;
    page.bytes = Buffer.from(recorded[1].bodyBase64, "base64").length;

    const file = path.join(dir, "recorded.json");
    writeFileSync(file, JSON.stringify(recorded));
    const port = await freePort();
    const bare = startChild(`bare server x${webProcesses}`, process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "bare-server.ts"), file, String(port), String(webProcesses)]);
    let bareApi: ReadRun;
    let barePage: ReadRun;
    try {
      await waitForHttp(`http://127.0.0.1:${port}${API_PATH}`, bare);
      const deadline = Date.now() + 10_000;
      while (bare.printed(/\[bare\] listening/) < webProcesses && Date.now() < deadline) await sleep(50);
      bareApi = await measure(`http://127.0.0.1:${port}${API_PATH}`, { bare: bare.pid }, READING.bareSeconds, READING.bareWarmupSeconds);
      barePage = await measure(`http://127.0.0.1:${port}${PAGE_PATH}`, { bare: bare.pid }, READING.bareSeconds, READING.bareWarmupSeconds);
    } finally {
      await bare.stop();
    }
    bareApi.bytes = api.bytes;
    barePage.bytes = page.bytes;

    const line = (name: string, app: ReadRun, bareRun: ReadRun) =>
      `${name} x${webProcesses}: ${app.load.okRps.toFixed(0)} req/s (p99 ${app.load.p99} ms, ${app.load.unexpected} non-200, ${app.bytes} B) vs bare ${bareRun.load.okRps.toFixed(0)} req/s; ` +
      `CPU per request: web ${cpuMs(app.cpu, "web", app.load.requests)} ms, postgres ${cpuMs(app.cpu, "postgres", app.load.requests)} ms, bare ${cpuMs(bareRun.cpu, "bare", bareRun.load.requests)} ms; ` +
      `CPU app: ${formatCpu(app.cpu)}; CPU bare: ${formatCpu(bareRun.cpu)}`;
    log(line("API", api, bareApi));
    log(line("page", page, barePage));
    // autocannon runs in this one thread: near a full core, it, not the bare server, set the bare figure.
    for (const [name, run] of [["API", bareApi], ["page", barePage]] as const) {
      const generator = run.cpu.cores["load generator"] ?? 0;
      if (generator > 0.8) log(`bare ${name} x${webProcesses}: the load generator used ${generator.toFixed(2)} cores, so the bare figure is a lower bound of the machine's limit`);
    }
    log(
      `staleness x${webProcesses}: max ${staleness.maxLagSeconds.toFixed(2)} s, p99 ${staleness.p99LagSeconds.toFixed(2)} s over ${staleness.polls} polls, ` +
        `${staleness.confirmations} confirmations while signing at ${staleness.signingRps.toFixed(0)} sig/s`,
    );
    return { webProcesses, api, page, bareApi, barePage, staleness };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}
