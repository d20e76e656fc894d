import { data } from "@remix-run/node";
import { sql, type Kysely } from "kysely";
import { can, readableOrganizationIds } from "~/lib/auth.server";
import type { CampaignInput, CampaignStatus } from "~/validation/campaign.server";
import { audit } from "./audit.server";
import type { Organizer } from "./organizers.server";
import { forbidden, type SaveResult } from "./petition-editor.server";
import type { DB, Locale } from "../../db/schema";
import { forgetPublicPages } from "~/lib/public-page-cache.server";

/**
 * Campaigns of the organizations the organizer belongs to (all for an admin),
 * with their petition counts and whether this organizer may edit each.
 */
export async function listOrganizerCampaigns(db: Kysely<DB>, organizer: Organizer) {
  const organizationIds = readableOrganizationIds(organizer);
  if (organizationIds !== null && organizationIds.length === 0) return [];
  const rows = await db
    .selectFrom("campaigns as c")
    .innerJoin("organizations as o", "o.id", "c.organization_id")
    .innerJoin("campaign_translations as t", (join) => join.onRef("t.campaign_id", "=", "c.id").on("t.locale", "=", "en"))
    .select((eb) => [
      "c.id",
      "c.slug",
      "c.status",
      "c.is_home",
      "c.organization_id",
      "o.name as organization_name",
      "t.title",
      eb.selectFrom("petitions as p").select(sql<number>`count(*)::int`.as("n")).whereRef("p.campaign_id", "=", "c.id").as("petitions"),
    ])
    .$if(organizationIds !== null, (q) => q.where("c.organization_id", "in", organizationIds!))
    .orderBy("o.name")
    .orderBy("c.position")
    .orderBy("c.id")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    status: row.status,
    isHome: row.is_home,
    organizationName: row.organization_name,
    title: row.title,
    petitions: Number(row.petitions ?? 0),
    canEdit: can(organizer, row.organization_id, "organizer"),
  }));
}

export interface EditableCampaign {
  id: number;
  slug: string;
  organizationId: number;
  organizationName: string;
  status: CampaignStatus;
  isHome: boolean;
  text: Partial<Record<Locale, { title: string; summary: string; body: string }>>;
}

/**
 * A campaign the organizer may change. Another organization's campaign is a
 * 404; one the organizer can see but not change (a viewer) is a 403.
 */
export async function requireEditableCampaign(db: Kysely<DB>, organizer: Organizer, slug: string): Promise<EditableCampaign> {
  const row = await db
    .selectFrom("campaigns as c")
    .innerJoin("organizations as o", "o.id", "c.organization_id")
    .select(["c.id", "c.slug", "c.organization_id", "o.name as organization_name", "c.status", "c.is_home"])
    .where("c.slug", "=", slug)
    .executeTakeFirst();
  if (!row || !can(organizer, row.organization_id, "viewer")) throw data({ messageKey: "notFound.body" }, { status: 404 });
  if (!can(organizer, row.organization_id, "organizer")) throw forbidden();
  const translations = await db
    .selectFrom("campaign_translations")
    .select(["locale", "title", "summary", "body"])
    .where("campaign_id", "=", row.id)
    .execute();
  return {
    id: row.id,
    slug: row.slug,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    status: row.status === "archived" ? "archived" : "active",
    isHome: row.is_home,
    text: Object.fromEntries(translations.map((t) => [t.locale, { title: t.title, summary: t.summary, body: t.body }])),
  };
}

const SLUG_TAKEN = "That address is already used by another campaign; choose another";

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23505";
}

async function slugTaken(db: Kysely<DB>, slug: string, exceptId: number | null): Promise<boolean> {
  const row = await db
    .selectFrom("campaigns")
    .select("id")
    .where("slug", "=", slug)
    .$if(exceptId !== null, (q) => q.where("id", "<>", exceptId!))
    .executeTakeFirst();
  return Boolean(row);
}

