import type { Kysely } from "kysely";
import type { DB } from "../../db/schema";

export interface AuditEntry {
  organizerId: number | null;
  organizationId: number | null;
  action: string;
  subject?: string;
  /** Filters, row counts, ids: never the personal data the action touched. */
  details?: Record<string, unknown>;
}

/** Records an organizer action that touched people's data (exports, invalidations, deliveries). */
export async function audit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      organizer_id: entry.organizerId,
      organization_id: entry.organizationId,
      action: entry.action,
      subject: entry.subject ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
