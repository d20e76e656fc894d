import { data } from "@remix-run/node";
import { sql, type Kysely, type Transaction } from "kysely";
import { roleIn } from "~/lib/auth.server";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";
import { audit } from "./audit.server";
import { normalizeOrganizerEmail, type Organizer } from "./organizers.server";
import type { DB, Role } from "../../db/schema";

/**
 * Members of an organization as its owners manage them (platform admins
 * manage every organization). Every change is audit-logged with ids and roles,
 * never an email address. An organization always keeps at least one owner.
 */

export interface ManagedOrganization {
  id: number;
  slug: string;
  name: string;
}

/** Organizations whose members the organizer manages: those they own; every one for an admin. */
export async function manageableOrganizations(db: Kysely<DB>, organizer: Organizer): Promise<ManagedOrganization[]> {
  if (organizer.isAdmin) return db.selectFrom("organizations").select(["id", "slug", "name"]).orderBy("name").execute();
  return organizer.memberships.filter((m) => m.role === "owner").map((m) => ({ id: m.organizationId, slug: m.slug, name: m.name }));
}

/**
 * The organization whose members are shown: the one named by `slug`, or the
 * first the organizer owns. Another organization is a 404 (the workspace never
 * confirms it exists); one where the organizer is a viewer or organizer is a 403.
 */
export async function requireManagedOrganization(db: Kysely<DB>, organizer: Organizer, slug: string | undefined): Promise<ManagedOrganization> {
  const managed = await manageableOrganizations(db, organizer);
  if (slug === undefined) {
    if (managed[0]) return managed[0];
    throw data({ message: "Managing members takes the owner role in an organization. Ask one of its owners." }, { status: 403 });
  }
  const found = managed.find((o) => o.slug === slug);
  if (found) return found;
  if (organizer.memberships.some((m) => m.slug === slug)) {
    throw data({ message: "Only owners of this organization can manage its members. Ask one of its owners." }, { status: 403 });
  }
  throw data({ message: "There is no such organization among yours." }, { status: 404 });
}

/** The members of an organization with their roles; `invited` until they set a password. */
export async function listMembers(db: Kysely<DB>, organizationId: number) {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("organizers as o", "o.id", "m.organizer_id")
    .select(["o.id", "o.email", "o.name", "o.is_admin", "m.role", "m.created_at", "o.last_login_at", "o.disabled_at", sql<boolean>`o.password_hash is null`.as("invited")])
    .where("m.organization_id", "=", organizationId)
    .orderBy(sql`case m.role when 'owner' then 0 when 'organizer' then 1 else 2 end`)
    .orderBy("o.email")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.is_admin,
    role: row.role,
    invited: row.invited,
    disabled: row.disabled_at !== null,
    since: row.created_at,
    lastLoginAt: row.last_login_at,
  }));
}

export type MemberChange = { ok: true; message: string } | { ok: false; field: string; message: string };

/** Serializes member changes of one organization, so two owners demoting each other cannot leave it with none. */
async function lockOrganization(trx: Transaction<DB>, organizationId: number): Promise<void> {
  await trx.selectFrom("organizations").select("id").where("id", "=", organizationId).forUpdate().executeTakeFirstOrThrow();
}

async function membership(trx: Transaction<DB>, organizationId: number, organizerId: number): Promise<Role | null> {
  const row = await trx
    .selectFrom("memberships")
    .select("role")
    .where("organization_id", "=", organizationId)
    .where("organizer_id", "=", organizerId)
    .executeTakeFirst();
  return row?.role ?? null;
}

