import { loadEnvOrExit } from "../app/env.server";
import { openDatabase } from "./client";
import { migrateToLatest } from "./migrate";
import { seed } from "./seed";

// `npm run db:seed`: brings the schema up to date, then writes the first content (safe to run again).

async function main(): Promise<number> {
  const env = loadEnvOrExit();

  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    await migrateToLatest(database.db);
    const { seeded, inserted } = await seed(database.db);
    console.log(
      `Seeded (${database.kind}): ${seeded.campaigns} campaigns, ${seeded.petitions} petitions, ` +
        `${seeded.targets} targets, ${seeded.zipCodes} ZIP codes; ` +
        `new this run: ${inserted.campaigns} campaigns, ${inserted.petitions} petitions, ` +
        `${inserted.targets} targets, ${inserted.zipCodes} ZIP codes.`,
    );
  } finally {
    await database.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
