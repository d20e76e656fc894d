import { sql, type Kysely, type Transaction } from "kysely";
import { can } from "~/lib/auth.server";
import type { RowError, TargetEdit, TargetFilter, TargetRow } from "~/validation/targets.server";
import { audit } from "./audit.server";
import type { Organizer } from "./organizers.server";
import type { DB, TargetLevel } from "../../db/schema";

/**
 * Officials (targets) as the workspace manages them. A target belongs to an
 * organization, or to nobody (organization_id null: platform-wide, such as
 * sample officials), which only a platform admin may change. Organizers read
 * their organizations' officials and the platform-wide ones; they change those
 * of organizations where they are at least "organizer".
 */

export const TARGETS_PAGE_SIZE = 50;

/** Whether the organizer may change an official owned by this organization (null: platform-wide). */
export function canEditTarget(organizer: Organizer, organizationId: number | null): boolean {
  return organizationId === null ? organizer.isAdmin : can(organizer, organizationId, "organizer");
}

/**
 * Whether the organizer may see the email address of an official owned by this
 * organization: organizers and owners of it (a viewer there never does, whatever
 * their role elsewhere). A platform-wide official's (null): anyone who may write somewhere.
 */
export function seesTargetEmails(organizer: Organizer, organizationId: number | null): boolean {
  if (organizationId === null) return organizer.isAdmin || organizer.memberships.some((m) => m.role !== "viewer");
  return can(organizer, organizationId, "organizer");
}

export interface TargetOwnerOption {
  /** An organization id, or "platform". */
  value: string;
  label: string;
}

