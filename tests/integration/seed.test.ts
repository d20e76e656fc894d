import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import type { DB } from "../../db/schema";
import { isDatabaseEmpty, seed } from "../../db/seed";
import { HOST_ORGANIZATION_SLUG, PETITIONS, SEED_TARGETS } from "../../db/seed-data";

// Runs against a real Postgres in a throwaway database, so it cannot disturb anyone else's data.
const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const DB_NAME = `sanctuary_seedtest_${randomBytes(6).toString("hex")}`;

const SEEDED_TABLES = [
  "organizations",
  "campaigns",
  "campaign_translations",
  "resources",
  "resource_translations",
  "petitions",
  "petition_translations",
  "targets",
  "target_zip_codes",
] as const satisfies readonly (keyof DB)[];

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function rowCounts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of SEEDED_TABLES) {
    const row = await handle.db
      .selectFrom(table)
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirstOrThrow();
    counts[table] = row.n;
  }
  return counts;
}

describe("seed on Postgres", () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${DB_NAME}`);
    handle = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:5432/${DB_NAME}` });
    await migrateToLatest(handle.db);
  }, 60_000);

  afterAll(async () => {
    await handle?.close();
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  }, 60_000);

  it("is idempotent and writes both languages", async () => {
    expect(await isDatabaseEmpty(handle.db)).toBe(true);

    const first = await seed(handle.db);
    const afterFirst = await rowCounts(handle);
    expect(await isDatabaseEmpty(handle.db)).toBe(false);
    expect(first.inserted).toEqual(first.seeded);
    expect(afterFirst.targets).toBe(SEED_TARGETS.length);
    expect(afterFirst.target_zip_codes).toBe(first.seeded.zipCodes);
    expect(afterFirst.target_zip_codes).toBeGreaterThan(1_000);

    const second = await seed(handle.db);
    expect(await rowCounts(handle)).toEqual(afterFirst);
    expect(Object.values(second.inserted).every((n) => n === 0)).toBe(true);

    const organization = await handle.db
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", HOST_ORGANIZATION_SLUG)
      .executeTakeFirstOrThrow();
    const petitions = await handle.db
      .selectFrom("petitions")
      .select(["id", "slug", "status", "organization_id", "target_levels"])
      .where(
        "slug",
        "in",
        PETITIONS.map((p) => p.slug),
      )
      .orderBy("slug")
      .execute();
    expect(petitions.map((p) => p.slug)).toEqual([
      "mayors-dontgivein-expand-sanctuary",
      "tell-your-mayor-defy-trump-expand-sanctuary",
    ]);
    for (const petition of petitions) {
      expect(petition.status).toBe("open");
      expect(petition.organization_id).toBe(organization.id);
      expect(petition.target_levels).toEqual(["city", "county"]);
      const locales = await handle.db
        .selectFrom("petition_translations")
        .select("locale")
        .where("petition_id", "=", petition.id)
        .orderBy("locale")
        .execute();
      expect(locales.map((l) => l.locale)).toEqual(["en", "es"]);
    }

    const home = await handle.db.selectFrom("campaigns").select("slug").where("is_home", "=", true).execute();
    expect(home.map((c) => c.slug)).toEqual(["sanctuary-cities-and-counties"]);

    // A Mission District signer reaches San Francisco's mayor and sheriff.
    const offices = await handle.db
      .selectFrom("target_zip_codes")
      .innerJoin("targets", "targets.id", "target_zip_codes.target_id")
      .select(["targets.office", "targets.level"])
      .where("target_zip_codes.zip_code", "=", "94110")
      .orderBy("targets.level")
      .execute();
    expect(offices).toEqual([
      { office: "Mayor", level: "city" },
      { office: "Sheriff", level: "county" },
    ]);
  }, 60_000);
});
