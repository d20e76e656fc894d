import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { inlineParameters } from "../app/models/export-copy.server";
import { signatureCopySelect, signatureExportQuery } from "../app/models/export.server";
import { createOrganizerAccount, setPasswordWithToken } from "../app/models/organizers.server";
import { openDatabase, type DatabaseHandle } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import type { DB } from "../db/schema";
import { seed } from "../db/seed";
import { ensureBuilt } from "../scripts/build-server.js";
import { startBackendMeter } from "./lib/backend-meter";
import { cleanupAll, installSignalHandlers, onCleanup, sleep } from "./lib/cleanup";
import { backgroundLoad, formatCpu, startCpuMeter, type CpuReport } from "./lib/cpu";
import { ADMIN_URL, adminQuery, PETITION_SLUG } from "./lib/db";
import { freePort, startChild, waitForHttp, type Child } from "./lib/process";
import { startDiscardSink } from "./lib/smtp-sink";

/**
 * `npm run bench:export`: 1,000,000 signatures in a database of its own, then
 *  (a) the export as the app serves it: the real server (`node build/server.js`
 *      as production runs it, production mode, one process) in a child
 *      process, a signed-in organizer GETting
 *      /admin/petitions/<slug>/export without compression and counting the
 *      body's bytes and rows, while /proc samples the server's resident memory
 *      and the CPU time of the server and of Postgres;
 *  (b) `COPY (the export's own SELECT) TO STDOUT` through psql into /dev/null,
 *      the rate at which Postgres alone hands those rows out: the machine's
 *      limit, and the ratio's denominator. The export COPYs that same SELECT
 *      (formula neutralization in SQL), so the ratio is what serving it over
 *      HTTP costs;
 *  (c) for comparison, COPY of the plain columns (the SELECT the page-by-page
 *      export reads, no neutralization).
 * Prints a table row for bench/run.ts (`BENCH_ROW {...}`) and a JSON summary
 * (`BENCH_JSON {...}`), then drops the database. Memory: the aim is on the
 * server's peak; its growth during the export is reported beside it, because
 * most of the peak is the idle server (the Remix build, pg, …).
 *
 * The server runs bench/run.ts's production build when it passes one
 * (BENCH_BUILD_DIR), else the project's build/, built first when missing or stale.
 * BENCH_EXPORT_ROWS changes the size (default 1,000,000); BENCH_QUIET_WAIT how
 * long to wait for a quiet machine before each measurement (10 s);
 * BENCH_SERVER_NODE_FLAGS adds flags to the server's node command line (e.g.
 * --max-semi-space-size=4, a smaller young generation: about 30 MB less
 * resident memory, idle and at the peak).
 */

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const ROOT = path.resolve(import.meta.dirname, "..");
const AIM_RATIO = 0.5;
const AIM_RSS_MB = 200;
const PASSWORD = "bench export password, long enough";
const MB = 1024 * 1024;
/** Above this share of the machine busy before a measurement, its figures get a warning (as in bench/run.ts). */
const QUIET = 0.15;

const log = (line: string) => console.log(`[bench:export] ${line}`);
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const thousands = (n: number) => n.toLocaleString("en-US");

