import { sql, type Kysely } from "kysely";

// Signatures over the per-IP rate limit are kept but flagged, and flagged ones do not count.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("signatures")
    .addColumn("ip_hash", "text")
    .addColumn("flagged_reason", "text")
    .execute();
  await db.schema
    .createIndex("signatures_petition_ip_created")
    .on("signatures")
    .columns(["petition_id", "ip_hash", "created_at"])
    .where(sql.ref("ip_hash"), "is not", null)
    .execute();
  // What the public count reads: an index-only count of counted signatures per petition.
  await db.schema
    .createIndex("signatures_counted")
    .on("signatures")
    .column("petition_id")
    .where(sql<boolean>`status = 'confirmed' and flagged_reason is null`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("signatures_counted").execute();
  await db.schema.dropIndex("signatures_petition_ip_created").execute();
  await db.schema.alterTable("signatures").dropColumn("flagged_reason").dropColumn("ip_hash").execute();
}
