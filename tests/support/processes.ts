import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";
import { openDatabase, type Database } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { seed } from "../../db/seed";

// Real processes for the load and fault suites: the web server and the worker as
// child processes (the sources that `npm start` and `npm run worker` bundle and run), and private
// PostgreSQL and Redis instances that a test may kill and restart. The machine's
// shared PostgreSQL (5432) and Redis (6379) are never touched here.

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const ROOT = path.resolve(".");
/**
 * The app's processes run their sources as `node --import tsx <script>`, so a test needs no
 * bundle built first (production runs the same sources bundled, build/server.js). Not the tsx
 * CLI: it runs the script in a child process, so a signal to it is relayed (SIGTERM) or, for
 * SIGKILL, lost: the child would live on as an orphan. Here the pid is the app's own.
 */
const NODE_WITH_TSX = [process.execPath, "--import", pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// Child processes

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface ChildHandle {
  name: string;
  child: ChildProcess;
  pid: number;
  /** stdout and stderr together (the last 1 MB). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<ExitInfo>;
  exit: ExitInfo | null;
  alive(): boolean;
  /** Waits until the output matches, or fails (with the output) after timeoutMs or if the process exits. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** Sends the signal and waits for the exit (SIGKILL after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
}

const children = new Set<ChildHandle>();
const MAX_OUTPUT = 1_000_000;

function spawnChild(name: string, command: string, args: string[], env: Record<string, string>, cwd = ROOT): ChildHandle {
  const child = spawn(command, args, { env: env as NodeJS.ProcessEnv, cwd, stdio: ["ignore", "pipe", "pipe"] });
  // PROCESS_LOG_DIR=/some/dir keeps every child's whole output in <dir>/<name>-<pid>.log, for a look afterwards.
  const logFile = process.env.PROCESS_LOG_DIR ? path.join(process.env.PROCESS_LOG_DIR, `${name.replace(/\W+/g, "-")}-${child.pid}.log`) : null;
  let output = "";
  const append = (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    output += chunk.toString();
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT / 2);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const handle: ChildHandle = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exit: null,
    exited: new Promise<ExitInfo>((resolve) => {
      child.once("exit", (code, signal) => {
        handle.exit = { code, signal, at: Date.now() };
        children.delete(handle);
        resolve(handle.exit);
      });
    }),
    alive: () => handle.exit === null,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (handle.exit) throw new Error(`${name} exited (${handle.exit.signal ?? handle.exit.code}) before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await sleep(50);
      }
    },
    signal(signal) {
      if (handle.alive()) child.kill(signal);
    },
    async stop(signal = "SIGTERM", timeoutMs = 30_000) {
      if (handle.exit) return handle.exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const info = await handle.exited;
      clearTimeout(timer);
      return info;
    },
  };
  children.add(handle);
  return handle;
}

/** The variables every app process gets: a clean environment, not the test runner's. */
function baseEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  for (const [key, value] of Object.entries(vars)) if (value !== undefined) env[key] = value;
  return env;
}

let productionBuild: Promise<string> | null = null;

/**
 * A production build of the app (`remix build` with NODE_ENV=production) in a directory
 * of this process's own, made once per test process; the web process runs there.
 *
 * Not the shared ./build: vitest's global setup builds that with NODE_ENV=test, i.e. with
 * React's development JSX runtime, which a NODE_ENV=production process cannot render
 * ("jsxDEV is not a function" on every page), and other test runs on the machine rebuild
 * it at any moment. The directory sits under node_modules/.cache so that the build's
 * imports resolve to the project's node_modules; its remix.config.js is the project's
 * with the output paths pointed here.
 */
export function buildForProduction(): Promise<string> {
  productionBuild ??= (async () => {
    const cache = path.join(ROOT, "node_modules", ".cache");
    // Test processes can be killed before they clean up: remove the builds of processes that are gone.
    for (const entry of await readdir(cache).catch(() => [] as string[])) {
      const pid = Number(/^sanctuary-production-build-(\d+)$/.exec(entry)?.[1]);
      if (pid && !isAlive(pid)) await rm(path.join(cache, entry), { recursive: true, force: true });
    }
    const dir = path.join(cache, `sanctuary-production-build-${process.pid}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, "public"), { recursive: true });
    buildDirs.add(dir);
    await writeFile(
      path.join(dir, "remix.config.js"),
      `import base from ${JSON.stringify(path.join(ROOT, "remix.config.js"))};\n` +
        `export default { ...base, appDirectory: ${JSON.stringify(path.join(ROOT, "app"))}, serverBuildPath: "build/index.js", assetsBuildDirectory: "public/build", cacheDirectory: ".cache" };\n`,
    );
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    // The project's compiler options, with the "~" alias spelled out absolutely (Remix's resolver does not follow "extends").
    const tsconfig = JSON.parse(await readFile(path.join(ROOT, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    const compilerOptions = { ...tsconfig.compilerOptions, baseUrl: ROOT, paths: { "~/*": [path.join(ROOT, "app/*")] } };
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions }));
    for (const entry of await readdir(path.join(ROOT, "public"))) {
      if (entry !== "build") await symlink(path.join(ROOT, "public", entry), path.join(dir, "public", entry));
    }
    await run(path.join(ROOT, "node_modules/.bin/remix"), ["build"], { cwd: dir, env: { ...process.env, NODE_ENV: "production" } });
    return dir;
  })();
  return productionBuild;
}

const buildDirs = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface ServerProcess extends ChildHandle {
  url: string;
  port: number;
  /** A form POST as a browser on this site sends it (same Origin). */
  post(pathname: string, fields: Record<string, string>, init?: RequestInit): Promise<Response>;
  get(pathname: string, init?: RequestInit): Promise<Response>;
}

export const TEST_SESSION_SECRET = "process-test-secret-process-test-secret!";

/**
 * server.ts (what `npm start` runs, bundled; not through npm, whose `sh -c` does not pass signals
 * on) on a free port, in production mode on a production build (see buildForProduction).
 * Resolves once it listens.
 */
export async function startServer(vars: Record<string, string | undefined>): Promise<ServerProcess> {
  const cwd = await buildForProduction();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = baseEnv({
    NODE_ENV: "production",
    SESSION_SECRET: TEST_SESSION_SECRET,
    DELIVERY_INTERVAL: "24h",
    ...vars,
    PORT: String(port),
    APP_URL: url,
    TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json"),
  });
  const handle = spawnChild(`web:${port}`, NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), path.join(ROOT, "server.ts")], env, cwd);
  await handle.waitForOutput(/\[web\] Sanctuary on/, 60_000);
  return Object.assign(handle, {
    url,
    port,
    post: (pathname: string, fields: Record<string, string>, init: RequestInit = {}) =>
      fetch(url + pathname, {
        method: "POST",
        redirect: "manual",
        ...init,
        headers: { Origin: url, "Content-Type": "application/x-www-form-urlencoded", ...(init.headers as Record<string, string>) },
        body: new URLSearchParams(fields).toString(),
      }),
    get: (pathname: string, init: RequestInit = {}) => fetch(url + pathname, { redirect: "manual", ...init }),
  });
}

/** jobs/worker.ts (what `npm run worker` runs). Resolves once it says it is running. */
export async function startWorker(vars: Record<string, string | undefined>, name = "worker"): Promise<ChildHandle> {
  const env = baseEnv({ NODE_ENV: "production", SESSION_SECRET: TEST_SESSION_SECRET, DELIVERY_INTERVAL: "24h", ...vars });
  const handle = spawnChild(name, NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), path.join(ROOT, "jobs/worker.ts")], env);
  await handle.waitForOutput(/\[worker\] running/, 60_000);
  return handle;
}

// ---------------------------------------------------------------------------
// A private PostgreSQL

export interface PrivateDatabase {
  url: string;
  name: string;
  db: Database;
  close(): Promise<void>;
}

export interface PrivatePostgres {
  port: number;
  dir: string;
  adminUrl: string;
  /** A fresh, migrated (and by default seeded) database on this server. */
  createDatabase(options?: { seed?: boolean }): Promise<PrivateDatabase>;
  /** pg_ctl stop (fast: connections are terminated, as in a restart). */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** pg_ctl start, waiting until it accepts connections. */
  start(): Promise<void>;
  running(): Promise<boolean>;
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>;
}

/** Runs a PostgreSQL binary as the postgres user (initdb and postgres refuse to run as root). */
async function asPostgres(binary: string, args: string[]): Promise<string> {
  const command = path.join(PG_BIN, binary);
  const asRoot = process.getuid?.() === 0;
  const { stdout, stderr } = asRoot
    ? await run("runuser", ["-u", "postgres", "--", command, ...args], { cwd: "/tmp" })
    : await run(command, args, { cwd: "/tmp" });
  return stdout + stderr;
}

const postgresDirs = new Set<string>();

/**
 * initdb into a temp directory and start a postmaster on a free port (TCP on
 * 127.0.0.1, its socket in the same directory), trusting local connections.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sanctuary-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "postgres.log");
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  postgresDirs.add(dir);
  await asPostgres("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pgCtl = (...args: string[]) => asPostgres("pg_ctl", ["-D", dataDir, ...args]);
  const start = async () => {
    await pgCtl("-l", logFile, "-o", options, "-w", "-t", "60", "start");
  };
  await start();
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    dir,
    adminUrl,
    async createDatabase(opts = {}) {
      const name = `sanctuary_fault_${randomBytes(5).toString("hex")}`;
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
      const handle = await openDatabase({ databaseUrl: url, poolSize: 5 });
      await migrateToLatest(handle.db);
      if (opts.seed ?? true) await seed(handle.db);
      return { url, name, db: handle.db, close: () => handle.close() };
    },
    async stop(mode = "fast") {
      await pgCtl("-m", mode, "-w", "-t", "60", "stop");
    },
    start,
    async running() {
      try {
        await pgCtl("status");
        return true;
      } catch {
        return false;
      }
    },
    async destroy() {
      await pgCtl("-m", "immediate", "-w", "stop").catch(() => {});
      await rm(dir, { recursive: true, force: true });
      postgresDirs.delete(dir);
    },
  };
}

// ---------------------------------------------------------------------------
// A private Redis

export interface PrivateRedis {
  port: number;
  url: string;
  /** The running redis-server, or null while it is down. */
  process(): ChildHandle | null;
  /** Kills redis-server (SIGKILL by default: no chance to save) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts redis-server again on the same port and directory (it reloads its append-only file). */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const redisDirs = new Set<string>();

/**
 * redis-server on a free port, configured as docker-compose.yml runs it
 * (append-only file on, noeviction), in a temp directory of its own.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sanctuary-redis-"));
  redisDirs.add(dir);
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--maxmemory-policy", "noeviction"];
  let current: ChildHandle | null = null;
  const start = async () => {
    const handle = spawnChild(`redis:${port}`, "redis-server", args, baseEnv({}));
    await handle.waitForOutput(/Ready to accept connections/, 20_000);
    current = handle;
  };
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    const handle = current;
    current = null;
    if (handle) await handle.stop(signal, 10_000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: () => current,
    kill,
    start,
    async destroy() {
      await kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      redisDirs.delete(dir);
    },
  };
}

/** Deletes every key under a BullMQ prefix (for runs on the shared Redis). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
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
}

/** Stops every child process this module started that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...children].map((handle) => handle.stop("SIGKILL", 5_000)));
}

// If the test runner itself goes away, leave no server, worker, redis-server or postmaster behind.
process.once("exit", () => {
  for (const handle of children) handle.child.kill("SIGKILL");
  for (const dir of [...buildDirs, ...redisDirs]) rmSync(dir, { recursive: true, force: true });
  for (const dir of postgresDirs) {
    const args = ["-D", path.join(dir, "data"), "-m", "immediate", "stop"];
    if (process.getuid?.() === 0) spawnSync("runuser", ["-u", "postgres", "--", path.join(PG_BIN, "pg_ctl"), ...args], { cwd: "/tmp" });
    else spawnSync(path.join(PG_BIN, "pg_ctl"), args, { cwd: "/tmp" });
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * CPU seconds (user + system) used so far by a process and all its descendants that are
 * still running (tsx runs the app in a child node process). Linux only; NaN elsewhere.
 */
export function cpuSeconds(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  const walk = (id: number): number => {
    try {
      const fields = readFileSync(`/proc/${id}/stat`, "utf8").split(") ")[1].split(" ");
      let total = Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${id}/task`)) {
        const children = readFileSync(`/proc/${id}/task/${task}/children`, "utf8").trim();
        for (const child of children ? children.split(" ") : []) total += walk(Number(child)) * ticks;
      }
      return total / ticks;
    } catch {
      return 0;
    }
  };
  return process.platform === "linux" ? walk(pid) : Number.NaN;
}

/** The p-th percentile (0–100) of some numbers, nearest-rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