async function createDatabase(): Promise<{ name: string; url: string; handle: DatabaseHandle; drop: () => Promise<void> }> {
  const name = `bench_export_${randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  let handle: DatabaseHandle | null = null;
  const drop = onCleanup(`database ${name}`, async () => {
    await handle?.close().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  handle = await openDatabase({ databaseUrl: url, poolSize: 4 });
  await migrateToLatest(handle.db);
  await seed(handle.db);
  return { name, url, handle, drop };
}

/**
 * One INSERT … SELECT generate_series: names with accents, apostrophes and
 * hyphens, a third with comments (commas, quotes, now and then a line break or
 * a formula), six cities, sources, a month of signing times; all confirmed, so
 * the default export (confirmed) writes every row. To be fast it runs without
 * the foreign-key triggers (session_replication_role, when the bench user may
 * set it) and without the secondary indexes, which are then rebuilt from their
 * own definitions: the table ends up exactly as the migrations define it.
 */
async function fill(url: string, petitionId: number, rows: number): Promise<void> {
  // A connection of its own: the app's pool stops statements after 15-20 s, and a busy machine may need longer.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  await db.connection().execute(async (conn) => {
    await sql`set synchronous_commit = off`.execute(conn);
    await sql`set maintenance_work_mem = '256MB'`.execute(conn);
    const { rows: indexes } = await sql<{ name: string; definition: string }>`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'signatures'::regclass
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`.execute(conn);
    for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(conn);
    const replica = await sql`set session_replication_role = replica`.execute(conn).then(
      () => true,
      () => false,
    );
    await sql`
      insert into signatures (petition_id, first_name, last_name, email, email_normalized, postal_code, zip5, city, county, state,
                              comment, opt_in, consent_text, consent_at, locale, source, status, emails_sent, created_at, confirmed_at)
      select ${petitionId}::int,
             (array['Ana','José','Zoë','María','Nguyễn','Li','Aïsha','Chris','Mary-Jo','Siobhán'])[1 + i % 10],
             (array['López','O''Brien','Müller','García-Márquez','Smith','Đặng','Nakamura','Okafor'])[1 + i % 8],
             'Signer.' || i || '@Example.org',
             'signer.' || i || '@example.org',
             (array['94110','10001','60601','98101','20910','78701'])[1 + i % 6],
             (array['94110','10001','60601','98101','20910','78701'])[1 + i % 6],
             (array['San Francisco','New York','Chicago','Seattle','Silver Spring','Austin'])[1 + i % 6],
             (array['San Francisco County','New York County','Cook County','King County','Montgomery County','Travis County'])[1 + i % 6],
             (array['CA','NY','IL','WA','MD','TX'])[1 + i % 6],
             case when i % 3 = 0 then 'Protect our neighbors, "all of them".'
                  when i % 97 = 0 then '=HYPERLINK("http://example.org","click")'
                  when i % 89 = 0 then 'Two lines:' || chr(10) || 'second line'
                  else null end,
             i % 2 = 0, case when i % 2 = 0 then 'Send me updates' else null end,
             case when i % 2 = 0 then now() - (${rows}::int - i) * interval '2 seconds' else null end,
             case when i % 5 = 0 then 'es' else 'en' end,
             (array[null, 'facebook', 'newsletter', 'twitter'])[1 + i % 4],
             'confirmed', 1,
             now() - (${rows}::int - i) * interval '2 seconds',
             now() - (${rows}::int - i) * interval '2 seconds' + interval '7 minutes'
      from generate_series(1, ${rows}::int) as i`.execute(conn);
    if (replica) await sql`set session_replication_role = default`.execute(conn);
    for (const index of indexes) await sql.raw(index.definition).execute(conn);
    await sql`vacuum analyze signatures`.execute(conn);
  });
  await db.destroy();
}

/** Resident memory of the biggest process in a process group (the server), in bytes. */
function groupRss(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+) kB/.exec(status);
      total = Math.max(total, kb ? Number(kb[1]) * 1024 : 0);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return total;
}

function sampleRss(read: () => number, everyMs = 20): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => (peak = Math.max(peak, read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

/** Counts rows (CRLF) and bytes of a CSV body without keeping it. */
function countingSink() {
  let bytes = 0;
  let rows = 0;
  let last = 0;
  return {
    add(chunk: Uint8Array) {
      bytes += chunk.byteLength;
      // Records end in CRLF; a line break inside a quoted comment is a bare LF.
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) if ((i === 0 ? last : chunk[i - 1]) === 13) rows++;
      if (chunk.byteLength > 0) last = chunk[chunk.byteLength - 1];
    },
    result: () => ({ bytes, rows }),
  };
}

async function signIn(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password: PASSWORD }).toString(),
  });
  const cookie = res.headers.get("set-cookie");
  if (res.status !== 302 || !cookie) throw new Error(`sign-in answered ${res.status}`);
  return cookie.split(";")[0];
}

/** GET the export without compression (what is measured is the export, not gzip), counting what arrives. */
function download(url: string, cookie: string): Promise<{ status: number; ms: number; firstByteMs: number; bytes: number; rows: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const sink = countingSink();
    let firstByteMs = 0;
    http
      .get(url, { headers: { Cookie: cookie, "Accept-Encoding": "identity" } }, (res) => {
        res.on("data", (chunk: Buffer) => {
          if (!firstByteMs) firstByteMs = performance.now() - started;
          sink.add(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, firstByteMs, ...sink.result() }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** COPY … TO STDOUT through psql into /dev/null, in a process group of its own so its CPU is measured apart. */
async function psqlCopy(url: string, database: string, select: string): Promise<{ ms: number; cpu: CpuReport; postgresMs: number }> {
  const backends = await startBackendMeter(database);
  const run = await new Promise<{ ms: number; cpu: CpuReport }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER)`], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    const meter = startCpuMeter({ psql: child.pid ?? -1 });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = performance.now() - started;
      const cpu = meter.stop();
      if (code === 0) resolve({ ms, cpu });
      else reject(new Error(`psql exited ${code}: ${stderr.trim()}`));
    });
  });
  return { ...run, postgresMs: await backends.stop() };
}

