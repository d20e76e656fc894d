import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchReading, READING, type ReadingResult } from "./reading";
import { benchPgbench, benchSigning, SIGNING, type SigningJobs, type SigningResult } from "./signing";
import { EXTERNAL_BENCHMARKS, npmScripts, runExternal } from "./extras";
import { cleanupAll, installSignalHandlers, wasInterrupted } from "./lib/cleanup";
import type { BenchContext } from "./lib/app";
import { buildForProduction } from "./lib/build";
import { backgroundLoad } from "./lib/cpu";
import { adminQuery } from "./lib/db";
import { startDiscardSink } from "./lib/smtp-sink";
import type { PgbenchResult } from "./lib/pgbench";

/**
 * `npm run bench [signing|reading]`: every benchmark, each beside the machine's
 * own limit measured in the same run. Prints one table, writes
 * bench/results/<date>.json and bench/results/latest.md.
 */

interface Row {
  benchmark: string;
  result: string;
  limit: string;
  /** app / limit, a fraction; null when there is no limit to compare with. */
  ratio: number | null;
  aim: string;
  pass: boolean | null;
}

const ROOT = path.resolve(import.meta.dirname, "..");
const RESULTS = path.join(ROOT, "bench/results");
const WEB_PROCESSES = [1, 2];
/** Above this share of the machine busy before a benchmark starts, its figures get a warning. */
const QUIET = 0.15;
/** How long to wait, before each benchmark, for the machine to become quiet (BENCH_QUIET_WAIT seconds). */
const QUIET_WAIT_SECONDS = Number(process.env.BENCH_QUIET_WAIT ?? 10);
const JOBS_NOTE =
  "signing runs as deployed with Redis (REDIS_URL set): the web process writes each signature and its outbox row, as pgbench does, and the confirmation email is left to the worker (npm run worker), not running while acceptance is measured; the no-Redis row shows the embedded mode, whose web process sends the emails itself. Reading and staleness run embedded (REDIS_URL unset); emails go to an in-process SMTP sink that discards them";

const which = process.argv[2] ?? "all";
if (!["all", "signing", "reading"].includes(which)) {
  console.error("usage: tsx bench/run.ts [all|signing|reading]");
  process.exit(2);
}

const notes: string[] = [];
const log = (line: string) => {
  notes.push(line);
  console.log(`[bench] ${line}`);
};
const plural = (n: number) => `${n} web process${n === 1 ? "" : "es"}`;
const pct = (ratio: number | null) => (ratio === null || !Number.isFinite(ratio) ? "—" : `${Math.round(ratio * 100)}%`);
const ms = (value: number) => `${Math.round(value)}ms`;
/** The gist of an error for a table cell: its first line, and the line naming the error when that is further down (a child's log). */
const firstLine = (error: unknown) => {
  const lines = (error instanceof Error ? error.message : String(error)).split("\n").map((line) => line.trim());
  const cause = lines.slice(1).find((line) => /Error\b|failed to start/.test(line));
  return (cause ? `${lines[0].replace(/:$/, "")}: ${cause}` : lines[0]).slice(0, 160);
};

function signingRow(n: number, jobs: SigningJobs, result: SigningResult | Error, limit: PgbenchResult | Error): Row {
  const benchmark = jobs === "worker" ? `signing, ${plural(n)}` : `signing, ${plural(n)}, no Redis (emails sent in-process)`;
  // The aim is set for the deployment the issue names (real Postgres and Redis); the no-Redis row shows what the same box does embedded.
  const aim = jobs === "worker" ? "≥50%, p99<100ms" : "none (see above)";
  const limitText = limit instanceof Error ? `pgbench failed` : `pgbench ${limit.tps.toFixed(0)} tps`;
  if (result instanceof Error) return { benchmark, result: `failed: ${firstLine(result)}`, limit: limitText, ratio: null, aim, pass: false };
  const { load } = result;
  const ratio = limit instanceof Error ? null : load.okRps / limit.tps;
  const bad = load.unexpected + load.errors;
  const stored = result.rowsStored >= result.accepted && result.rowsStored <= result.accepted + result.inFlightAtStop;
  return {
    benchmark,
    result: `${load.okRps.toFixed(0)} sig/s p50 ${ms(load.p50)} p99 ${ms(load.p99)}, ${bad} non-302${stored ? "" : `, ${result.rowsStored} rows for ${result.accepted} accepted`}`,
    limit: limitText,
    ratio,
    aim,
    pass: jobs === "worker" ? ratio !== null && ratio >= 0.5 && load.p99 < 100 && bad === 0 && stored : null,
  };
}

