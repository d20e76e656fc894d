import { sql, type Kysely } from "kysely";
import type { Organizer } from "./organizers.server";
import { readableOrganizationIds } from "~/lib/auth.server";
import type { DB } from "../../db/schema";

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
