import { sql, type Kysely, type Transaction } from "kysely";
import type { RateLimit } from "~/lib/abuse.server";
import { normalizeEmail } from "~/lib/email-normalize";
import { followFromSignature } from "~/models/follows.server";
import { hashToken, newToken } from "~/lib/tokens.server";
import { preparedStatement } from "~/lib/prepared-query.server";
import { lookupZip } from "~/lib/zip.server";
import type { SignatureForm } from "~/validation/signature.server";
import type { DB, Locale } from "../../db/schema";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";

/** Confirmation and reminder emails together; past this a signer gets no more mail about one signature. */
export const MAX_EMAILS_PER_SIGNATURE = 5;
/** A burst of identical submissions (double clicks, retries) triggers one email, not one each. */
export const REMINDER_COOLDOWN_SECONDS = 60;
export const CONFIRMATION_TOKEN_DAYS = 7;

export interface SignInput {
  petitionId: number;
  form: SignatureForm;
  locale: Locale;
  source?: string | null;
  utm?: Record<string, string> | null;
  /** The consent wording the signer saw beside the optIn box, kept as a record of what they agreed to. */
  consentText: string;
  /** hashIp() of the signer's address; null when it is allow-listed or unknown (then no rate limit applies). */
  ipHash?: string | null;
  rateLimits?: RateLimit[];
}

/**
 * Whether this IP already signed this petition as often as a limit allows.
 * The advisory lock makes concurrent signings from one IP take turns, so a
 * burst cannot slip under the limit together.
 */
async function overRateLimit(trx: Transaction<DB>, petitionId: number, ipHash: string, limits: RateLimit[]): Promise<boolean> {
  if (limits.length === 0) return false;
  await sql`select pg_advisory_xact_lock(${petitionId}::int, hashtext(${ipHash}))`.execute(trx);
  const longest = Math.max(...limits.map((limit) => limit.windowSeconds));
  const recent = await trx
    .selectFrom("signatures")
    .select(sql<number>`extract(epoch from now() - created_at)::float8`.as("age"))
    .where("petition_id", "=", petitionId)
    .where("ip_hash", "=", ipHash)
    .where("created_at", ">", sql<Date>`now() - make_interval(secs => ${longest})`)
    .execute();
  return limits.some((limit) => recent.filter((row) => Number(row.age) < limit.windowSeconds).length >= limit.count);
}

export type SignOutcome = "created" | "reminded" | "unchanged";

type Executor = Kysely<DB> | Transaction<DB>;

interface SignatureValues {
  petitionId: number;
  firstName: string;
  lastName: string;
  email: string;
  emailNormalized: string;
  postalCode: string;
  zip5: string;
  city: string | null;
  county: string | null;
  state: string | null;
  comment: string | null;
  anonymous: boolean;
  optIn: boolean;
  consentText: string | null;
  locale: Locale;
  source: string | null;
  utm: string | null;
  ipHash: string | null;
  flaggedReason: string | null;
}

/**
 * The signature row and its confirmation email's outbox row, written by one
 * statement: without a rate limit to check it needs no transaction of its
 * own, so a signature is one round trip to Postgres instead of four (BEGIN,
 * two INSERTs, COMMIT). Built and compiled once (preparedStatement): Kysely
 * building this insert cost more CPU than Postgres running it. Returns the
 * new signature's id; none when this email already signed (ON CONFLICT DO
 * NOTHING inserts neither row).
 */
