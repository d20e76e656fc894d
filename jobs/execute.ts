import { sql } from "kysely";
import { isPermanentMailError } from "../emails/transport";
import type { OutboxRow } from "../db/schema";
import type { JobDeps } from "./deps";
import { markDeliveryFailed, sendDeliveryDigest } from "./handlers/delivery-digest";
import { sendOrganizerInvite } from "./handlers/organizer-invite";
import { sendSignatureEmail } from "./handlers/signature-email";
import { sendFollowEmail } from "./handlers/follow-email";
import { sendErasureConfirmation, sendPreferencesLink } from "./handlers/subscriber-email";
import { fanOutUpdate } from "./handlers/update-fanout";
import { sendUpdateBatch } from "./handlers/update-batch";
import { JOB_KINDS } from "./outbox";
import { persistently } from "./persistently";

/**
 * Temporary failures are retried with exponential backoff this many times in all: with the
 * backoff below that is about 5 hours, long enough to ride out an SMTP provider's outage.
 */
export const MAX_ATTEMPTS = 12;
/** The first retry waits this long; each next one twice as long (BullMQ and the in-process runner alike). */
export const FIRST_RETRY_SECONDS = 5;

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
    case JOB_KINDS.organizerInvite:
      return sendOrganizerInvite(deps, row.payload);
    case JOB_KINDS.followConfirmation:
      return sendFollowEmail(deps, row.payload);
    case JOB_KINDS.updateFanout:
      return fanOutUpdate(deps, row.payload);
    case JOB_KINDS.updateBatch:
      return sendUpdateBatch(deps, row.payload);
    case JOB_KINDS.erasureConfirmation:
      return sendErasureConfirmation(deps, row.payload);
    case JOB_KINDS.preferencesLink:
      return sendPreferencesLink(deps, row.payload);
    default:
      throw new Error(`unknown job kind ${row.kind}`);
  }
}

/** Error text safe to store and log: the error's code and message, never an address (SMTP replies can echo one). */
export function describe(error: unknown): string {
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
  // The email is out: recording that must not fail because Postgres blinked, or a retry would send it again.
  await persistently(() =>
    deps.db
      .updateTable("outbox")
      .set({ status: "done", done_at: sql`now()`, last_error: null })
      .where("id", "=", outboxId as never)
      .execute(),
  );
  return "done";
}

/** Seconds to wait after attempt n failed: 5, 10, 20 … as BullMQ's exponential backoff does. */
export function backoffSeconds(attempt: number): number {
  return FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempt - 1);
}
