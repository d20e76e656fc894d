import type { InsertResult, Kysely, Transaction } from "kysely";
import { zipsIn } from "../app/lib/zip.server";
import { LOCALES, type DB } from "./schema";
import { CAMPAIGNS, HOST_ORGANIZATION, PETITIONS, SEED_TARGETS, type SeedTarget, type ZipArea } from "./seed-data";

/** Rows per ZIP insert: 2 parameters a row keeps each statement far below Postgres's 65,535-parameter limit. */
const ZIP_CHUNK_SIZE = 1_000;

export interface SeedCounts {
  organizations: number;
  campaigns: number;
  resources: number;
  petitions: number;
  translations: number;
  targets: number;
  zipCodes: number;
}

export interface SeedSummary {
  /** Rows the seed describes (present after it ran, whether new or not). */
  seeded: SeedCounts;
  /** Rows this run added; all zero when the seed had already run. */
  inserted: SeedCounts;
}

/** Every ZIP code of an area, sorted and without duplicates (a ZIP may match both a place and a county). */
export function zipCodesFor(area: ZipArea): string[] {
  const zips = new Set<string>();
  for (const place of area.places ?? []) {
    for (const info of zipsIn("city", place, area.state)) zips.add(info.zipCode);
  }
  for (const county of area.counties ?? []) {
    for (const info of zipsIn("county", county, area.state)) zips.add(info.zipCode);
  }
  return [...zips].sort();
}

/** True before anything has been created: the app seeds an empty database on first start. */
export async function isDatabaseEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom("organizations").select("id").limit(1).executeTakeFirst();
  return row === undefined;
}

/**
 * Writes the site's first content. Idempotent: rows are matched by their
 * natural keys and existing ones are left alone, so running it again adds
 * nothing and never overwrites what an organizer has since edited.
 */
export async function seed(db: Kysely<DB>): Promise<SeedSummary> {
  return db.transaction().execute(async (trx) => {
    const inserted = zeroCounts();

    inserted.organizations += countInserted(
      await trx
        .insertInto("organizations")
        .values({ slug: HOST_ORGANIZATION.slug, name: HOST_ORGANIZATION.name })
        .onConflict((oc) => oc.column("slug").doNothing())
        .execute(),
    );
    const organization = await trx
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", HOST_ORGANIZATION.slug)
      .executeTakeFirstOrThrow();

    const campaignIds = new Map<string, number>();
    for (const campaign of CAMPAIGNS) {
      inserted.campaigns += countInserted(
        await trx
          .insertInto("campaigns")
          .values({
            organization_id: organization.id,
            slug: campaign.slug,
            is_home: campaign.isHome,
            position: campaign.position,
          })
          .onConflict((oc) => oc.column("slug").doNothing())
          .execute(),
      );
      const { id } = await trx
        .selectFrom("campaigns")
        .select("id")
        .where("slug", "=", campaign.slug)
        .executeTakeFirstOrThrow();
      campaignIds.set(campaign.slug, id);

      inserted.translations += countInserted(
        await trx
          .insertInto("campaign_translations")
          .values(LOCALES.map((locale) => ({ campaign_id: id, locale, ...campaign.text[locale] })))
          .onConflict((oc) => oc.columns(["campaign_id", "locale"]).doNothing())
          .execute(),
      );

      inserted.resources += countInserted(
        await trx
          .insertInto("resources")
          .values(
            campaign.resources.map((resource, position) => ({
              campaign_id: id,
              key: resource.key,
              kind: resource.kind,
              url: resource.url,
              position,
            })),
          )
          .onConflict((oc) => oc.columns(["campaign_id", "key"]).doNothing())
          .execute(),
      );
      const resourceRows = await trx
        .selectFrom("resources")
        .select(["id", "key"])
        .where("campaign_id", "=", id)
        .where(
          "key",
          "in",
          campaign.resources.map((r) => r.key),
        )
        .execute();
      const resourceIds = new Map(resourceRows.map((r) => [r.key, r.id]));
      inserted.translations += countInserted(
        await trx
          .insertInto("resource_translations")
          .values(
            campaign.resources.flatMap((resource) =>
              LOCALES.map((locale) => ({
                resource_id: resourceIds.get(resource.key)!,
                locale,
                ...resource.text[locale],
              })),
            ),
          )
          .onConflict((oc) => oc.columns(["resource_id", "locale"]).doNothing())
          .execute(),
      );
    }

    for (const petition of PETITIONS) {
      inserted.petitions += countInserted(
        await trx
          .insertInto("petitions")
          .values({
            organization_id: organization.id,
            campaign_id: campaignIds.get(petition.campaignSlug)!,
            slug: petition.slug,
            status: petition.status,
            goal: petition.goal,
            target_rule: petition.targetRule,
            target_levels: petition.targetLevels,
            position: petition.position,
            opened_at: petition.status === "open" ? new Date() : null,
          })
          .onConflict((oc) => oc.column("slug").doNothing())
          .execute(),
      );
      const { id } = await trx
        .selectFrom("petitions")
        .select("id")
        .where("slug", "=", petition.slug)
        .executeTakeFirstOrThrow();
      inserted.translations += countInserted(
        await trx
          .insertInto("petition_translations")
          .values(LOCALES.map((locale) => ({ petition_id: id, locale, ...petition.text[locale] })))
          .onConflict((oc) => oc.columns(["petition_id", "locale"]).doNothing())
          .execute(),
      );
    }

    const targets = await upsertTargets(trx);
    inserted.targets += targets.inserted;

    let zipCodes = 0;
    for (const target of SEED_TARGETS) {
      const targetId = targets.ids.get(targetKey(target))!;
      const rows = zipCodesFor(target.area).map((zip_code) => ({ target_id: targetId, zip_code }));
      zipCodes += rows.length;
      for (let start = 0; start < rows.length; start += ZIP_CHUNK_SIZE) {
        inserted.zipCodes += countInserted(
          await trx
            .insertInto("target_zip_codes")
            .values(rows.slice(start, start + ZIP_CHUNK_SIZE))
            .onConflict((oc) => oc.columns(["target_id", "zip_code"]).doNothing())
            .execute(),
        );
      }
    }

    const seeded: SeedCounts = {
      organizations: 1,
      campaigns: CAMPAIGNS.length,
      resources: CAMPAIGNS.reduce((sum, c) => sum + c.resources.length, 0),
      petitions: PETITIONS.length,
      translations:
        LOCALES.length *
        (CAMPAIGNS.length + PETITIONS.length + CAMPAIGNS.reduce((sum, c) => sum + c.resources.length, 0)),
      targets: SEED_TARGETS.length,
      zipCodes,
    };
    return { seeded, inserted };
  });
}

