import type { JobDeps } from "../deps";

export async function sendFollowEmail(_deps: JobDeps, _payload: unknown): Promise<void> {
  throw new Error("sendFollowEmail is being built");
}
