import type { JobDeps } from "../deps";

export async function sendErasureConfirmation(_deps: JobDeps, _payload: unknown): Promise<void> {
  throw new Error("sendErasureConfirmation is being built");
}

export async function sendPreferencesLink(_deps: JobDeps, _payload: unknown): Promise<void> {
  throw new Error("sendPreferencesLink is being built");
}
