/**
 * Everything a benchmark starts (child processes, databases, servers) registers
 * how to undo it here, so a failure, Ctrl-C or SIGTERM still stops the children
 * and drops the databases. Each resource also undoes itself in a `finally`;
 * `release()` runs the undo once and forgets it.
 */

interface Task {
  name: string;
  run: () => Promise<void> | void;
}

const tasks = new Set<Task>();

/** Registers an undo step; the returned function runs it (once) and unregisters it. */
export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const task: Task = { name, run };
  tasks.add(task);
  let done: Promise<void> | null = null;
  return () => {
    if (!done) {
      tasks.delete(task);
      done = Promise.resolve().then(task.run);
    }
    return done;
  };
}

/** Runs every registered undo step, newest first, each on its own so one failure does not stop the rest. */
export async function cleanupAll(): Promise<void> {
  const pending = [...tasks].reverse();
  tasks.clear();
  for (const task of pending) {
    try {
      await withTimeout(Promise.resolve().then(task.run), 15_000, task.name);
    } catch (error) {
      console.error(`[bench] cleanup of ${task.name} failed: ${(error as Error).message}`);
    }
  }
}

let interrupted = false;

/** True once SIGINT/SIGTERM arrived: long loops check it and stop early. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** On SIGINT/SIGTERM: clean up, then exit 130 (a second signal exits at once). */
export function installSignalHandlers(): void {
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) {
      console.error(`[bench] ${signal} again: exiting without finishing the cleanup`);
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping child processes and dropping the bench databases…`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