/** Whom the organizer may import officials for: organizations where they are organizer or owner; admins also "platform-wide". */
export async function targetOwnerOptions(db: Kysely<DB>, organizer: Organizer): Promise<TargetOwnerOption[]> {
  if (organizer.isAdmin) {
    const organizations = await db.selectFrom("organizations").select(["id", "name"]).orderBy("name").execute();
    // Organizations first, so the default is never platform-wide by accident.
    return [...organizations.map((o) => ({ value: String(o.id), label: o.name })), { value: "platform", label: "Platform-wide (every organization)" }];
  }
  return organizer.memberships.filter((m) => m.role !== "viewer").map((m) => ({ value: String(m.organizationId), label: m.name }));
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of the officials the organizer may read, filtered by level, state, status and a name search. */
export async function listTargets(db: Kysely<DB>, organizer: Organizer, filter: TargetFilter) {
  let query = db.selectFrom("targets as t").leftJoin("organizations as o", "o.id", "t.organization_id");
  if (!organizer.isAdmin) {
    const ids = organizer.memberships.map((m) => m.organizationId);
    query = query.where((eb) => (ids.length > 0 ? eb.or([eb("t.organization_id", "is", null), eb("t.organization_id", "in", ids)]) : eb("t.organization_id", "is", null)));
  }
  if (filter.level) query = query.where("t.level", "=", filter.level);
  if (filter.state) query = query.where("t.state", "=", filter.state);
  if (filter.status !== "all") query = query.where("t.active", "=", filter.status === "active");
  if (filter.q) {
    const pattern = likePattern(filter.q);
    query = query.where((eb) => eb.or([eb("t.name", "ilike", pattern), eb("t.jurisdiction", "ilike", pattern), eb("t.office", "ilike", pattern)]));
  }
  const total = await query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  const rows = await query
    .select((eb) => [
      "t.id",
      "t.name",
      "t.office",
      "t.level",
      "t.jurisdiction",
      "t.state",
      "t.email",
      "t.active",
      "t.organization_id",
      "o.name as organization_name",
      eb.selectFrom("target_zip_codes as z").select(sql<number>`count(*)::int`.as("n")).whereRef("z.target_id", "=", "t.id").as("zip_count"),
    ])
    .orderBy("t.state")
    .orderBy("t.jurisdiction")
    .orderBy("t.level")
    .orderBy("t.office")
    .orderBy("t.id")
    .limit(TARGETS_PAGE_SIZE)
    .offset((filter.page - 1) * TARGETS_PAGE_SIZE)
    .execute();
  return {
    total: Number(total.n),
    targets: rows.map((row) => ({
      id: row.id,
      name: row.name,
      office: row.office,
      level: row.level,
      jurisdiction: row.jurisdiction,
      state: row.state,
      email: seesTargetEmails(organizer, row.organization_id) ? row.email : null,
      active: row.active,
      owner: row.organization_name ?? "Platform-wide",
      zipCount: Number(row.zip_count ?? 0),
      canEdit: canEditTarget(organizer, row.organization_id),
    })),
  };
}

/** One official the organizer may read, with its ZIP codes; null outside their reach (the route answers 404). */
export async function getTarget(db: Kysely<DB>, organizer: Organizer, id: number) {
  const row = await db
    .selectFrom("targets as t")
    .leftJoin("organizations as o", "o.id", "t.organization_id")
    .select(["t.id", "t.name", "t.office", "t.level", "t.jurisdiction", "t.state", "t.email", "t.active", "t.organization_id", "o.name as organization_name"])
    .where("t.id", "=", id)
    .executeTakeFirst();
  if (!row) return null;
  const mayRead = organizer.isAdmin || row.organization_id === null || organizer.memberships.some((m) => m.organizationId === row.organization_id);
  if (!mayRead) return null;
  const zips = await db.selectFrom("target_zip_codes").select("zip_code").where("target_id", "=", id).orderBy("zip_code").execute();
  return {
    id: row.id,
    name: row.name,
    office: row.office,
    level: row.level,
    jurisdiction: row.jurisdiction,
    state: row.state,
    email: seesTargetEmails(organizer, row.organization_id) ? row.email : null,
    active: row.active,
    organizationId: row.organization_id,
    owner: row.organization_name ?? "Platform-wide",
    zipCodes: zips.map((z) => z.zip_code),
    canEdit: canEditTarget(organizer, row.organization_id),
  };
}

type Db = Kysely<DB> | Transaction<DB>;

/** Existing officials with the same unique key as some of these rows, and who owns them. */
async function existingByKey(db: Db, rows: Pick<TargetRow, "level" | "jurisdiction" | "state" | "office">[]) {
  if (rows.length === 0) return new Map<string, { id: number; organizationId: number | null }>();
  const found = await db
    .selectFrom("targets as t")
    .select(["t.id", "t.level", "t.jurisdiction", "t.state", "t.office", "t.organization_id"])
    .where((eb) =>
      eb(
        eb.refTuple("t.level", "t.jurisdiction", "t.state", "t.office"),
        "in",
        rows.map((r) => eb.tuple(r.level as TargetLevel, r.jurisdiction, r.state, r.office)),
      ),
    )
    .execute();
  return new Map(found.map((t) => [exactKey(t), { id: t.id, organizationId: t.organization_id }]));
}

function exactKey(row: { level: string; jurisdiction: string; state: string; office: string }): string {
  return [row.level, row.jurisdiction, row.state, row.office].join("\u0000");
}

function ownerConflict(row: TargetRow): RowError {
  return {
    row: row.row,
    field: "office",
    message: "This office is already on file for another organization (or platform-wide): remove the row, or ask an administrator to change that official",
  };
}

export interface ImportPreview {
  create: number;
  update: number;
  zipCodes: number;
  errors: RowError[];
}

/**
 * What an import would do, without writing: how many officials are new and
 * how many replace one the same owner already has (matched on level,
 * jurisdiction, state and office), and an error for each row whose office
 * belongs to someone else.
 */
export async function previewTargetImport(db: Kysely<DB>, ownerId: number | null, rows: TargetRow[]): Promise<ImportPreview> {
  const existing = await existingByKey(db, rows);
  const errors: RowError[] = [];
  let create = 0;
  let update = 0;
  for (const row of rows) {
    const found = existing.get(exactKey(row));
    if (!found) create += 1;
    else if (found.organizationId === ownerId) update += 1;
    else errors.push(ownerConflict(row));
  }
  return { create, update, zipCodes: rows.reduce((sum, r) => sum + r.zip_codes.length, 0), errors };
}

class ImportConflict extends Error {}

/**
 * Writes an import in one transaction: officials upserted on the table's
 * unique key (level, jurisdiction, state, office), each one's ZIP codes
 * replaced, retired ones brought back. An office held by another owner
 * changes nothing at all: the result carries the errors instead. Audit-logged.
 */
export async function importTargets(
  db: Kysely<DB>,
  organizer: Organizer,
  ownerId: number | null,
  rows: TargetRow[],
): Promise<{ ok: true; created: number; updated: number; zipCodes: number } | { ok: false; errors: RowError[] }> {
  try {
    return await db.transaction().execute(async (trx) => {
      let created = 0;
      let updated = 0;
      const ids = new Map<string, number>();
      for (let start = 0; start < rows.length; start += 1_000) {
        const chunk = rows.slice(start, start + 1_000);
        const written = await trx
          .insertInto("targets")
          .values(
            chunk.map((r) => ({
              organization_id: ownerId,
              name: r.name,
              office: r.office,
              level: r.level,
              jurisdiction: r.jurisdiction,
              state: r.state,
              email: r.email,
            })),
          )
          .onConflict((oc) =>
            oc
              .columns(["level", "jurisdiction", "state", "office"])
              .doUpdateSet((eb) => ({ name: eb.ref("excluded.name"), email: eb.ref("excluded.email"), active: true }))
              // Only the owner's own official is replaced; another's is left alone and reported.
              .where(sql<boolean>`targets.organization_id is not distinct from excluded.organization_id`),
          )
          .returning(["id", "level", "jurisdiction", "state", "office", sql<boolean>`(xmax = 0)`.as("inserted")])
          .execute();
        if (written.length !== chunk.length) throw new ImportConflict();
        for (const w of written) {
          ids.set(exactKey(w), w.id);
          if (w.inserted) created += 1;
          else updated += 1;
        }
      }
      await trx.deleteFrom("target_zip_codes").where("target_id", "in", [...ids.values()]).execute();
      const zips = rows.flatMap((r) => r.zip_codes.map((zip_code) => ({ target_id: ids.get(exactKey(r))!, zip_code })));
      for (let start = 0; start < zips.length; start += 10_000) {
        await trx.insertInto("target_zip_codes").values(zips.slice(start, start + 10_000)).execute();
      }
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: ownerId,
        action: "targets.import",
        details: { created, updated, zipCodes: zips.length, platformWide: ownerId === null },
      });
      return { ok: true as const, created, updated, zipCodes: zips.length };
    });
  } catch (error) {
    if (!(error instanceof ImportConflict)) throw error;
    const preview = await previewTargetImport(db, ownerId, rows);
    return { ok: false, errors: preview.errors.length > 0 ? preview.errors : [{ row: 1, field: "file", message: "Another import changed these officials meanwhile: preview the file again" }] };
  }
}

