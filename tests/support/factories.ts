import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB, PetitionStatus } from "../../db/schema";

export const SEEDED_PETITION = "tell-your-mayor-defy-trump-expand-sanctuary";

/** A signer's form fields; each call a new email address unless one is given. */
export function signerFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    firstName: "Ana",
    lastName: "López",
    email: `ana.${randomBytes(4).toString("hex")}@example.com`,
    postalCode: "94110",
    comment: "Protect our neighbors",
    ...overrides,
  };
}

export async function petitionId(db: Kysely<DB>, slug = SEEDED_PETITION): Promise<number> {
  const row = await db.selectFrom("petitions").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
  return row.id;
}

/** A petition of the seeded host organization, straight in the database, with an English title only. */
export async function insertPetition(db: Kysely<DB>, petition: { slug: string; status: PetitionStatus; title: string }): Promise<number> {
  const owner = await db.selectFrom("organizations").select("id").where("slug", "=", "sanctuary").executeTakeFirstOrThrow();
  const row = await db
    .insertInto("petitions")
    .values({ organization_id: owner.id, slug: petition.slug, status: petition.status })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("petition_translations").values({ petition_id: row.id, locale: "en", title: petition.title }).execute();
  return row.id;
}

export async function signaturesOf(db: Kysely<DB>, slug = SEEDED_PETITION) {
  return db
    .selectFrom("signatures")
    .selectAll()
    .where("petition_id", "=", await petitionId(db, slug))
    .orderBy("id")
    .execute();
}

/** Pretends the last email to these signatures went out long ago, so the reminder cooldown has passed. */
export async function pastCooldown(db: Kysely<DB>) {
  await db.updateTable("signatures").set({ last_emailed_at: new Date(Date.now() - 3_600_000) }).execute();
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
