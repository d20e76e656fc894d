import { sql, type Kysely } from "kysely";
import { hashAddress } from "../app/lib/address-hash";
import { normalizeEmail } from "../app/lib/email-normalize";
import type { DB } from "../db/schema";
import { isPermanentMailError, SUPPRESSED_CODE, type Mailer } from "../emails/transport";

/**
 * What a mailer throws instead of sending to an address recorded as undeliverable.
 * isPermanentMailError() treats it as permanent, so the job is recorded as failed
 * and not retried. The message names no address: job errors are stored and logged.
 */
export class SuppressedAddressError extends Error {
  readonly code = SUPPRESSED_CODE;
  constructor() {
    super("not sent: the address is recorded as undeliverable");
    this.name = "SuppressedAddressError";
  }
}

interface SmtpErrorShape {
  command?: unknown;
  response?: unknown;
}

/**
 * Whether a permanent refusal is about the recipient's address, and so worth
 * remembering for good. Only a refusal of RCPT TO is: a refusal of MAIL FROM or
 * DATA is about us or the message (sender policy, size, spam filters), and
 * recording it would silence good addresses. Within RCPT TO, a 5.7.x reply is a
 * policy decision ("relaying denied" when our SMTP settings are wrong), which
 * would otherwise mark every recipient of a misconfigured server undeliverable.
 */
function refusesAddress(error: unknown): boolean {
  if (!isPermanentMailError(error)) return false;
  const { command, response } = error as SmtpErrorShape;
  if (command !== "RCPT TO") return false;
  const enhanced = typeof response === "string" ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] : undefined;
  return !enhanced?.startsWith("5.7.");
}

/**
 * Wraps a mailer so undeliverable addresses get nothing more. Before each
 * message it looks the recipient up in undeliverable_addresses and refuses
 * without talking to the mail server; when the server refuses a recipient for
 * good, it records the address (as hashAddress(), never in clear) and marks any
 * subscriber with it undeliverable, then rethrows for the job to be recorded as
 * failed. Every job mailer goes through here (jobs/build-deps.ts), so this
 * covers signature emails, follows, updates and officials' digests alike.
 */
export function withSuppression(mailer: Mailer, db: Kysely<DB>): Mailer {
  return {
    kind: mailer.kind,
    async send(mail) {
      if (!mail.suppressionChecked && (await undeliverable(db, [mail.to])).size > 0) throw new SuppressedAddressError();
      try {
        await mailer.send(mail);
      } catch (error) {
        if (refusesAddress(error)) await recordUndeliverable(db, mail.to, error);
        throw error;
      }
    },
    close: () => mailer.close(),
  };
}

/** Which of these addresses are recorded as undeliverable (one query for a whole chunk of bulk mail). */
export async function undeliverable(db: Kysely<DB>, addresses: string[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const hashes = new Map(addresses.map((address) => [hashAddress(address), address]));
  const rows = await db.selectFrom("undeliverable_addresses").select("email_hash").where("email_hash", "in", [...hashes.keys()]).execute();
  return new Set(rows.map((row) => hashes.get(row.email_hash) as string));
}

/** Remembers a refused address as its hash, and stops mail to the subscriber who has it. */
async function recordUndeliverable(db: Kysely<DB>, address: string, error: unknown): Promise<void> {
  const { responseCode } = error as { responseCode?: unknown };
  // The reply code only: the server's text often quotes the address.
  const reason = typeof responseCode === "number" ? `smtp ${responseCode}` : "smtp refusal";
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("undeliverable_addresses")
      .values({ email_hash: hashAddress(address), reason })
      .onConflict((oc) => oc.column("email_hash").doNothing())
      .execute();
    await trx
      .updateTable("subscribers")
      .set({ status: "undeliverable", undeliverable_at: sql`now()`, updated_at: sql`now()` })
      .where("email_normalized", "=", normalizeEmail(address))
      .where("status", "=", "active")
      .execute();
  });
}
