import { sql, type Kysely } from "kysely";
import { hashToken, newToken } from "~/lib/tokens.server";
import { hashPassword, verifyPassword } from "~/lib/passwords.server";
import type { DB, Role } from "../../db/schema";

export const SET_PASSWORD_HOURS = 24;

export interface Membership {
  organizationId: number;
  slug: string;
  name: string;
  role: Role;
}

/** Who is signed in and what they may touch: the argument every organizer-scoped query takes. */
export interface Organizer {
  id: number;
  email: string;
  name: string;
  isAdmin: boolean;
  memberships: Membership[];
}

export function normalizeOrganizerEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A one-time link token (stored hashed) for setting a password; valid SET_PASSWORD_HOURS. */
export async function issuePasswordToken(db: Kysely<DB>, organizerId: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto("organizer_tokens")
    .values({
      organizer_id: organizerId,
      token_hash: hashToken(token),
      purpose: "set-password",
      expires_at: sql<Date>`now() + make_interval(hours => ${SET_PASSWORD_HOURS})`,
    })
    .execute();
  return token;
}

/**
 * Creates (or finds) the account for an email and gives it a role in an
 * organization, creating the organization if its slug is new. Returns a
 * one-time link token for setting the password. Never takes a password.
 */
export async function createOrganizerAccount(
  db: Kysely<DB>,
  input: { email: string; organizationSlug: string; organizationName?: string; role: Role | "admin" },
): Promise<{ organizerId: number; organizationId: number; token: string; created: boolean }> {
  const email = normalizeOrganizerEmail(input.email);
  return db.transaction().execute(async (trx) => {
    let organization = await trx.selectFrom("organizations").select("id").where("slug", "=", input.organizationSlug).executeTakeFirst();
    organization ??= await trx
      .insertInto("organizations")
      .values({ slug: input.organizationSlug, name: input.organizationName ?? input.organizationSlug })
      .returning("id")
      .executeTakeFirstOrThrow();
    const existing = await trx.selectFrom("organizers").select("id").where("email", "=", email).executeTakeFirst();
    const organizer =
      existing ??
      (await trx.insertInto("organizers").values({ email, is_admin: input.role === "admin" }).returning("id").executeTakeFirstOrThrow());
    if (existing && input.role === "admin") {
      await trx.updateTable("organizers").set({ is_admin: true }).where("id", "=", existing.id).execute();
    }
    // An admin is also an owner of the organization named, so they appear in its member list.
    const role: Role = input.role === "admin" ? "owner" : input.role;
    await trx
      .insertInto("memberships")
      .values({ organizer_id: organizer.id, organization_id: organization.id, role })
      .onConflict((oc) => oc.columns(["organizer_id", "organization_id"]).doUpdateSet({ role }))
      .execute();
    const token = await issuePasswordToken(trx, organizer.id);
    return { organizerId: organizer.id, organizationId: organization.id, token, created: !existing };
  });
}

export type SetPasswordOutcome = "ok" | "invalid";

/** Sets the password from a one-time link; the link works once and only until it expires. */
export async function setPasswordWithToken(db: Kysely<DB>, token: string, password: string): Promise<{ outcome: SetPasswordOutcome; organizerId?: number }> {
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable("organizer_tokens")
      .set({ used_at: sql`now()` })
      .where("token_hash", "=", hashToken(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .returning("organizer_id")
      .executeTakeFirst();
    if (!used) return { outcome: "invalid" as const };
    await trx.updateTable("organizers").set({ password_hash: passwordHash }).where("id", "=", used.organizer_id).execute();
    // A new password ends every session the old one opened.
    await trx.updateTable("organizer_sessions").set({ revoked_at: sql`now()` }).where("organizer_id", "=", used.organizer_id).execute();
    return { outcome: "ok" as const, organizerId: used.organizer_id };
  });
}

/** Whether a set-password link is still usable (for showing the form or an "expired" page). */
export async function isPasswordTokenUsable(db: Kysely<DB>, token: string): Promise<boolean> {
  const row = await db
    .selectFrom("organizer_tokens")
    .select("id")
    .where("token_hash", "=", hashToken(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .executeTakeFirst();
  return Boolean(row);
}

/** The organizer for an email and password, or null — the same null, taking the same time, for an unknown email. */
export async function verifyOrganizerLogin(db: Kysely<DB>, email: string, password: string): Promise<number | null> {
  const row = await db
    .selectFrom("organizers")
    .select(["id", "password_hash"])
    .where("email", "=", normalizeOrganizerEmail(email))
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  const ok = await verifyPassword(row?.password_hash ?? null, password);
  if (!ok || !row) return null;
  await db.updateTable("organizers").set({ last_login_at: sql`now()` }).where("id", "=", row.id).execute();
  return row.id;
}

export async function loadOrganizer(db: Kysely<DB>, organizerId: number): Promise<Organizer | null> {
  const organizer = await db
    .selectFrom("organizers")
    .select(["id", "email", "name", "is_admin"])
    .where("id", "=", organizerId)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  if (!organizer) return null;
  const memberships = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .select(["o.id", "o.slug", "o.name", "m.role"])
    .where("m.organizer_id", "=", organizerId)
    .orderBy("o.name")
    .execute();
  return {
    id: organizer.id,
    email: organizer.email,
    name: organizer.name,
    isAdmin: organizer.is_admin,
    memberships: memberships.map((m) => ({ organizationId: m.id, slug: m.slug, name: m.name, role: m.role })),
  };
}
