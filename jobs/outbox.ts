import type { Kysely, Transaction } from "kysely";
import type { DB } from "../db/schema";

/** The kinds of work the outbox carries. Payloads hold ids only, never personal data. */
export const JOB_KINDS = {
  signatureConfirmation: "signature.confirmation",
  signatureReminder: "signature.reminder",
  deliveryDigest: "delivery.digest",
  organizerInvite: "organizer.invite",
  /** A follower's double opt-in email (or "you already follow" when confirmed). */
  followConfirmation: "follow.confirmation",
  /** Pages through a campaign update's recipients and enqueues the batches. */
  updateFanout: "update.fanout",
  /** Sends one batch of a campaign update. */
  updateBatch: "update.batch",
  /** The email that confirms a "delete my data" request. */
  erasureConfirmation: "subscriber.erasure",
  /** A fresh preferences link, asked for on /preferences. */
  preferencesLink: "subscriber.preferences-link",
} as const;
export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];

/**
 * Records a side effect to run after the surrounding transaction commits.
 * Call it with the same transaction that writes the data the job is about,
 * so the two are committed together or not at all.
 */
export async function enqueueOutbox(
  trx: Transaction<DB> | Kysely<DB>,
  kind: JobKind,
  payload: Record<string, string | number>,
  options: { runAfter?: Date } = {},
): Promise<string> {
  const row = await trx
    .insertInto("outbox")
    .values({ kind, payload: JSON.stringify(payload), ...(options.runAfter ? { run_after: options.runAfter } : {}) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return String(row.id);
}
