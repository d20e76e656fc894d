import { data } from "@remix-run/node";
import { sql, type Kysely, type Transaction } from "kysely";
import { can } from "~/lib/auth.server";
import { renderMarkdown } from "~/lib/markdown.server";
import type { PetitionInput } from "~/validation/petition.server";
import { requirePetition } from "./admin-petitions.server";
import { audit } from "./audit.server";
import { forgetPetitionRefs } from "./petitions.server";
import type { Organizer } from "./organizers.server";
import type { DB, Locale, PetitionStatus, TargetLevel } from "../../db/schema";
import { forgetPublicPages } from "~/lib/public-page-cache.server";

/**
 * Where a petition may go from each status. Never back to draft once opened
 * (signatures exist, links are out); a closed petition may reopen; archived is final.
 */
export const PETITION_TRANSITIONS: Record<PetitionStatus, readonly PetitionStatus[]> = {
  draft: ["open"],
  open: ["closed"],
  closed: ["open", "archived"],
  archived: [],
};

/** The statuses the form offers: the current one and where it may go; a new petition starts as a draft or open. */
export function allowedStatuses(current: PetitionStatus | null): PetitionStatus[] {
  return current === null ? ["draft", "open"] : [current, ...PETITION_TRANSITIONS[current]];
}

/** The message shown to someone who may see a petition or campaign but whose role does not allow changing it. */
export const ROLE_FORBIDDEN = "Your role does not allow this";

export function forbidden() {
  return data({ message: ROLE_FORBIDDEN }, { status: 403, headers: { "Cache-Control": "no-store" } });
}

export type SaveResult = { ok: true; slug: string } | { ok: false; errors: Record<string, string> };

export interface OrganizationChoice {
  id: number;
  name: string;
}

/**
 * Organizations in which the organizer may create petitions and campaigns:
 * those where they are organizer or owner (every organization for an admin).
 */
export async function writableOrganizations(db: Kysely<DB>, organizer: Organizer): Promise<OrganizationChoice[]> {
  if (organizer.isAdmin) return db.selectFrom("organizations").select(["id", "name"]).orderBy("name").execute();
  return organizer.memberships.filter((m) => can(organizer, m.organizationId, "organizer")).map((m) => ({ id: m.organizationId, name: m.name }));
}

export interface CampaignChoice {
  id: number;
  organizationId: number;
  organizationName: string;
  title: string;
  archived: boolean;
}

export interface TargetChoice {
  id: number;
  name: string;
  office: string;
  level: TargetLevel;
  jurisdiction: string;
  state: string;
}

/**
 * What the petition form offers for these organizations: their campaigns
 * (active ones, plus `keepCampaignId` if the petition is already in an
 * archived one) and the active officials they may name as fixed targets
 * (their own and shared ones, i.e. without an organization).
 */
export async function petitionFormChoices(
  db: Kysely<DB>,
  organizationIds: number[],
  keepCampaignId: number | null = null,
): Promise<{ campaigns: CampaignChoice[]; targets: TargetChoice[] }> {
  if (organizationIds.length === 0) return { campaigns: [], targets: [] };
  const campaigns = await db
    .selectFrom("campaigns as c")
    .innerJoin("organizations as o", "o.id", "c.organization_id")
    .innerJoin("campaign_translations as t", (join) => join.onRef("t.campaign_id", "=", "c.id").on("t.locale", "=", "en"))
    .select(["c.id", "c.organization_id", "o.name as organization_name", "t.title", "c.status"])
    .where("c.organization_id", "in", organizationIds)
    .where((eb) => (keepCampaignId === null ? eb("c.status", "=", "active") : eb.or([eb("c.status", "=", "active"), eb("c.id", "=", keepCampaignId)])))
    .orderBy("o.name")
    .orderBy("c.position")
    .orderBy("c.id")
    .execute();
  const targets = await db
    .selectFrom("targets")
    .select(["id", "name", "office", "level", "jurisdiction", "state"])
    .where("active", "=", true)
    .where((eb) => eb.or([eb("organization_id", "is", null), eb("organization_id", "in", organizationIds)]))
    .orderBy("state")
    .orderBy("jurisdiction")
    .orderBy("level")
    .orderBy("name")
    .execute();
  return {
    campaigns: campaigns.map((c) => ({
      id: c.id,
      organizationId: c.organization_id,
      organizationName: c.organization_name,
      title: c.title,
      archived: c.status !== "active",
    })),
    targets,
  };
}

