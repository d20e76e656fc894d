import type { Kysely } from "kysely";

// The workspace's per-hour and per-day charts and the export's date filter read signatures by petition and time.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("signatures_petition_created").on("signatures").columns(["petition_id", "created_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("signatures_petition_created").execute();
}