const insertSignatureWithConfirmation = preparedStatement<DB, SignatureValues, { signatureId: number }>(
  [
    "petitionId", "firstName", "lastName", "email", "emailNormalized", "postalCode", "zip5", "city", "county", "state",
    "comment", "anonymous", "optIn", "consentText", "locale", "source", "utm", "ipHash", "flaggedReason",
  ],
  (db: Kysely<DB>, v: SignatureValues) =>
    db
      .with("created", (qb) =>
        qb
          .insertInto("signatures")
          .values({
            petition_id: v.petitionId,
            first_name: v.firstName,
            last_name: v.lastName,
            email: v.email,
            email_normalized: v.emailNormalized,
            postal_code: v.postalCode,
            zip5: v.zip5,
            city: v.city,
            county: v.county,
            state: v.state,
            comment: v.comment,
            anonymous: v.anonymous,
            opt_in: v.optIn,
            consent_text: v.consentText,
            consent_at: sql<Date>`case when ${v.optIn}::boolean then now() end`,
            locale: v.locale,
            source: v.source,
            utm: v.utm,
            emails_sent: 1,
            last_emailed_at: sql<Date>`now()`,
            ip_hash: v.ipHash,
            flagged_reason: v.flaggedReason,
          })
          .onConflict((oc) => oc.columns(["petition_id", "email_normalized"]).doNothing())
          .returning("id"),
      )
      .insertInto("outbox")
      .columns(["kind", "payload"])
      .expression((eb) =>
        eb
          .selectFrom("created")
          .select([eb.val(JOB_KINDS.signatureConfirmation).as("kind"), sql<string>`jsonb_build_object('signatureId', created.id)`.as("payload")]),
      )
      .returning(sql<number>`(payload->>'signatureId')::int`.as("signatureId")),
);

async function insertSignature(db: Executor, input: SignInput, flagged: boolean): Promise<number | undefined> {
  const { form } = input;
  const place = lookupZip(form.postalCode);
  const [row] = await insertSignatureWithConfirmation(db, {
    petitionId: input.petitionId,
    firstName: form.firstName,
    lastName: form.lastName,
    email: form.email,
    emailNormalized: normalizeEmail(form.email),
    postalCode: form.postalCode,
    zip5: place.zip5,
    city: place.city,
    county: place.county,
    state: place.state,
    comment: form.comment ?? null,
    anonymous: form.anonymous,
    optIn: form.optIn,
    consentText: form.optIn ? input.consentText : null,
    locale: input.locale,
    source: input.source ?? null,
    utm: input.utm ? JSON.stringify(input.utm) : null,
    ipHash: input.ipHash ?? null,
    // Kept, and the signer still gets the email and the same page, but it does not count.
    flaggedReason: flagged ? "rate-limit" : null,
  });
  return row?.signatureId;
}

/** A reminder for an email that already signed, unless it had all its emails or one within the cooldown: one statement too. */
async function remindSigner(db: Executor, input: SignInput): Promise<boolean> {
  const row = await db
    .with("reminded", (qb) =>
      qb
        .updateTable("signatures")
        .set({ emails_sent: sql`emails_sent + 1`, last_emailed_at: sql`now()` })
        .where("petition_id", "=", input.petitionId)
        .where("email_normalized", "=", normalizeEmail(input.form.email))
        .where("emails_sent", "<", MAX_EMAILS_PER_SIGNATURE)
        .where((eb) =>
          eb.or([
            eb("last_emailed_at", "is", null),
            eb("last_emailed_at", "<", sql<Date>`now() - make_interval(secs => ${REMINDER_COOLDOWN_SECONDS})`),
          ]),
        )
        .returning("id"),
    )
    .insertInto("outbox")
    .columns(["kind", "payload"])
    .expression((eb) =>
      eb
        .selectFrom("reminded")
        .select([eb.val(JOB_KINDS.signatureReminder).as("kind"), sql<string>`jsonb_build_object('signatureId', reminded.id)`.as("payload")]),
    )
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Stores a pending signature and its confirmation email together.
 * Signing again with the same (normalized) email adds no row; it queues a
 * reminder instead, at most MAX_EMAILS_PER_SIGNATURE emails in all and none
 * within REMINDER_COOLDOWN_SECONDS of the last. The caller must show the same
 * page for every outcome, so the page never tells whether an email had signed.
 */
export async function signPetition(db: Kysely<DB>, input: SignInput): Promise<SignOutcome> {
  const limits = input.ipHash ? (input.rateLimits ?? []) : [];
  if (limits.length === 0) {
    if ((await insertSignature(db, input, false)) !== undefined) return "created";
    return (await remindSigner(db, input)) ? "reminded" : "unchanged";
  }
  // The rate limit's advisory lock holds until COMMIT, so the check and the insert share a transaction.
  return db.transaction().execute(async (trx) => {
    const flagged = await overRateLimit(trx, input.petitionId, input.ipHash!, limits);
    if ((await insertSignature(trx, input, flagged)) !== undefined) return "created";
    return (await remindSigner(trx, input)) ? "reminded" : "unchanged";
  });
}

/**
 * Makes a fresh confirmation token for a signature and stores only its hash.
 * Each email carries its own token; any unexpired one confirms.
 */
export async function issueConfirmationToken(db: Kysely<DB>, signatureId: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto("signature_tokens")
    .values({
      signature_id: signatureId,
      token_hash: hashToken(token),
      expires_at: sql<Date>`now() + make_interval(days => ${CONFIRMATION_TOKEN_DAYS})`,
    })
    .execute();
  return token;
}

export type TokenState =
  | { state: "invalid" }
  | { state: "expired" | "pending" | "confirmed"; signatureId: number; petitionId: number };

/** What a confirmation link points at, without changing anything (the GET of the confirm page). */
export async function inspectConfirmationToken(db: Kysely<DB>, token: string): Promise<TokenState> {
  if (!/^[\w-]{20,100}$/.test(token)) return { state: "invalid" };
  const row = await db
    .selectFrom("signature_tokens as t")
    .innerJoin("signatures as s", "s.id", "t.signature_id")
    .select(["s.id", "s.petition_id", "s.status", sql<boolean>`t.expires_at < now()`.as("expired")])
    .where("t.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.status === "invalidated") return { state: "invalid" };
  const base = { signatureId: row.id, petitionId: row.petition_id };
  if (row.status === "confirmed") return { state: "confirmed", ...base };
  return { state: row.expired ? "expired" : "pending", ...base };
}

export type ConfirmOutcome = "confirmed" | "already-confirmed" | "expired" | "invalid";

/** Confirms the signature a token belongs to. Safe to repeat: a second call reports "already-confirmed". */
export async function confirmSignature(db: Kysely<DB>, token: string): Promise<ConfirmOutcome> {
  const found = await inspectConfirmationToken(db, token);
  if (found.state === "invalid") return "invalid";
  if (found.state === "confirmed") return "already-confirmed";
  if (found.state === "expired") return "expired";
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("signatures")
      .set({ status: "confirmed", confirmed_at: sql`now()` })
      .where("id", "=", found.signatureId)
      .where("status", "=", "pending")
      .returning("id")
      .executeTakeFirst();
    if (!updated) return "already-confirmed";
    // A signer who ticked "email me updates" follows the petition's campaign from now on.
    await followFromSignature(trx, updated.id);
    return "confirmed";
  });
}

