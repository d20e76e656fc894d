import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The integration and browser tests serve the real Remix build. Build it when
 * app/ changed since the last build: rebuilding every run would swap the assets
 * under another test run that is using them.
 */
export default function setup() {
  const build = "build/index.js";
  const sources = Math.max(newestMtime("app"), statSync("remix.config.js").mtimeMs);
  if (existsSync(build) && statSync(build).mtimeMs > sources) return;
  // A production build, as users run: under vitest NODE_ENV is "test", which would make a development build.
  execSync("npx remix build", { stdio: "pipe", env: { ...process.env, NODE_ENV: "production" } });
}
