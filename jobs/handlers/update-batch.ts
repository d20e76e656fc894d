import type { JobDeps } from "../deps";

export async function sendUpdateBatch(_deps: JobDeps, _payload: unknown): Promise<void> {
  throw new Error("sendUpdateBatch is being built");
}