/**
 * The bare server's best rate for a path over its 1- and 2-process runs: the
 * machine's limit for serving those bytes (on 2 cores a second bare process
 * mostly competes with the load generator, so the best is usually one process).
 */
interface BareLimits {
  api: number;
  page: number;
}

function readingRows(n: number, result: ReadingResult | Error, bare: BareLimits): Row[] {
  const names = [`count API, ${plural(n)}`, `petition page, ${plural(n)}`, `count staleness, ${plural(n)}`];
  if (result instanceof Error) {
    return names.map((benchmark) => ({ benchmark, result: `failed: ${firstLine(result)}`, limit: "", ratio: null, aim: "", pass: false }));
  }
  const read = (benchmark: string, app: ReadingResult["api"], limit: number, aim: number): Row => {
    const ratio = app.load.okRps / limit;
    const bad = app.load.unexpected + app.load.errors;
    return {
      benchmark,
      result: `${app.load.okRps.toFixed(0)} req/s p99 ${ms(app.load.p99)}${bad ? `, ${bad} non-200` : ""}`,
      limit: `bare node ${limit.toFixed(0)} req/s`,
      ratio,
      aim: `≥${aim * 100}%`,
      pass: ratio >= aim && bad === 0,
    };
  };
  const { staleness } = result;
  return [
    read(names[0], result.api, bare.api, 0.5),
    read(names[1], result.page, bare.page, 0.3),
    {
      benchmark: names[2],
      result: `max ${staleness.maxLagSeconds.toFixed(1)}s behind (${staleness.polls} polls)`,
      limit: `${staleness.signingRps.toFixed(0)} sig/s + confirming`,
      ratio: null,
      aim: "≤5s",
      pass: staleness.maxLagSeconds <= 5,
    },
  ];
}

function table(rows: Row[]): string {
  const header = ["benchmark", "result", "machine limit", "ratio", "aim", ""];
  const cells = rows.map((row) => [row.benchmark, row.result, row.limit, pct(row.ratio), row.aim, row.pass === null ? "—" : row.pass ? "✓" : "✗"]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i].length)));
  const format = (cell: string[]) =>
    cell
      .map((text, i) => (i === 3 ? text.padStart(widths[i]) : text.padEnd(widths[i])))
      .join("   ")
      .trimEnd();
  return [format(header), ...cells.map(format)].join("\n");
}

