import { data } from "@remix-run/node";
import { sql, type Kysely } from "kysely";
import type { Organizer } from "./organizers.server";
import { can, readableOrganizationIds } from "~/lib/auth.server";
import type { DB, Role } from "../../db/schema";

/**
 * Petitions of the organizations the organizer belongs to (all of them for an
 * admin), with confirmed, pending and flagged counts. Scoped here, so no
 * caller can forget the organization filter.
 */
export async function listOrganizerPetitions(db: Kysely<DB>, organizer: Organizer) {
  const organizationIds = readableOrganizationIds(organizer);
  if (organizationIds !== null && organizationIds.length === 0) return [];
  let query = db
    .selectFrom("petitions as p")
    .innerJoin("organizations as o", "o.id", "p.organization_id")
    .innerJoin("petition_translations as t", (join) => join.onRef("t.petition_id", "=", "p.id").on("t.locale", "=", "en"))
    .select((eb) => [
      "p.id",
      "p.slug",
      "p.status",
      "p.goal",
      "p.organization_id",
      "o.name as organization_name",
      "t.title",
      eb
        .selectFrom("signatures as s")
        .select(sql<number>`count(*) filter (where s.status = 'confirmed' and s.flagged_reason is null)::int`.as("n"))
        .whereRef("s.petition_id", "=", "p.id")
        .as("confirmed"),
      eb
        .selectFrom("signatures as s")
        .select(sql<number>`count(*) filter (where s.status = 'pending')::int`.as("n"))
        .whereRef("s.petition_id", "=", "p.id")
        .as("pending"),
    ])
    .orderBy("o.name")
    .orderBy("p.position")
    .orderBy("p.id");
  if (organizationIds !== null) query = query.where("p.organization_id", "in", organizationIds);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, confirmed: Number(row.confirmed ?? 0), pending: Number(row.pending ?? 0) }));
}

export interface ScopedPetition {
  id: number;
  slug: string;
  status: string;
  goal: number;
  organizationId: number;
  campaignId: number | null;
  title: string;
}

/**
 * A petition the organizer may act on with at least `role` (viewer < organizer
 * < owner; admins everywhere). Another organization's petition, or one the
 * role does not reach, is a 404 — the workspace never confirms it exists.
 */
export async function requirePetition(db: Kysely<DB>, organizer: Organizer, slug: string, role: Role): Promise<ScopedPetition> {
  const row = await db
    .selectFrom("petitions as p")
    .innerJoin("petition_translations as t", (join) => join.onRef("t.petition_id", "=", "p.id").on("t.locale", "=", "en"))
    .select(["p.id", "p.slug", "p.status", "p.goal", "p.organization_id", "p.campaign_id", "t.title"])
    .where("p.slug", "=", slug)
    .executeTakeFirst();
  if (!row || !can(organizer, row.organization_id, role)) throw data({ messageKey: "notFound.body" }, { status: 404 });
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    goal: row.goal,
    organizationId: row.organization_id,
    campaignId: row.campaign_id,
    title: row.title,
  };
}
