// The production build of the two processes: `remix build` makes build/index.js (the routes), and
// esbuild bundles our own server-side code into build/server.js (server.ts) and build/worker.js
// (jobs/worker.ts), so production runs plain `node` with no TypeScript loader.
//
//   node scripts/build-server.js            bundle both entries into build/ (`npm run build` runs remix build first)
//
// Plain JavaScript, so `npm start` (scripts/start.js) can use it on a fresh clone before anything is built.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The bundles: name → entry point. */
const ENTRIES = { server: "server.ts", worker: "jobs/worker.ts" };

/** What the builds are made from: a file here newer than a build output makes that output stale. */
const SOURCES = ["app", "db", "jobs", "emails", "server.ts", "remix.config.js", "tsconfig.json"];

/** What each process needs built: the web server also serves the Remix build. */
const OUTPUTS = { server: ["build/index.js", "build/server.js"], worker: ["build/worker.js"] };

/**
 * Bundles the given entries (both by default) with esbuild into outdir (root/build by default).
 * Our own code (app/, db/, jobs/, emails/, "~/" imports through tsconfig's paths) is compiled
 * in; packages stay imports that Node resolves from node_modules at run time, so a bundle must
 * live inside the project (build/, or the benchmarks' directory under node_modules/.cache).
 */
export async function bundle({ root = ROOT, outdir = path.join(root, "build"), entries = Object.keys(ENTRIES) } = {}) {
  // Imported here, not at the top: a start with an up-to-date build needs no esbuild.
  const esbuild = await import("esbuild");
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(entries.map((name) => [name, ENTRIES[name]])),
      outdir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      tsconfig: path.join(root, "tsconfig.json"),
      metafile: true,
      logLevel: "warning",
    });
  } finally {
    // esbuild's service process would otherwise live on beside the server that npm start runs next.
    await esbuild.stop();
  }
  // "packages: external" would also leave an unresolved "~/…" or relative import as an import, failing only at run time.
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const bad = output.imports.find((entry) => entry.external && /^(~\/|\.)/.test(entry.path));
    if (bad) throw new Error(`${file}: "${bad.path}" was left unbundled`);
  }
}

function newestMtime(file) {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}

/** The outputs that `which` ("server" or "worker") needs and that are missing or older than a source file. */
export function staleOutputs(which, root = ROOT) {
  const newest = Math.max(...SOURCES.map((source) => newestMtime(path.join(root, source))));
  return OUTPUTS[which].filter((output) => {
    const stat = statSync(path.join(root, output), { throwIfNoEntry: false });
    return !stat || stat.mtimeMs < newest;
  });
}

/** `remix build` in root (NODE_ENV as the caller has it: production when unset). */
export function remixBuild(root = ROOT) {
  const bin = path.join(root, "node_modules", ".bin", "remix");
  if (!existsSync(bin)) {
    throw new Error("building needs the dev dependencies (@remix-run/dev): run `npm ci`, then `npm run build`");
  }
  const run = spawnSync(bin, ["build"], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) throw new Error(`remix build failed (${run.error?.message ?? run.signal ?? `exit ${run.status}`})`);
}

/**
 * Builds what `which` ("server" or "worker") runs when it is missing or older than the sources.
 * Each process rebuilds only its own files, so a web server and a worker started together
 * never write the same file. Returns whether it built.
 */
export async function ensureBuilt(which, { root = ROOT, log = console.log } = {}) {
  const stale = staleOutputs(which, root);
  if (stale.length === 0) return false;
  log(`${stale.join(" and ")} missing or older than the sources: building (a few seconds)…`);
  if (stale.includes("build/index.js")) remixBuild(root);
  await bundle({ root, entries: [which] });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle();
}
