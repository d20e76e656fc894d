import { createCookie, redirect, type AppLoadContext, type Cookie } from "@remix-run/node";
import { hashIp, keyedHash } from "~/lib/abuse.server";
import { isLocalPath } from "~/lib/http.server";
import { loadOrganizer, type Organizer } from "~/models/organizers.server";
import { createSession, resolveSession, revokeSession, SESSION_MAX_DAYS } from "~/models/sessions.server";
import type { Role } from "../../db/schema";

const cookies = new Map<string, Cookie>();

/** The session cookie: HttpOnly, SameSite=Lax, Secure in production, signed with SESSION_SECRET. */
function sessionCookie(context: AppLoadContext): Cookie {
  const { env } = context.services;
  const key = `${env.NODE_ENV}:${env.SESSION_SECRET}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie("sanctuary_session", {
      httpOnly: true,
      sameSite: "lax",
      secure: env.NODE_ENV === "production",
      path: "/",
      maxAge: SESSION_MAX_DAYS * 86_400,
      secrets: [env.SESSION_SECRET],
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

async function sessionToken(request: Request, context: AppLoadContext): Promise<string | null> {
  const value = await sessionCookie(context)
    .parse(request.headers.get("Cookie"))
    .catch(() => null);
  return typeof value === "string" && /^[\w-]{20,100}$/.test(value) ? value : null;
}

/** The signed-in organizer, or null. */
export async function getOrganizer(request: Request, context: AppLoadContext): Promise<Organizer | null> {
  const token = await sessionToken(request, context);
  if (!token) return null;
  const organizerId = await resolveSession(context.services.db, token);
  return organizerId === null ? null : loadOrganizer(context.services.db, organizerId);
}

/** Only a path inside the workspace (see isLocalPath): never an open redirect. */
export function safeNext(value: string | null | undefined): string {
  return isLocalPath(value) && /^\/admin(?:[/?#]|$)/.test(value) ? value : "/admin";
}

/** The signed-in organizer; anyone else is sent to the login page (and back here afterwards). */
export async function requireOrganizer(request: Request, context: AppLoadContext): Promise<Organizer> {
  const organizer = await getOrganizer(request, context);
  if (organizer) return organizer;
  const url = new URL(request.url);
  throw redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
}

/** A new session for a successful sign-in: always a new token, so a session id fixed before sign-in is worthless. */
export async function startSession(context: AppLoadContext, organizerId: number): Promise<string> {
  const token = await createSession(context.services.db, organizerId);
  return sessionCookie(context).serialize(token);
}

export async function endSession(request: Request, context: AppLoadContext): Promise<string> {
  const token = await sessionToken(request, context);
  if (token) await revokeSession(context.services.db, token);
  return sessionCookie(context).serialize("", { maxAge: 0 });
}

/** The keys failed sign-ins are counted under: this IP, and this account. */
export function loginLimitKeys(context: AppLoadContext, email: string): string[] {
  const secret = context.services.env.SESSION_SECRET;
  return [`ip:${hashIp(context.clientIp || "unknown", secret)}`, `account:${keyedHash("account", email.trim().toLowerCase(), secret)}`];
}

/** The organizer's role in an organization; admins act as owners everywhere. */
export function roleIn(organizer: Organizer, organizationId: number): Role | null {
  if (organizer.isAdmin) return "owner";
  return organizer.memberships.find((m) => m.organizationId === organizationId)?.role ?? null;
}

const RANK: Record<Role, number> = { viewer: 1, organizer: 2, owner: 3 };

/** Whether the organizer holds at least `role` in the organization. */
export function can(organizer: Organizer, organizationId: number, role: Role): boolean {
  const held = roleIn(organizer, organizationId);
  return held !== null && RANK[held] >= RANK[role];
}

/** Organization ids the organizer may read; null means all (a platform admin). */
export function readableOrganizationIds(organizer: Organizer): number[] | null {
  return organizer.isAdmin ? null : organizer.memberships.map((m) => m.organizationId);
}