/**
 * Sends a new confirmation link for an expired token, within the same
 * per-signature email budget as signing again. Returns false when the budget
 * or cooldown says no; the page says the same either way.
 */
export async function resendConfirmation(db: Kysely<DB>, token: string): Promise<boolean> {
  const found = await inspectConfirmationToken(db, token);
  if (found.state !== "expired" && found.state !== "pending") return false;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("signatures")
      .set({ emails_sent: sql`emails_sent + 1`, last_emailed_at: sql`now()` })
      .where("id", "=", found.signatureId)
      .where("status", "=", "pending")
      .where("emails_sent", "<", MAX_EMAILS_PER_SIGNATURE)
      .where("last_emailed_at", "<", sql<Date>`now() - make_interval(secs => ${REMINDER_COOLDOWN_SECONDS})`)
      .returning("id")
      .executeTakeFirst();
    if (!row) return false;
    await enqueueOutbox(trx, JOB_KINDS.signatureReminder, { signatureId: row.id });
    return true;
  });
}

export interface PublicSigner {
  firstName: string;
  lastInitial: string;
  city: string | null;
  state: string | null;
  comment: string | null;
  confirmedAt: Date;
}

/** Recent confirmed signers as the public may see them: first name, last initial, city. */
export async function recentSigners(db: Kysely<DB>, petitionId: number, limit = 10): Promise<PublicSigner[]> {
  const rows = await db
    .selectFrom("signatures")
    .select(["first_name", "last_name", "city", "state", "comment", "comment_hidden", "confirmed_at"])
    .where("petition_id", "=", petitionId)
    .where("status", "=", "confirmed")
    .where("flagged_reason", "is", null)
    .where("anonymous", "=", false)
    .where("erased_at", "is", null)
    .orderBy("confirmed_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    firstName: row.first_name,
    lastInitial: Array.from(row.last_name)[0]?.toUpperCase() ?? "",
    city: row.city,
    state: row.state,
    comment: row.comment_hidden ? null : row.comment,
    confirmedAt: row.confirmed_at as Date,
  }));
}
