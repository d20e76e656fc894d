import { loadEnvOrExit } from "../app/env.server";
import { openDatabase } from "./client";
import { migrateToLatest } from "./migrate";

// `npm run db:migrate`: applies pending migrations and says which.

async function main(): Promise<number> {
  const env = loadEnvOrExit();

  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    const { results = [] } = await migrateToLatest(database.db);
    const applied = results.filter((r) => r.status === "Success").map((r) => r.migrationName);
    console.log(
      applied.length === 0
        ? `Database (${database.kind}) is up to date; no migrations to apply.`
        : `Applied ${applied.length} migration(s) (${database.kind}): ${applied.join(", ")}`,
    );
  } finally {
    await database.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
