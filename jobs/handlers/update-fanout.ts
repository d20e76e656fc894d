import type { JobDeps } from "../deps";

export async function fanOutUpdate(_deps: JobDeps, _payload: unknown): Promise<void> {
  throw new Error("fanOutUpdate is being built");
}