const UNIQUE_VIOLATION = "23505";

/**
 * Saves an official's name, office, email and ZIP codes (replacing the list).
 * Returns field errors when another official already holds the new office in
 * the same jurisdiction. The caller has checked canEditTarget.
 */
export async function updateTarget(
  db: Kysely<DB>,
  organizer: Organizer,
  target: { id: number; organizationId: number | null },
  edit: TargetEdit,
): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  try {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable("targets").set({ name: edit.name, office: edit.office, email: edit.email }).where("id", "=", target.id).execute();
      await trx.deleteFrom("target_zip_codes").where("target_id", "=", target.id).execute();
      if (edit.zipCodes.length > 0) {
        await trx
          .insertInto("target_zip_codes")
          .values(edit.zipCodes.map((zip_code) => ({ target_id: target.id, zip_code })))
          .execute();
      }
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: target.organizationId,
        action: "target.update",
        subject: `target:${target.id}`,
        details: { zipCodes: edit.zipCodes.length },
      });
    });
    return { ok: true };
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    return { ok: false, errors: { office: "Another official already holds this office in this jurisdiction: use a different office name" } };
  }
}

/** Retires an official (no further deliveries: the delivery query skips inactive targets) or brings one back. */
export async function setTargetActive(
  db: Kysely<DB>,
  organizer: Organizer,
  target: { id: number; organizationId: number | null },
  active: boolean,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("targets").set({ active }).where("id", "=", target.id).execute();
    await audit(trx, {
      organizerId: organizer.id,
      organizationId: target.organizationId,
      action: active ? "target.reinstate" : "target.retire",
      subject: `target:${target.id}`,
    });
  });
}