export interface EditablePetition {
  id: number;
  slug: string;
  organizationId: number;
  organizationName: string;
  status: PetitionStatus;
  /** Once opened, the address is fixed: people have shared it. */
  slugEditable: boolean;
  goal: number;
  campaignId: number | null;
  targetRule: "local" | "fixed";
  targetLevels: TargetLevel[];
  targetIds: number[];
  deliveryIntervalSeconds: number | null;
  milestoneUpdates: boolean;
  text: Partial<Record<Locale, { title: string; summary: string; body: string }>>;
}

/**
 * A petition the organizer may change, with everything the edit form shows.
 * Another organization's petition is a 404 (the workspace never confirms it
 * exists); one the organizer can see but not change (a viewer) is a 403.
 */
export async function requireEditablePetition(db: Kysely<DB>, organizer: Organizer, slug: string): Promise<EditablePetition> {
  const scoped = await requirePetition(db, organizer, slug, "viewer");
  if (!can(organizer, scoped.organizationId, "organizer")) throw forbidden();
  const row = await db
    .selectFrom("petitions as p")
    .innerJoin("organizations as o", "o.id", "p.organization_id")
    .select([
      "p.id",
      "p.slug",
      "p.organization_id",
      "o.name as organization_name",
      "p.status",
      "p.opened_at",
      "p.goal",
      "p.campaign_id",
      "p.target_rule",
      "p.target_levels",
      "p.delivery_interval_seconds",
      "p.milestone_updates",
    ])
    .where("p.id", "=", scoped.id)
    .executeTakeFirstOrThrow();
  const [translations, targets] = await Promise.all([
    db.selectFrom("petition_translations").select(["locale", "title", "summary", "body"]).where("petition_id", "=", row.id).execute(),
    db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", row.id).execute(),
  ]);
  return {
    id: row.id,
    slug: row.slug,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    status: row.status,
    slugEditable: row.status === "draft" && row.opened_at === null,
    goal: row.goal,
    campaignId: row.campaign_id,
    targetRule: row.target_rule,
    targetLevels: row.target_levels,
    targetIds: targets.map((t) => t.target_id),
    deliveryIntervalSeconds: row.delivery_interval_seconds,
    milestoneUpdates: row.milestone_updates,
    text: Object.fromEntries(translations.map((t) => [t.locale, { title: t.title, summary: t.summary, body: t.body }])),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23505";
}

const SLUG_TAKEN = "That address is already used by another petition; choose another";

/**
 * "That address is taken", for a form that failed validation elsewhere, so the
 * person learns every problem in one round instead of fixing the slug after the rest.
 */
export async function petitionSlugErrors(db: Kysely<DB>, slug: string | undefined, exceptPetitionId: number | null): Promise<Record<string, string>> {
  const normalized = (slug ?? "").trim().toLowerCase();
  if (!normalized) return {};
  const taken = await db
    .selectFrom("petitions")
    .select("id")
    .where("slug", "=", normalized)
    .$if(exceptPetitionId !== null, (q) => q.where("id", "<>", exceptPetitionId!))
    .executeTakeFirst();
  return taken ? { slug: SLUG_TAKEN } : {};
}

/**
 * Checks that the campaign and officials belong to the petition's organization
 * (a forged form cannot attach another organization's campaign or officials),
 * and that the slug is free. Returns field errors, empty when all is well.
 */
async function checkReferences(
  db: Kysely<DB>,
  organizationId: number,
  input: PetitionInput,
  exceptPetitionId: number | null,
): Promise<Record<string, string>> {
  const errors: Record<string, string> = await petitionSlugErrors(db, input.slug, exceptPetitionId);
  if (input.campaignId !== null) {
    const campaign = await db
      .selectFrom("campaigns")
      .select("id")
      .where("id", "=", input.campaignId)
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    if (!campaign) errors.campaignId = "Choose one of this organization's campaigns, or none";
  }
  if (input.targetRule === "fixed" && input.targetIds.length > 0) {
    const found = await db
      .selectFrom("targets")
      .select("id")
      .where("id", "in", input.targetIds)
      .where("active", "=", true)
      .where((eb) => eb.or([eb("organization_id", "is", null), eb("organization_id", "=", organizationId)]))
      .execute();
    if (found.length !== input.targetIds.length) errors.targetIds = "Choose officials from the list; one of them is no longer available";
  }
  return errors;
}

async function writeDetails(trx: Transaction<DB>, petitionId: number, input: PetitionInput): Promise<void> {
  await trx.deleteFrom("petition_translations").where("petition_id", "=", petitionId).execute();
  const rows: { petition_id: number; locale: Locale; title: string; summary: string; body: string }[] = [
    { petition_id: petitionId, locale: "en", title: input.titleEn, summary: input.summaryEn, body: input.bodyEn },
  ];
  if (input.titleEs) rows.push({ petition_id: petitionId, locale: "es", title: input.titleEs, summary: input.summaryEs, body: input.bodyEs });
  await trx.insertInto("petition_translations").values(rows).execute();
  await trx.deleteFrom("petition_targets").where("petition_id", "=", petitionId).execute();
  // The fixed officials are kept only under the fixed rule, so switching rules leaves nothing stale behind.
  if (input.targetRule === "fixed" && input.targetIds.length > 0) {
    await trx
      .insertInto("petition_targets")
      .values(input.targetIds.map((targetId) => ({ petition_id: petitionId, target_id: targetId })))
      .execute();
  }
}

/** The columns both create and update write; the levels are kept only under the local rule's meaning. */
function columns(input: PetitionInput) {
  return {
    slug: input.slug,
    goal: input.goal,
    campaign_id: input.campaignId,
    target_rule: input.targetRule,
    target_levels: input.targetLevels.length > 0 ? input.targetLevels : (["city", "county"] as TargetLevel[]),
    delivery_interval_seconds: input.deliveryIntervalSeconds,
    milestone_updates: input.milestoneUpdates,
  };
}

/**
 * Creates a petition in one of the organizer's organizations (organizer or
 * owner role), with its translations and fixed officials, and audit-logs it.
 * A taken slug, a foreign campaign or official are field errors, not exceptions.
 */
export async function createPetition(
  db: Kysely<DB>,
  organizer: Organizer,
  input: PetitionInput & { organizationId: number },
): Promise<SaveResult> {
  if (!can(organizer, input.organizationId, "organizer")) {
    return { ok: false, errors: { organizationId: "Choose one of your organizations" } };
  }
  if (!allowedStatuses(null).includes(input.status)) {
    return { ok: false, errors: { status: "A new petition starts as a draft or open" } };
  }
  const errors = await checkReferences(db, input.organizationId, input, null);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  try {
    return await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto("petitions")
        .values({
          ...columns(input),
          organization_id: input.organizationId,
          status: input.status,
          opened_at: input.status === "open" ? sql<Date>`now()` : null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await writeDetails(trx, id, input);
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: input.organizationId,
        action: "petition.create",
        subject: input.slug,
        details: { petitionId: id, status: input.status },
      });
      return { ok: true as const, slug: input.slug };
    });
  } catch (error) {
    // Two organizers choosing the same address at the same moment: the unique index decides.
    if (isUniqueViolation(error)) return { ok: false, errors: { slug: SLUG_TAKEN } };
    throw error;
  }
}