function markdownTable(rows: Row[]): string {
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  const lines = ["| benchmark | result | machine limit | ratio | aim | |", "| --- | --- | --- | ---: | --- | --- |"];
  for (const row of rows) {
    lines.push(`| ${[row.benchmark, row.result, row.limit, pct(row.ratio), row.aim, row.pass === null ? "—" : row.pass ? "✓" : "✗"].map(escape).join(" | ")} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  installSignalHandlers();
  const started = new Date();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  let failures = 0;
  const busyBefore: Record<string, number> = {};
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | Error> => {
    if (wasInterrupted()) return new Error("interrupted");
    // Other work on the machine (a test suite, a build) takes cores from every figure: wait a little for it to pass.
    const waitUntil = Date.now() + QUIET_WAIT_SECONDS * 1000;
    let busy = await backgroundLoad();
    while (busy > QUIET && Date.now() < waitUntil && !wasInterrupted()) busy = await backgroundLoad();
    busyBefore[what] = busy;
    if (busy > QUIET) log(`warning: before ${what} the machine was already ${Math.round(busy * 100)} % busy with other work; its figures are low`);
    try {
      return await run();
    } catch (error) {
      failures++;
      log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  const postgres = await adminQuery<{ server_version: string }>("show server_version").then((r) => r.rows[0].server_version);
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "?",
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres,
  };
  console.log(`[bench] ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, Node ${machine.node}, PostgreSQL ${postgres}`);
  console.log(`[bench] ${JOBS_NOTE}`);
  console.log("[bench] building the app (remix build, NODE_ENV=production, into node_modules/.cache)…");
  const build = await buildForProduction();
  const sink = await startDiscardSink();
  const context: BenchContext = { buildDir: build.dir, sink, log };
  try {
    if (which === "all" || which === "signing") {
      const limit = await attempt("pgbench", () => benchPgbench(context));
      details.pgbench = limit;
      const signing: (SigningResult | Error)[] = [];
      const runs: [number, SigningJobs][] = [...WEB_PROCESSES.map((n): [number, SigningJobs] => [n, "worker"]), [1, "in-process"]];
      for (const [n, jobs] of runs) {
        const result = await attempt(`signing x${n} (${jobs})`, () => benchSigning(context, n, jobs));
        signing.push(result);
        rows.push(signingRow(n, jobs, result, limit));
      }
      details.signing = signing.map((s) => (s instanceof Error ? { error: s.message } : s));
    }
    if (which === "all" || which === "reading") {
      const reading: (ReadingResult | Error)[] = [];
      for (const n of WEB_PROCESSES) reading.push(await attempt(`reading x${n}`, () => benchReading(context, n)));
      const measured = reading.filter((r): r is ReadingResult => !(r instanceof Error));
      const bare: BareLimits = {
        api: Math.max(...measured.map((r) => r.bareApi.load.okRps)),
        page: Math.max(...measured.map((r) => r.barePage.load.okRps)),
      };
      const readRows = reading.map((result, i) => readingRows(WEB_PROCESSES[i], result, bare));
      // Grouped by what is measured: the API rows together, then the page, then staleness.
      for (let i = 0; i < 3; i++) for (const group of readRows) rows.push(group[i]);
      details.reading = reading.map((r) => (r instanceof Error ? { error: r.message } : r));
    }
    if (which === "all") {
      const scripts = npmScripts();
      for (const { script, name, timeoutMs } of EXTERNAL_BENCHMARKS) {
        if (!scripts[script]) {
          rows.push({ benchmark: name, result: `not yet built (no npm script ${script})`, limit: "", ratio: null, aim: "", pass: null });
          continue;
        }
        const external = await attempt(script, () => runExternal(script, name, build.dir, timeoutMs));
        if (external instanceof Error) {
          rows.push({ benchmark: name, result: `failed: ${firstLine(external)}`, limit: "", ratio: null, aim: "", pass: false });
        } else {
          rows.push(...external.rows);
          details[script] = external.output;
        }
      }
    }
  } finally {
    await sink.close();
    await build.remove();
    await cleanupAll();
  }

  const seconds = Math.round((Date.now() - started.getTime()) / 1000);
  const printed = table(rows);
  console.log(`\n${printed}\n`);
  console.log(`${JOBS_NOTE}; ${machine.cpus} cores; whole run ${seconds} s.`);

  mkdirSync(RESULTS, { recursive: true });
  const date = `${started.getFullYear()}-${String(started.getMonth() + 1).padStart(2, "0")}-${String(started.getDate()).padStart(2, "0")}`;
  const setup = {
    which,
    jobs: JOBS_NOTE,
    signing: { ...SIGNING, pgbench: `pgbench -c ${SIGNING.connections} -j 2 -T ${SIGNING.seconds} -n -f <signing transaction>` },
    reading: READING,
    webProcesses: WEB_PROCESSES,
    env: { NODE_ENV: "production", SIGN_RATE_LIMITS: "off", REDIS_URL: "unset" },
  };
  const json = { date, startedAt: started.toISOString(), seconds, machine, setup, backgroundBusy: busyBefore, rows, table: printed, notes, details };
  // A partial run (signing or reading only) keeps the full run's files: it writes <date>-<which>.json only.
  const jsonFile = path.join(RESULTS, which === "all" ? `${date}.json` : `${date}-${which}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  const markdown = [
    `Measured ${date} on ${machine.cpus} × ${machine.cpuModel} (${machine.memoryGB} GB), Node ${machine.node}, PostgreSQL ${postgres}, in ${seconds} s${which === "all" ? "" : ` (${which} only)`}.`,
    "",
    markdownTable(rows),
    "",
    `Ratio = the app's rate ÷ the machine limit measured in the same run: for signing, pgbench running the same SQL transaction (signature + outbox row) with ${SIGNING.connections} clients for ${SIGNING.seconds} s; for reading, a bare Node \`http\` server sending the bytes the app sent (the better of its runs with 1 and 2 processes). Load: autocannon, ${SIGNING.connections} connections, from the same machine. The server is \`node build/server.js\` (the bundle production runs) with NODE_ENV=production and SIGN_RATE_LIMITS=off; ${JOBS_NOTE}. Staleness: while people sign, the bench confirms pending signatures every 200 ms and polls the count API every 100 ms.`,
    "",
    "Details:",
    "",
    ...notes.map((note) => `- ${note}`),
    "",
    "Reproduce: `npm run bench` (PostgreSQL on 127.0.0.1:5432 with trust auth, `pgbench`, and Redis on 127.0.0.1:6379 or `BENCH_REDIS_URL`).",
    "",
  ].join("\n");
  if (which === "all") {
    writeFileSync(path.join(RESULTS, "latest.md"), markdown);
    console.log(`wrote ${path.relative(ROOT, jsonFile)} and bench/results/latest.md`);
  } else {
    console.log(`wrote ${path.relative(ROOT, jsonFile)}`);
  }
  return failures > 0 ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(async (error) => {
    console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanupAll();
    process.exit(1);
  });
