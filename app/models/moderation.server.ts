import { createHmac } from "node:crypto";
import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { InvalidateCriteria } from "~/validation/moderation.server";
import { audit } from "./audit.server";
import type { ScopedPetition } from "./admin-petitions.server";
import type { Organizer } from "./organizers.server";
import type { DB } from "../../db/schema";
import { forgetPublicPages } from "~/lib/public-page-cache.server";

/**
 * Moderation of one petition's signatures: hiding comments from public pages
 * and digests, and invalidating signatures (they stop counting and are never
 * delivered). The petition comes from requirePetition, so every query here is
 * already scoped to a petition the organizer may act on.
 */

export const COMMENTS_PAGE_SIZE = 50;

/** Recent signatures with a comment, newest first; a signer shown as the public sees them plus their email's domain. */
export async function listComments(db: Kysely<DB>, petitionId: number, filter: { show: "all" | "hidden" | "visible"; page: number }) {
  let query = db
    .selectFrom("signatures")
    .where("petition_id", "=", petitionId)
    .where("comment", "is not", null)
    .where("comment", "<>", "");
  if (filter.show !== "all") query = query.where("comment_hidden", "=", filter.show === "hidden");
  const total = await query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      "id",
      "first_name",
      "last_name",
      "city",
      "state",
      "status",
      "flagged_reason",
      "comment",
      "comment_hidden",
      "created_at",
      sql<string>`split_part(email_normalized, '@', 2)`.as("domain"),
    ])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(COMMENTS_PAGE_SIZE)
    .offset((filter.page - 1) * COMMENTS_PAGE_SIZE)
    .execute();
  return {
    total: Number(total.n),
    comments: rows.map((row) => ({
      id: row.id,
      signer: `${row.first_name} ${Array.from(row.last_name)[0]?.toUpperCase() ?? ""}.`,
      place: [row.city, row.state].filter(Boolean).join(", "),
      domain: row.domain,
      status: row.flagged_reason ? `${row.status} (flagged: ${row.flagged_reason})` : row.status,
      comment: row.comment ?? "",
      hidden: row.comment_hidden,
      createdAt: row.created_at.toISOString(),
    })),
  };
}

/** Hides a comment from public pages and digests, or shows it again. False when the signature is not this petition's. */
export async function setCommentHidden(db: Kysely<DB>, organizer: Organizer, petition: ScopedPetition, signatureId: number, hidden: boolean): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("signatures")
      .set({ comment_hidden: hidden })
      .where("id", "=", signatureId)
      .where("petition_id", "=", petition.id)
      .returning("id")
      .executeTakeFirst();
    if (!row) return false;
    await audit(trx, {
      organizerId: organizer.id,
      organizationId: petition.organizationId,
      action: hidden ? "comment.hide" : "comment.show",
      subject: `signature:${signatureId}`,
      details: { petition: petition.slug },
    });
    return true;
  }).finally(() => forgetPublicPages(db)); // The page lists recent comments.
}

function matches(criteria: InvalidateCriteria) {
  return (eb: ExpressionBuilder<DB, "signatures">) => {
    switch (criteria.by) {
      case "email":
        return eb("email_normalized", "=", criteria.email);
      case "domain":
        return eb(sql<string>`split_part(email_normalized, '@', 2)`, "=", criteria.domain);
      case "range":
        return eb.and([eb("created_at", ">=", criteria.from), eb("created_at", "<=", criteria.to)]);
    }
  };
}

export interface InvalidationCount {
  total: number;
  confirmed: number;
  pending: number;
}

/** How many of the petition's signatures (not yet invalidated) the criteria match, and how many of those count now. */
export async function countInvalidation(db: Kysely<DB>, petitionId: number, criteria: InvalidateCriteria): Promise<InvalidationCount> {
  const row = await db
    .selectFrom("signatures")
    .select([
      sql<number>`count(*)::int`.as("total"),
      sql<number>`count(*) filter (where status = 'confirmed')::int`.as("confirmed"),
      sql<number>`count(*) filter (where status = 'pending')::int`.as("pending"),
    ])
    .where("petition_id", "=", petitionId)
    .where("status", "<>", "invalidated")
    .where(matches(criteria))
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), confirmed: Number(row.confirmed), pending: Number(row.pending) };
}

/** What the audit log keeps of the criteria: the domain or the time range, but of an email address only a keyed hash. */
function auditedCriteria(criteria: InvalidateCriteria, secret: string): Record<string, string> {
  switch (criteria.by) {
    case "email":
      return { criterion: "email", emailHash: createHmac("sha256", secret).update(criteria.email).digest("hex").slice(0, 32) };
    case "domain":
      return { criterion: "domain", domain: criteria.domain };
    case "range":
      return { criterion: "range", from: criteria.from.toISOString(), to: criteria.to.toISOString() };
  }
}

class CountChanged extends Error {
  constructor(readonly count: InvalidationCount) {
    super("count changed");
  }
}

/**
 * Invalidates the matching signatures in one transaction and audit-logs the
 * criteria and count. Goes ahead only if exactly `expected` signatures match,
 * the number the organizer confirmed: otherwise (new signatures arrived in the
 * range, say) nothing changes and the new count comes back to confirm again.
 * Invalidated signatures stop counting, cannot be confirmed and are never
 * delivered (deliveries select confirmed signatures only); the caller clears
 * the cached counts.
 */
export async function invalidateSignatures(
  db: Kysely<DB>,
  organizer: Organizer,
  petition: ScopedPetition,
  criteria: InvalidateCriteria,
  options: { expected: number; secret: string },
): Promise<{ ok: true; count: number } | { ok: false; count: InvalidationCount }> {
  try {
    return await db.transaction().execute(async (trx) => {
      const before = await countInvalidation(trx, petition.id, criteria);
      const updated = await trx
        .updateTable("signatures")
        .set({ status: "invalidated" })
        .where("petition_id", "=", petition.id)
        .where("status", "<>", "invalidated")
        .where(matches(criteria))
        .returning("id")
        .execute();
      if (updated.length !== options.expected) throw new CountChanged({ ...before, total: updated.length });
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: petition.organizationId,
        action: "signatures.invalidate",
        subject: `petition:${petition.id}`,
        details: { ...auditedCriteria(criteria, options.secret), count: updated.length, confirmed: before.confirmed, petition: petition.slug },
      });
      return { ok: true as const, count: updated.length };
    }).finally(() => forgetPublicPages(db)); // The page shows the count.
  } catch (error) {
    if (error instanceof CountChanged) return { ok: false, count: error.count };
    throw error;
  }
}
