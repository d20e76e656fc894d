import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundle, ROOT, staleOutputs } from "../../scripts/build-server.js";

// Inside the project, as build/ is: the bundles import their packages from node_modules.
const OUT = path.join(ROOT, "node_modules", ".cache", `sanctuary-test-bundle-${process.pid}`);
const EMPTY = mkdtempSync(path.join(os.tmpdir(), "sanctuary-bundle-cwd-"));

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(EMPTY, { recursive: true, force: true });
});

/** Runs a bundle in a directory with no build and no configuration: it must load every import, then stop with its message. */
function runBundle(file: string): { status: number | null; output: string } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: EMPTY };
  const run = spawnSync(process.execPath, [path.join(OUT, file)], {
    cwd: EMPTY,
    env: env as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the production bundles (scripts/build-server.js)", () => {
  it("bundle our code, and Node links every package import of build/server.js and build/worker.js", async () => {
    await bundle({ outdir: OUT });
    const server = runBundle("server.js");
    expect(server.output).toContain("[web] failed to start: no Remix build at");
    expect(server.status).toBe(1);
    const worker = runBundle("worker.js");
    expect(worker.output).toContain("The worker needs REDIS_URL and DATABASE_URL");
    expect(worker.status).toBe(1);
  });

  it("count an output as stale when it is missing or older than any source", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sanctuary-stale-"));
    try {
      // Writes file with that mtime, and gives its directories the same (adding a file changes theirs, and they count too).
      const at = (file: string, seconds: number) => {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), "");
        for (let part = file; part !== "."; part = path.dirname(part)) utimesSync(path.join(root, part), seconds, seconds);
      };
      at("app/routes/_index.tsx", 1000);
      at("server.ts", 1000);
      at("build/index.js", 2000);
      expect(staleOutputs("server", root)).toEqual(["build/server.js"]);
      at("build/server.js", 2000);
      at("build/worker.js", 2000);
      expect(staleOutputs("server", root)).toEqual([]);
      at("jobs/handlers/new-job.ts", 3000);
      expect(staleOutputs("server", root)).toEqual(["build/index.js", "build/server.js"]);
      expect(staleOutputs("worker", root)).toEqual(["build/worker.js"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