/** Waits (up to BENCH_QUIET_WAIT s, 10 by default) for other work on the machine to pass; returns how busy it still was. */
async function waitForQuiet(what: string): Promise<number> {
  const until = Date.now() + Number(process.env.BENCH_QUIET_WAIT ?? 10) * 1000;
  let busy = await backgroundLoad();
  while (busy > QUIET && Date.now() < until) busy = await backgroundLoad();
  if (busy > QUIET) log(`warning: before ${what} the machine was already ${Math.round(busy * 100)} % busy with other work; the figures are low`);
  return busy;
}

async function startServer(buildDir: string, databaseUrl: string, smtpUrl: string): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(port),
    APP_URL: url,
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtpUrl,
    SESSION_SECRET: randomBytes(24).toString("hex"),
    WEB_CONCURRENCY: "1",
    DELIVERY_INTERVAL: "24h",
  };
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const child = startChild("web server", process.execPath, [...flags, path.join(buildDir, "build/server.js")], { env, cwd: buildDir });
  try {
    await waitForHttp(`${url}/healthz`, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, child };
}

/** The directory whose build/server.js the server runs: bench/run.ts's build, or the project's (as `npm start` builds it). */
async function serverBuildDir(): Promise<string> {
  if (process.env.BENCH_BUILD_DIR) return process.env.BENCH_BUILD_DIR;
  await ensureBuilt("server", { log });
  return ROOT;
}