/**
 * Saves the edit form of a petition the organizer may change (404/403 as
 * requireEditablePetition). Status moves only along PETITION_TRANSITIONS,
 * setting opened_at the first time it opens and closed_at when it closes
 * (cleared on reopening). The row is locked while it is checked and written,
 * so two saves cannot both make a transition from the same status.
 */
export async function updatePetition(
  db: Kysely<DB>,
  organizer: Organizer,
  slug: string,
  input: PetitionInput,
): Promise<SaveResult> {
  const petition = await requireEditablePetition(db, organizer, slug);
  const errors = await checkReferences(db, petition.organizationId, input, petition.id);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  try {
    return await db.transaction().execute(async (trx): Promise<SaveResult> => {
      const current = await trx
        .selectFrom("petitions")
        .select(["status", "opened_at"])
        .where("id", "=", petition.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const from = current.status;
      const to = input.status;
      if (to !== from && !PETITION_TRANSITIONS[from].includes(to)) {
        const allowed = PETITION_TRANSITIONS[from];
        return {
          ok: false,
          errors: {
            status: allowed.length
              ? `This petition is ${from}: it can only become ${allowed.join(" or ")}`
              : `This petition is ${from}: its status can no longer change`,
          },
        };
      }
      const slugEditable = from === "draft" && current.opened_at === null;
      if (!slugEditable && input.slug !== petition.slug) {
        return { ok: false, errors: { slug: "The address can't change once the petition has been opened" } };
      }
      await trx
        .updateTable("petitions")
        .set({
          ...columns(input),
          status: to,
          updated_at: sql<Date>`now()`,
          opened_at: to === "open" ? sql<Date>`coalesce(opened_at, now())` : sql<Date | null>`opened_at`,
          closed_at: to === "closed" && from !== "closed" ? sql<Date>`now()` : to === "open" ? null : sql<Date | null>`closed_at`,
        })
        .where("id", "=", petition.id)
        .execute();
      await writeDetails(trx, petition.id, input);
      await audit(trx, {
        organizerId: organizer.id,
        organizationId: petition.organizationId,
        action: "petition.update",
        subject: input.slug,
        details: { petitionId: petition.id, ...(input.slug !== petition.slug ? { previousSlug: petition.slug } : {}) },
      });
      if (to !== from) {
        await audit(trx, {
          organizerId: organizer.id,
          organizationId: petition.organizationId,
          action: "petition.status",
          subject: input.slug,
          details: { petitionId: petition.id, from, to },
        });
      }
      return { ok: true, slug: input.slug };
    }).finally(() => {
      // After COMMIT, so signing and the public page in this process see the change (a close) at once.
      forgetPetitionRefs(db);
      forgetPublicPages(db);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, errors: { slug: SLUG_TAKEN } };
    throw error;
  }
}

export interface TextPreview {
  locale: Locale;
  title: string;
  summary: string;
  /** Rendered from Markdown and sanitized: safe to put into the page. */
  bodyHtml: string;
}

/** The English and (when any Spanish was typed) Spanish text as the public page would show it; nothing is saved. */
export function previewText(fields: { titleEn: string; summaryEn: string; bodyEn: string; titleEs: string; summaryEs: string; bodyEs: string }): TextPreview[] {
  const previews: TextPreview[] = [
    { locale: "en", title: fields.titleEn.trim(), summary: fields.summaryEn.trim(), bodyHtml: renderMarkdown(fields.bodyEn) },
  ];
  if (fields.titleEs.trim() || fields.summaryEs.trim() || fields.bodyEs.trim()) {
    previews.push({ locale: "es", title: fields.titleEs.trim(), summary: fields.summaryEs.trim(), bodyHtml: renderMarkdown(fields.bodyEs) });
  }
  return previews;
}

/** Seconds as the shortest duration the form accepts back: 86400 → "24h", 900 → "15m". */
export function formatInterval(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
