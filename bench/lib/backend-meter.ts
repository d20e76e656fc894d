import { readFileSync } from "node:fs";
import pg from "pg";
import { sleep } from "./cleanup";
import { ADMIN_URL } from "./db";

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** CPU time (ms) a process has used so far, from /proc/<pid>/stat; -1 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return -1;
  }
}

/**
 * CPU time of this database's own Postgres backends (by datname in pg_stat_activity),
 * sampled every 50 ms: other databases on a shared server (test suites, other
 * benchmarks) do not count, as they would in a total over every `postgres` process.
 */
export async function startBackendMeter(database: string): Promise<{ stop(): Promise<number> }> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async (initial: boolean) => {
    const { rows } = await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = $1", [database]);
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms < 0) continue;
      if (!first.has(pid)) first.set(pid, initial ? ms : 0);
      last.set(pid, ms);
    }
  };
  await sample(true);
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(50);
      await sample(false);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      let total = 0;
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
      return total;
    },
  };
}