async function main(): Promise<number> {
  installSignalHandlers();
  const t0 = performance.now();
  const buildDir = await serverBuildDir();
  const database = await createDatabase();
  const { db } = database.handle;
  try {
    const petition = await db.selectFrom("petitions").select(["id", "organization_id"]).where("slug", "=", PETITION_SLUG).executeTakeFirstOrThrow();
    log(`database ${database.name}: filling ${thousands(ROWS)} signatures…`);
    const t = performance.now();
    await fill(database.url, petition.id, ROWS);
    const fillMs = performance.now() - t;
    log(`filled in ${(fillMs / 1000).toFixed(1)} s (one INSERT … SELECT generate_series, indexes rebuilt, VACUUM ANALYZE)`);

    // Retired officials: the server's in-process delivery scheduler would otherwise start digesting a million signatures mid-measurement.
    await db.updateTable("targets").set({ active: false }).execute();
    const email = "bench-export@example.org";
    const account = await createOrganizerAccount(db, { email, organizationSlug: "sanctuary", role: "organizer" });
    await setPasswordWithToken(db, account.token, PASSWORD);

    // (a) Over HTTP, from the real server.
    const smtp = await startDiscardSink();
    const server = await startServer(buildDir, database.url, smtp.url);
    let served: Awaited<ReturnType<typeof download>>;
    let serverRss: { before: number; peak: number };
    let httpCpu: CpuReport;
    let exportPostgresMs: number;
    const httpBusy = await waitForQuiet("the export");
    try {
      const cookie = await signIn(server.url, email);
      // A small export first, so the figure is not also the route's first compile and connection.
      await download(`${server.url}/admin/petitions/${PETITION_SLUG}/export?state=XX`, cookie);
      const before = groupRss(server.child.pid);
      const sampler = sampleRss(() => groupRss(server.child.pid));
      const meter = startCpuMeter({ web: server.child.pid });
      const backends = await startBackendMeter(database.name);
      served = await download(`${server.url}/admin/petitions/${PETITION_SLUG}/export`, cookie);
      httpCpu = meter.stop();
      exportPostgresMs = await backends.stop();
      serverRss = { before, peak: sampler.stop() };
    } finally {
      await server.child.stop();
      await smtp.close();
    }
    if (served.status !== 200) throw new Error(`the export answered ${served.status}`);
    const exported = served.rows - 1;
    if (exported !== ROWS) throw new Error(`the export wrote ${exported} rows for ${ROWS} signatures`);
    const httpRate = rate(exported, served.ms);
    const perRow = (cores: number, report: CpuReport) => +((cores * report.seconds * 1e6) / ROWS).toFixed(2);
    const webUs = perRow(httpCpu.cores.web, httpCpu);
    const pgUs = +((exportPostgresMs * 1000) / ROWS).toFixed(2);
    const growth = serverRss.peak - serverRss.before;
    log(
      `HTTP export: ${thousands(exported)} rows, ${(served.bytes / MB).toFixed(0)} MB in ${(served.ms / 1000).toFixed(2)} s = ${thousands(httpRate)} rows/s; ` +
        `first byte after ${served.firstByteMs.toFixed(0)} ms; server RSS ${(serverRss.before / MB).toFixed(0)} MB before, peak ${(serverRss.peak / MB).toFixed(0)} MB; ` +
        `CPU per row: web process ${webUs} µs, this database's Postgres backends ${pgUs} µs (${formatCpu(httpCpu)})`,
    );

    // (b) COPY of the same SELECT (same filters, same order), through psql into /dev/null.
    const select = signatureCopySelect(db, petition.id, { status: "confirmed" });
    const copyBusy = await waitForQuiet("COPY");
    const copy = await psqlCopy(database.url, database.name, select);
    const copyRate = rate(ROWS, copy.ms);
    const copyPgUs = +((copy.postgresMs * 1000) / ROWS).toFixed(2);
    const psqlUs = perRow(copy.cpu.cores.psql, copy.cpu);
    log(
      `COPY (same SELECT) TO STDOUT via psql: ${thousands(ROWS)} rows in ${(copy.ms / 1000).toFixed(2)} s = ${thousands(copyRate)} rows/s; ` +
        `CPU per row: Postgres backend ${copyPgUs} µs, psql ${psqlUs} µs (${formatCpu(copy.cpu)})`,
    );

    // (c) COPY of the plain columns: what the formula neutralization costs Postgres.
    const plainSelect = inlineParameters(signatureExportQuery(db, petition.id, { status: "confirmed" }).orderBy("s.id").compile());
    await waitForQuiet("the plain COPY");
    const plain = await psqlCopy(database.url, database.name, plainSelect);
    const plainRate = rate(ROWS, plain.ms);
    log(
      `COPY of the plain columns (no neutralization) via psql: ${thousands(plainRate)} rows/s; ` +
        `CPU per row: Postgres backend ${+((plain.postgresMs * 1000) / ROWS).toFixed(2)} µs (${formatCpu(plain.cpu)})`,
    );

    const ratio = httpRate / copyRate;
    // The same comparison in CPU time, which other work on the machine hardly changes: each side runs
    // two processes at once (web + Postgres, psql + Postgres), so its rate is bounded by the busier one.
    const cpuRatio = Math.max(copyPgUs, psqlUs) / Math.max(webUs, pgUs);
    const aims = { ratio: ratio >= AIM_RATIO, peakRss: serverRss.peak / MB < AIM_RSS_MB, rssGrowth: growth / MB < AIM_RSS_MB };
    const pass = aims.ratio && aims.peakRss;
    const summary = {
      rows: ROWS,
      fillSeconds: +(fillMs / 1000).toFixed(1),
      export: {
        rowsPerSecond: httpRate,
        seconds: +(served.ms / 1000).toFixed(2),
        firstByteMs: Math.round(served.firstByteMs),
        megabytes: +(served.bytes / MB).toFixed(1),
        cpuMicrosecondsPerRow: { web: webUs, postgres: pgUs },
      },
      serverRssMB: { before: Math.round(serverRss.before / MB), peak: Math.round(serverRss.peak / MB), growth: Math.round(growth / MB) },
      copy: { rowsPerSecond: copyRate, seconds: +(copy.ms / 1000).toFixed(2), cpuMicrosecondsPerRow: { postgres: copyPgUs, psql: psqlUs } },
      plainCopy: { rowsPerSecond: plainRate, cpuMicrosecondsPerRow: { postgres: +((plain.postgresMs * 1000) / ROWS).toFixed(2) } },
      aims,
      ratio: +ratio.toFixed(3),
      cpuRatio: +cpuRatio.toFixed(3),
      machineBusyBefore: { export: +httpBusy.toFixed(2), copy: +copyBusy.toFixed(2) },
      pass,
      totalSeconds: Math.round((performance.now() - t0) / 1000),
    };
    console.log(
      `\nexport ${thousands(httpRate)} rows/s · COPY ${thousands(copyRate)} rows/s · ratio ${Math.round(ratio * 100)} % (in CPU time per row ${Math.round(cpuRatio * 100)} %) · ` +
        `server RSS ${(serverRss.before / MB).toFixed(0)} → ${(serverRss.peak / MB).toFixed(0)} MB (+${(growth / MB).toFixed(0)} MB) · ` +
        `aims: ratio ≥ ${AIM_RATIO * 100} % ${aims.ratio ? "met" : "NOT met"}, peak RSS < ${AIM_RSS_MB} MB ${aims.peakRss ? "met" : "NOT met"} ` +
        `(growth < ${AIM_RSS_MB} MB ${aims.rssGrowth ? "met" : "NOT met"})`,
    );
    console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
    console.log(
      `BENCH_ROW ${JSON.stringify({
        benchmark: `export, ${thousands(ROWS)} signatures`,
        result: `${thousands(httpRate)} rows/s (CPU-time ratio ${Math.round(cpuRatio * 100)}%); server RSS peak ${(serverRss.peak / MB).toFixed(0)} MB = ${(serverRss.before / MB).toFixed(0)} MB idle +${(growth / MB).toFixed(0)} MB`,
        limit: `COPY TO STDOUT ${thousands(copyRate)} rows/s`,
        ratio: summary.ratio,
        aim: `≥${AIM_RATIO * 100}%, peak RSS<${AIM_RSS_MB}MB`,
        pass,
      })}`,
    );
    return 0;
  } finally {
    await database.drop();
  }
}

main()
  .then(async (code) => {
    await cleanupAll();
    await sleep(0);
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(`[bench:export] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanupAll();
    process.exit(1);
  });