/** "That address is taken", for a form that failed validation elsewhere, so every problem shows in one round. */
export async function campaignSlugErrors(db: Kysely<DB>, slug: string | undefined, exceptCampaignId: number | null): Promise<Record<string, string>> {
  const normalized = (slug ?? "").trim().toLowerCase();
  return normalized && (await slugTaken(db, normalized, exceptCampaignId)) ? { slug: SLUG_TAKEN } : {};
}

async function writeTranslations(db: Kysely<DB>, campaignId: number, input: CampaignInput): Promise<void> {
  await db.deleteFrom("campaign_translations").where("campaign_id", "=", campaignId).execute();
  const rows: { campaign_id: number; locale: Locale; title: string; summary: string; body: string }[] = [
    { campaign_id: campaignId, locale: "en", title: input.titleEn, summary: input.summaryEn, body: input.bodyEn },
  ];
  if (input.titleEs) rows.push({ campaign_id: campaignId, locale: "es", title: input.titleEs, summary: input.summaryEs, body: input.bodyEs });
  await db.insertInto("campaign_translations").values(rows).execute();
}

/** Creates a campaign in one of the organizer's organizations (organizer or owner role) and audit-logs it. */
export async function createCampaign(
  db: Kysely<DB>,
  organizer: Organizer,
  input: CampaignInput & { organizationId: number },
): Promise<SaveResult> {
  if (!can(organizer, input.organizationId, "organizer")) return { ok: false, errors: { organizationId: "Choose one of your organizations" } };
  if (await slugTaken(db, input.slug, null)) return { ok: false, errors: { slug: SLUG_TAKEN } };
  try {
    return await db.transaction().execute(async (trx): Promise<SaveResult> => {
      const { id } = await trx
        .insertInto("campaigns")
        .values({ organization_id: input.organizationId, slug: input.slug, status: input.status })
        .returning("id")
        .executeTakeFirstOrThrow();
      await writeTranslations(trx, id, input);
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: input.organizationId,
        action: "campaign.create",
        subject: input.slug,
        details: { campaignId: id, status: input.status },
      });
      return { ok: true, slug: input.slug };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, errors: { slug: SLUG_TAKEN } };
    throw error;
  }
}

/**
 * Saves a campaign the organizer may change (404/403 as requireEditableCampaign).
 * The campaign whose text is the home page's explainer cannot be archived.
 */
export async function updateCampaign(db: Kysely<DB>, organizer: Organizer, slug: string, input: CampaignInput): Promise<SaveResult> {
  const campaign = await requireEditableCampaign(db, organizer, slug);
  if (campaign.isHome && input.status !== "active") {
    return { ok: false, errors: { status: "This campaign's text is the home page; it stays active" } };
  }
  if (await slugTaken(db, input.slug, campaign.id)) return { ok: false, errors: { slug: SLUG_TAKEN } };
  try {
    return await db.transaction().execute(async (trx): Promise<SaveResult> => {
      await trx
        .updateTable("campaigns")
        .set({ slug: input.slug, status: input.status, updated_at: sql<Date>`now()` })
        .where("id", "=", campaign.id)
        .execute();
      await writeTranslations(trx, campaign.id, input);
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: campaign.organizationId,
        action: "campaign.update",
        subject: input.slug,
        details: { campaignId: campaign.id, ...(input.slug !== campaign.slug ? { previousSlug: campaign.slug } : {}) },
      });
      if (input.status !== campaign.status) {
        await audit(trx, {
          organizerId: organizer.id,
          organizationId: campaign.organizationId,
          action: "campaign.status",
          subject: input.slug,
          details: { campaignId: campaign.id, from: campaign.status, to: input.status },
        });
      }
      return { ok: true, slug: input.slug };
    }).finally(() => forgetPublicPages(db)); // Petition pages name their campaign.
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, errors: { slug: SLUG_TAKEN } };
    throw error;
  }
}
