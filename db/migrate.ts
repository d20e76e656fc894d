import { Migrator, type MigrationResultSet } from "kysely/migration";
import type { Kysely } from "kysely";
import { migrations } from "./migrations/index";

/** Applies every pending migration; throws (naming the migration) if one fails. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    const error = result.error instanceof Error ? result.error : new Error(String(result.error));
    error.message = `migration ${failed?.migrationName ?? "?"} failed: ${error.message}`;
    throw error;
  }
  return result;
}
