import { sql, type Kysely, type Transaction } from "kysely";
import { hashAddress } from "~/lib/address-hash";
import { hashToken, newToken } from "~/lib/tokens.server";
import type { DB } from "../../db/schema";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";
import { audit } from "./audit.server";
import { reserveSubscriberEmail } from "./subscribers.server";
import { forgetPublicPages } from "~/lib/public-page-cache.server";

// "Delete my data" takes two steps: the preferences page asks, and a link mailed to the
// address erases. A preferences link can be forwarded with an update; the erasure link
// goes only to the mailbox, and is good once, for ERASURE_TOKEN_HOURS.

export const ERASURE_TOKEN_HOURS = 24;

/**
 * Queues the email that confirms a "delete my data" request, within the subscriber's
 * budget of requested emails. Returns whether it was queued.
 */
export async function requestErasure(db: Kysely<DB>, subscriberId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await reserveSubscriberEmail(trx, subscriberId))) return false;
    await enqueueOutbox(trx, JOB_KINDS.erasureConfirmation, { subscriberId });
    return true;
  });
}

/** Makes a one-use erasure link token and stores only its hash; each email carries its own. */
export async function issueErasureToken(db: Kysely<DB>, subscriberId: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto("erasure_tokens")
    .values({
      subscriber_id: subscriberId,
      token_hash: hashToken(token),
      expires_at: sql<Date>`now() + make_interval(hours => ${ERASURE_TOKEN_HOURS})`,
    })
    .execute();
  return token;
}

const TOKEN = /^[\w-]{20,100}$/;

/** Whether an erasure link still works, without changing anything (the GET of its page). */
export async function inspectErasureToken(db: Kysely<DB>, token: string): Promise<{ subscriberId: number } | null> {
  if (!TOKEN.test(token)) return null;
  const row = await db
    .selectFrom("erasure_tokens as t")
    .innerJoin("subscribers as s", "s.id", "t.subscriber_id")
    .select("s.id")
    .where("t.token_hash", "=", hashToken(token))
    .where("t.expires_at", ">", sql<Date>`now()`)
    .where("s.status", "!=", "erased")
    .executeTakeFirst();
  return row ? { subscriberId: row.id } : null;
}

/**
 * Erases the person an erasure link belongs to, using the link up. Returns false
 * (and changes nothing) for an unknown, used or expired link.
 */
export async function eraseWithToken(db: Kysely<DB>, token: string): Promise<boolean> {
  if (!TOKEN.test(token)) return false;
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .deleteFrom("erasure_tokens")
      .where("token_hash", "=", hashToken(token))
      .where("expires_at", ">", sql<Date>`now()`)
      .returning("subscriber_id")
      .executeTakeFirst();
    if (!used) return false;
    await eraseSubscriber(trx, used.subscriber_id);
    return true;
  }).finally(() => forgetPublicPages(db)); // The petition pages list recent signers' names.
}

export interface ErasureSummary {
  signatures: number;
  follows: number;
}

/**
 * Erases a person, found by their subscriber row, in one transaction: the subscriber's
 * address, name and ZIP; their follows (and follow tokens) and erasure tokens; and every
 * signature made with the same normalized address, whose names, address, ZIP, comment
 * and IP hash are blanked. Signatures keep their status, place (city, county, state,
 * zip5: no more than a town) and delivery records, so petition counts and officials'
 * totals do not change. email_normalized becomes `erased:<id>`, unique per row, so the
 * one-signature-per-address index holds and the person can sign and follow again as
 * someone new. The address also leaves undeliverable_addresses and the dev mailbox.
 * What is recorded of the erasure is counts, never who.
 */
export async function eraseSubscriber(trx: Transaction<DB>, subscriberId: number): Promise<ErasureSummary> {
  const subscriber = await trx
    .selectFrom("subscribers")
    .select(["id", "email", "email_normalized", "status"])
    .where("id", "=", subscriberId)
    .forUpdate()
    .executeTakeFirst();
  if (!subscriber || subscriber.status === "erased") return { signatures: 0, follows: 0 };
  const emailNormalized = subscriber.email_normalized;

  // Mail in the dev mailbox went to addresses as typed, which may differ from the normalized one.
  const addresses = new Set<string>();
  if (subscriber.email) addresses.add(subscriber.email.toLowerCase());
  if (emailNormalized) {
    const typed = await trx.selectFrom("signatures").select("email").where("email_normalized", "=", emailNormalized).execute();
    for (const row of typed) addresses.add(row.email.toLowerCase());
  }

  const signatures = emailNormalized
    ? await trx
        .updateTable("signatures")
        .set({
          first_name: "",
          last_name: "",
          email: "",
          email_normalized: sql<string>`'erased:' || id`,
          postal_code: "",
          comment: null,
          ip_hash: null,
          erased_at: sql<Date>`now()`,
        })
        .where("email_normalized", "=", emailNormalized)
        .returning("id")
        .execute()
    : [];
  if (signatures.length > 0) {
    await trx
      .deleteFrom("signature_tokens")
      .where(
        "signature_id",
        "in",
        signatures.map((s) => s.id),
      )
      .execute();
  }

  const follows = await trx.deleteFrom("follows").where("subscriber_id", "=", subscriberId).returning("id").execute();
  await trx.deleteFrom("erasure_tokens").where("subscriber_id", "=", subscriberId).execute();
  await trx
    .updateTable("subscribers")
    .set({
      email: null,
      email_normalized: null,
      first_name: null,
      postal_code: null,
      zip5: null,
      status: "erased",
      erased_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", subscriberId)
    .execute();
  if (emailNormalized) {
    await trx.deleteFrom("undeliverable_addresses").where("email_hash", "=", hashAddress(emailNormalized)).execute();
  }
  if (addresses.size > 0) {
    await trx
      .deleteFrom("dev_mail")
      .where(sql<string>`lower(to_address)`, "in", [...addresses])
      .execute();
  }
  const summary = { signatures: signatures.length, follows: follows.length };
  await audit(trx, { organizerId: null, organizationId: null, action: "subscriber.erased", subject: `subscriber ${subscriberId}`, details: summary });
  return summary;
}
