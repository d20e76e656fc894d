import type { Kysely } from "kysely";

// Frozen in time: this file imports no app code, so later changes to the app cannot change what it did.

// A batch run claims its pending sends for a while (renewed as it goes), so two runs of
// one batch (a retry overlapping a slow first run, two workers) never send the same row,
// and the sends of a run that died come back when its claim runs out. No connection is
// held for the length of a batch, as an advisory lock would need.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("update_sends").addColumn("claimed_until", "timestamptz").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("update_sends").dropColumn("claimed_until").execute();
}