/** The targets table's unique key, (level, jurisdiction, state, office), as one string. */
function targetKey(t: Pick<SeedTarget, "level" | "jurisdiction" | "state" | "office">): string {
  return [t.level, t.jurisdiction, t.state, t.office].join("\u0000");
}

// Mayors and sheriffs are public offices, not any one organization's contacts: the sample officials are
// platform-wide (organization_id null), so every organization's local-officials petitions reach them and
// only platform admins can change their addresses.
async function upsertTargets(trx: Transaction<DB>) {
  const result = await trx
    .insertInto("targets")
    .values(
      SEED_TARGETS.map((t) => ({
        organization_id: null,
        name: t.name,
        office: t.office,
        level: t.level,
        jurisdiction: t.jurisdiction,
        state: t.state,
        email: t.email,
      })),
    )
    .onConflict((oc) => oc.columns(["level", "jurisdiction", "state", "office"]).doNothing())
    .execute();
  // Existing rows are not returned by an ON CONFLICT DO NOTHING insert, so look every id up.
  const rows = await trx
    .selectFrom("targets")
    .select(["id", "level", "jurisdiction", "state", "office"])
    .where((eb) =>
      eb.or(
        SEED_TARGETS.map((t) =>
          eb.and([
            eb("level", "=", t.level),
            eb("jurisdiction", "=", t.jurisdiction),
            eb("state", "=", t.state),
            eb("office", "=", t.office),
          ]),
        ),
      ),
    )
    .execute();
  return { inserted: countInserted(result), ids: new Map(rows.map((row) => [targetKey(row), row.id])) };
}

function countInserted(results: InsertResult[]): number {
  return results.reduce((sum, r) => sum + Number(r.numInsertedOrUpdatedRows ?? 0n), 0);
}

function zeroCounts(): SeedCounts {
  return { organizations: 0, campaigns: 0, resources: 0, petitions: 0, translations: 0, targets: 0, zipCodes: 0 };
}
