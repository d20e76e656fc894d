import { sql, type Kysely } from "kysely";
import { hashToken, newToken } from "~/lib/tokens.server";
import type { DB } from "../../db/schema";

/** Signed out after this long without a request. */
export const SESSION_IDLE_MINUTES = 120;
/** And after this long in any case. */
export const SESSION_MAX_DAYS = 7;

/** Starts a server-side session and returns the token for the cookie (stored only as a hash, so it can be revoked). */
export async function createSession(db: Kysely<DB>, organizerId: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto("organizer_sessions")
    .values({
      id: hashToken(token),
      organizer_id: organizerId,
      expires_at: sql<Date>`now() + make_interval(days => ${SESSION_MAX_DAYS})`,
    })
    .execute();
  return token;
}

/** The organizer id of a live session, refreshing its idle clock; null when unknown, revoked, idle or expired. */
export async function resolveSession(db: Kysely<DB>, token: string): Promise<number | null> {
  const row = await db
    .updateTable("organizer_sessions")
    .set({ last_seen_at: sql`now()` })
    .where("id", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .where("last_seen_at", ">", sql<Date>`now() - make_interval(mins => ${SESSION_IDLE_MINUTES})`)
    .returning("organizer_id")
    .executeTakeFirst();
  return row?.organizer_id ?? null;
}

export async function revokeSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.updateTable("organizer_sessions").set({ revoked_at: sql`now()` }).where("id", "=", hashToken(token)).execute();
}
