import { readFileSync } from "node:fs";
import path from "node:path";
import { startChild } from "./lib/process";

/**
 * Benchmarks that other parts of the project add as npm scripts (`bench:export`,
 * `bench:fanout`). When a script exists it is run and its figures go into the
 * table. Contract: it prints a line
 *   BENCH_ROW {"benchmark":"…","result":"…","limit":"…","ratio":0.62,"aim":"…","pass":true}
 * for each table row (ratio a fraction or null, pass true/false/null); without
 * such a line, its last printed line becomes the row's result. It gets
 * BENCH_BUILD_DIR, the production build the servers can run in (lib/build.ts).
 */

export interface ExternalRow {
  benchmark: string;
  result: string;
  limit: string;
  ratio: number | null;
  aim: string;
  pass: boolean | null;
}

export const EXTERNAL_BENCHMARKS = [
  { script: "bench:export", name: "export", timeoutMs: 600_000 },
  // 100,000 emails twice (nodemailer alone, then our path) take several minutes on 2 cores.
  { script: "bench:fanout", name: "fan-out", timeoutMs: 1_200_000 },
];

const ROOT = path.resolve(import.meta.dirname, "..");

export function npmScripts(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return pkg.scripts ?? {};
}

/**
 * Runs `npm run <script>`. BENCH_BUILD_DIR tells it where run.ts's production
 * build is (see lib/build.ts), so it need not build or use the shared ./build.
 */
export async function runExternal(script: string, name: string, buildDir: string, timeoutMs = 180_000): Promise<{ rows: ExternalRow[]; output: string }> {
  const child = startChild(`npm run ${script}`, "npm", ["run", "--silent", script], {
    cwd: ROOT,
    env: { ...process.env, BENCH_BUILD_DIR: buildDir },
  });
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  await child.stop();
  const output = child.output(200);
  if (code !== 0) throw new Error(`npm run ${script} exited ${code}:\n${output}`);
  const rows: ExternalRow[] = [];
  for (const line of output.split("\n")) {
    const match = /^BENCH_ROW (\{.*\})\s*$/.exec(line.trim());
    if (!match) continue;
    const row = JSON.parse(match[1]) as Partial<ExternalRow>;
    rows.push({
      benchmark: row.benchmark ?? name,
      result: row.result ?? "",
      limit: row.limit ?? "",
      ratio: row.ratio ?? null,
      aim: row.aim ?? "",
      pass: row.pass ?? null,
    });
  }
  if (rows.length === 0) {
    const last = output.split("\n").filter((line) => line.trim()).at(-1) ?? "(printed nothing)";
    rows.push({ benchmark: name, result: last.trim(), limit: "", ratio: null, aim: "", pass: null });
  }
  return { rows, output };
}
