import { sql } from "kysely";
import { isPermanentMailError } from "../emails/transport";
import type { OutboxRow } from "../db/schema";
import type { JobDeps } from "./deps";
import { markDeliveryFailed, sendDeliveryDigest } from "./handlers/delivery-digest";
import { sendSignatureEmail } from "./handlers/signature-email";
import { JOB_KINDS } from "./outbox";

/** Temporary failures are retried with exponential backoff this many times in all. */
export const MAX_ATTEMPTS = 8;

export type ExecuteOutcome = "done" | "skipped" | "failed";

/** Thrown for a temporary failure; the runner retries later. */
export class RetryableJobError extends Error {}

async function runHandler(deps: JobDeps, row: OutboxRow): Promise<void> {
  switch (row.kind) {
    case JOB_KINDS.signatureConfirmation:
      return sendSignatureEmail(deps, row.payload, "confirmation");
    case JOB_KINDS.signatureReminder:
      return sendSignatureEmail(deps, row.payload, "reminder");
    case JOB_KINDS.deliveryDigest:
      return sendDeliveryDigest(deps, row.payload);
    default:
      throw new Error(`unknown job kind ${row.kind}`);
  }
}

/** Error text safe to store and log: the error's code and message, never an address (SMTP replies can echo one). */
function describe(error: unknown): string {
  const e = error as { code?: string; responseCode?: number; message?: string };
  const text = `${e.code ?? ""} ${e.responseCode ?? ""} ${e.message ?? String(error)}`.trim();
  return text.replace(/[^\s@<>]+@[^\s@<>]+/g, "<address>").slice(0, 500);
}

/**
 * Runs one outbox row's handler unless it already ran, and records the result.
 * Both runners (in-process and BullMQ) go through here, so "done" is written in
 * one place: a re-relay or a retry after success finds it and does nothing.
 * Permanent failures are recorded and not retried; anything else throws
 * RetryableJobError for the runner's backoff, and is recorded as failed after
 * `attempt` reaches MAX_ATTEMPTS.
 */
export async function executeOutboxRow(deps: JobDeps, outboxId: string, attempt: number): Promise<ExecuteOutcome> {
  const row = await deps.db.selectFrom("outbox").selectAll().where("id", "=", outboxId as never).executeTakeFirst();
  if (!row || row.status === "done" || row.status === "failed") return "skipped";
  try {
    await runHandler(deps, row);
  } catch (error) {
    const permanent = isPermanentMailError(error) || error instanceof SyntaxError || (error as Error)?.name === "ZodError";
    const message = describe(error);
    if (permanent || attempt >= MAX_ATTEMPTS) {
      await deps.db
        .updateTable("outbox")
        .set({ status: "failed", last_error: message, done_at: sql`now()` })
        .where("id", "=", outboxId as never)
        .execute();
      if (row.kind === JOB_KINDS.deliveryDigest) await markDeliveryFailed(deps, row.payload, message);
      console.warn(`[jobs] ${row.kind} outbox#${outboxId} failed for good: ${message}`);
      return "failed";
    }
    await deps.db.updateTable("outbox").set({ last_error: message }).where("id", "=", outboxId as never).execute();
    throw new RetryableJobError(message);
  }
  await deps.db
    .updateTable("outbox")
    .set({ status: "done", done_at: sql`now()`, last_error: null })
    .where("id", "=", outboxId as never)
    .execute();
  return "done";
}

/** Seconds to wait before attempt n+1: 2, 4, 8 … capped at 15 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(2 ** attempt, 900);
}