async function ownerCount(trx: Transaction<DB>, organizationId: number): Promise<number> {
  const row = await trx
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("organization_id", "=", organizationId)
    .where("role", "=", "owner")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const LAST_OWNER = "This is the organization's only owner: make another member an owner first";
const NOT_A_MEMBER: MemberChange = { ok: false, field: "organizerId", message: "That person is not a member of this organization any more: reload the page" };

/**
 * Invites someone by email with a role: creates their account if it is new
 * (without a password) and queues the invitation email, whose one-time
 * set-password link is made when it is sent. Someone already a member is
 * refused, so an invitation can never change an existing role (or demote the
 * last owner) behind the role form's back.
 */
export async function inviteMember(db: Kysely<DB>, actor: Organizer, organizationId: number, input: { email: string; role: Role }): Promise<MemberChange> {
  const email = normalizeOrganizerEmail(input.email);
  return db.transaction().execute(async (trx): Promise<MemberChange> => {
    await lockOrganization(trx, organizationId);
    const existing = await trx.selectFrom("organizers").select(["id", "disabled_at"]).where("email", "=", email).executeTakeFirst();
    if (existing?.disabled_at) return { ok: false, field: "email", message: "This account is disabled: ask a platform administrator" };
    if (existing && (await membership(trx, organizationId, existing.id))) {
      return { ok: false, field: "email", message: "This person is already a member: change their role in the list below" };
    }
    const organizer = existing ?? (await trx.insertInto("organizers").values({ email }).returning(["id", "disabled_at"]).executeTakeFirstOrThrow());
    await trx.insertInto("memberships").values({ organizer_id: organizer.id, organization_id: organizationId, role: input.role }).execute();
    await enqueueOutbox(trx, JOB_KINDS.organizerInvite, { organizerId: organizer.id, organizationId });
    await audit(trx, {
      organizerId: actor.id,
      organizationId,
      action: "member.invite",
      subject: `organizer:${organizer.id}`,
      details: { role: input.role, newAccount: !existing },
    });
    return { ok: true, message: `Invitation sent. They join as ${input.role}.` };
  });
}

/** Sends the invitation again (a fresh link) to a member who has not set a password yet. */
export async function resendInvite(db: Kysely<DB>, actor: Organizer, organizationId: number, organizerId: number): Promise<MemberChange> {
  return db.transaction().execute(async (trx): Promise<MemberChange> => {
    const row = await trx
      .selectFrom("memberships as m")
      .innerJoin("organizers as o", "o.id", "m.organizer_id")
      .select(["o.password_hash", "o.disabled_at"])
      .where("m.organization_id", "=", organizationId)
      .where("m.organizer_id", "=", organizerId)
      .executeTakeFirst();
    if (!row) return NOT_A_MEMBER;
    if (row.password_hash !== null) return { ok: false, field: "organizerId", message: "This member has already set a password: they can sign in" };
    if (row.disabled_at) return { ok: false, field: "organizerId", message: "This account is disabled: ask a platform administrator" };
    await enqueueOutbox(trx, JOB_KINDS.organizerInvite, { organizerId, organizationId });
    await audit(trx, { organizerId: actor.id, organizationId, action: "member.invite-resend", subject: `organizer:${organizerId}` });
    return { ok: true, message: "Invitation sent again with a new link." };
  });
}

/** Gives a member another role; the last owner cannot be demoted. */
export async function changeMemberRole(db: Kysely<DB>, actor: Organizer, organizationId: number, organizerId: number, role: Role): Promise<MemberChange> {
  return db.transaction().execute(async (trx): Promise<MemberChange> => {
    await lockOrganization(trx, organizationId);
    const current = await membership(trx, organizationId, organizerId);
    if (!current) return NOT_A_MEMBER;
    if (current === role) return { ok: true, message: `Already ${role}: nothing changed.` };
    if (current === "owner" && (await ownerCount(trx, organizationId)) <= 1) return { ok: false, field: "role", message: LAST_OWNER };
    await trx.updateTable("memberships").set({ role }).where("organization_id", "=", organizationId).where("organizer_id", "=", organizerId).execute();
    await audit(trx, { organizerId: actor.id, organizationId, action: "member.role", subject: `organizer:${organizerId}`, details: { from: current, to: role } });
    return { ok: true, message: `Role changed to ${role}.` };
  });
}

/** Removes a member from the organization (their account stays, for their other organizations); never the last owner. */
export async function removeMember(db: Kysely<DB>, actor: Organizer, organizationId: number, organizerId: number): Promise<MemberChange> {
  return db.transaction().execute(async (trx): Promise<MemberChange> => {
    await lockOrganization(trx, organizationId);
    const current = await membership(trx, organizationId, organizerId);
    if (!current) return NOT_A_MEMBER;
    if (current === "owner" && (await ownerCount(trx, organizationId)) <= 1) return { ok: false, field: "organizerId", message: LAST_OWNER };
    await trx.deleteFrom("memberships").where("organization_id", "=", organizationId).where("organizer_id", "=", organizerId).execute();
    await audit(trx, { organizerId: actor.id, organizationId, action: "member.remove", subject: `organizer:${organizerId}`, details: { role: current } });
    return { ok: true, message: "Member removed." };
  });
}

/** Whether the organizer would still manage this organization's members after changing their own membership. */
export function stillManages(actor: Organizer, organizationId: number, change: { organizerId: number; role: Role | null }): boolean {
  if (actor.isAdmin || change.organizerId !== actor.id) return true;
  return change.role === "owner" && roleIn(actor, organizationId) === "owner";
}
