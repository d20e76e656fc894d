import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { onCleanup, sleep } from "./cleanup";

export interface Child {
  /** The child's pid, which is also its process group id (it runs detached). */
  pid: number;
  process: ChildProcess;
  /** The last lines it printed (stdout and stderr; 40 unless told, at most 200), for error messages. */
  output(lines?: number): string;
  /** How many lines printed so far match pattern (counted as they arrive). */
  printed(pattern: RegExp): number;
  /** Resolves with the exit code (or signal) when the direct child exits. */
  exited: Promise<number | string>;
  /** SIGTERM to its process group, SIGKILL after graceMs; resolves when the group is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Whether any process of the group still exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts a command in a process group of its own (tsx and cluster start
 * grandchildren), so stopping it stops all of them, by that group's id only.
 */
export function startChild(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const lines: string[] = [];
  const everything: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (everything.length < 1000) everything.push(line);
    }
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "?"));
    child.on("error", (error) => {
      lines.push(`spawn error: ${error.message}`);
      resolve("spawn-error");
    });
  });
  let stopping: Promise<void> | null = null;
  const stopGroup = (graceMs = 8_000): Promise<void> => {
    stopping ??= (async () => {
      signalGroup(pid, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
      if (groupAlive(pid)) {
        signalGroup(pid, "SIGKILL");
        while (groupAlive(pid)) await sleep(20);
      }
    })();
    return stopping;
  };
  const release = onCleanup(`${name} (pid ${pid})`, () => stopGroup());
  return {
    pid,
    process: child,
    output: (count = 40) => lines.slice(-count).join("\n"),
    printed: (pattern) => everything.filter((line) => pattern.test(line)).length,
    exited,
    stop: async (graceMs?: number) => {
      await stopGroup(graceMs);
      await release();
    },
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls url until it answers 200 (or the child exits or prints failOn, or timeoutMs passes). */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000, failOn?: RegExp): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | null = null;
  void child.exited.then((code) => {
    exitedWith = code;
  });
  for (;;) {
    if (exitedWith !== null) throw new Error(`exited (${exitedWith}) before answering ${url}:\n${child.output()}`);
    if (failOn && child.printed(failOn) > 0) throw new Error(`failed before answering ${url}:\n${child.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${child.output()}`);
    await sleep(100);
  }
}
