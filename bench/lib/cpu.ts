import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime and stime (100 on Linux almost everywhere). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  comm: string;
  pgrp: number;
  ticks: number;
}

/** Every process's CPU time so far, from /proc/<pid>/stat (Linux only; empty elsewhere). */
function readProcesses(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const open = text.indexOf("(");
      const close = text.lastIndexOf(")");
      const comm = text.slice(open + 1, close);
      // Fields after the command: state(3) ppid(4) pgrp(5) … utime(14) stime(15).
      const rest = text.slice(close + 2).split(" ");
      out.push({ pid: Number(entry), comm, pgrp: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function readMachine(): { busy: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, v) => sum + v, 0);
    const idle = values[3] + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export interface CpuGroups {
  /** Process group ids of children (the web server, the bare server, pgbench). */
  [label: string]: number;
}

export interface CpuReport {
  seconds: number;
  /** Cores used on average over the window, per label: 1.0 is one core flat out. */
  cores: Record<string, number>;
  /** Share of all the machine's cores that were busy (any process). */
  machineBusy: number;
}

/**
 * Measures how much CPU each part of a benchmark used over a window: the
 * children (by process group), every `postgres` process, and this process
 * (the load generator and the SMTP sink). /proc is read every 250 ms and the
 * last reading of each process is kept, so a process that exits during the
 * window (pgbench, a closed backend) still counts, less its last quarter second.
 */
export function startCpuMeter(groups: CpuGroups): { stop(): CpuReport } {
  const labelOf = (stat: ProcStat): string | null => {
    for (const [label, pgrp] of Object.entries(groups)) if (stat.pgrp === pgrp) return label;
    return stat.comm === "postgres" ? "postgres" : null;
  };
  const first = new Map<number, number>();
  const last = new Map<number, { label: string; ticks: number }>();
  const read = (initial: boolean) => {
    for (const stat of readProcesses()) {
      const label = labelOf(stat);
      if (!label) continue;
      if (initial) first.set(stat.pid, stat.ticks);
      else if (!first.has(stat.pid) && !last.has(stat.pid)) first.set(stat.pid, 0);
      last.set(stat.pid, { label, ticks: stat.ticks });
    }
  };
  const started = performance.now();
  read(true);
  const machineBefore = readMachine();
  const selfBefore = process.cpuUsage();
  const timer = setInterval(() => read(false), 250);
  return {
    stop() {
      clearInterval(timer);
      read(false);
      const seconds = (performance.now() - started) / 1000;
      const machineAfter = readMachine();
      const self = process.cpuUsage(selfBefore);
      const cores: Record<string, number> = { postgres: 0 };
      for (const label of Object.keys(groups)) cores[label] = 0;
      for (const [pid, { label, ticks }] of last) cores[label] += (ticks - (first.get(pid) ?? 0)) / CLK_TCK / seconds;
      cores["load generator"] = (self.user + self.system) / 1e6 / seconds;
      const total = machineAfter.total - machineBefore.total;
      return { seconds, cores, machineBusy: total > 0 ? (machineAfter.busy - machineBefore.busy) / total : 0 };
    },
  };
}

/** How busy the machine is (0–1) over `ms` while this benchmark runs nothing: other work skews every figure. */
export async function backgroundLoad(ms = 1_000): Promise<number> {
  const before = readMachine();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readMachine();
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

export function formatCpu(report: CpuReport): string {
  const parts = Object.entries(report.cores).map(([label, cores]) => `${label} ${cores.toFixed(2)}`);
  return `${parts.join(", ")} cores; machine ${Math.round(report.machineBusy * 100)} % busy`;
}

/** CPU milliseconds one label spent per unit of work (request, transaction) over the window. */
export function cpuMs(report: CpuReport, label: string, units: number): string {
  const cores = report.cores[label] ?? 0;
  return units > 0 ? ((cores * report.seconds * 1000) / units).toFixed(2) : "—";
}
