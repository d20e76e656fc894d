import { sql, type Kysely } from "kysely";
import type { DB, OutboxStatus } from "../../db/schema";

const STATUSES: readonly OutboxStatus[] = ["pending", "queued", "done", "failed"];

/**
 * The outbox by kind and status, for the queues page when jobs run in-process
 * (no Redis, so no bull-board). Counts only: payloads and errors stay out.
 */
export async function outboxCounts(db: Kysely<DB>) {
  const rows = await db
    .selectFrom("outbox")
    .select(["kind", "status", sql<number>`count(*)::int`.as("n")])
    .groupBy(["kind", "status"])
    .orderBy("kind")
    .execute();
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const totals = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
  const byKind = kinds.map((kind) => {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
    for (const row of rows.filter((r) => r.kind === kind)) {
      counts[row.status] = Number(row.n);
      totals[row.status] += Number(row.n);
    }
    return { kind, counts };
  });
  const oldest = await db
    .selectFrom("outbox")
    .select(sql<number | null>`extract(epoch from now() - min(created_at))::int`.as("age"))
    .where("status", "in", ["pending", "queued"])
    .executeTakeFirst();
  return { statuses: STATUSES, byKind, totals, oldestWaitingSeconds: oldest?.age ?? null };
}
