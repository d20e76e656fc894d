import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkMilestones } from "../../app/models/milestones.server";
import { renderMarkdown } from "../../app/lib/markdown.server";
import type { PetitionStatus, SignatureStatus } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/db";

// Automatic milestone updates: the organizer's switch, the counted signatures
// (confirmed, not flagged), one email for several milestones passed at once,
// and each milestone recorded once however many processes check at the same time.

const APP_URL = "https://sanctuary.example";
const CAMPAIGN = "sanctuary-campus-movement";

let database: TestDatabase;
let campaignId: number;
let organizationId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const campaign = await database.db.selectFrom("campaigns").select(["id", "organization_id"]).where("slug", "=", CAMPAIGN).executeTakeFirstOrThrow();
  campaignId = campaign.id;
  organizationId = campaign.organization_id;
});

afterAll(async () => {
  await database?.drop();
});

/** A petition of its own per test, so tests do not see each other's milestones. */
async function createPetition(options: { goal: number; milestones: boolean; status?: PetitionStatus; campaign?: boolean; title?: string }) {
  const slug = `milestone-${randomBytes(4).toString("hex")}`;
  const title = options.title ?? `Protect students ${slug}`;
  const { id } = await database.db
    .insertInto("petitions")
    .values({
      organization_id: organizationId,
      campaign_id: options.campaign === false ? null : campaignId,
      slug,
      status: options.status ?? "open",
      goal: options.goal,
      milestone_updates: options.milestones,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await database.db
    .insertInto("petition_translations")
    .values([
      { petition_id: id, locale: "en", title, summary: "Summary.", body: "Body." },
      { petition_id: id, locale: "es", title: `Protejan a los estudiantes ${slug}`, summary: "Resumen.", body: "Cuerpo." },
    ])
    .execute();
  return { id, slug, title };
}

/** Signatures inserted directly, as if their signers had confirmed: only confirmed, unflagged ones count. */
async function addSignatures(petitionId: number, n: number, options: { status?: SignatureStatus; flagged?: boolean } = {}) {
  const status = options.status ?? "confirmed";
  const rows = Array.from({ length: n }, () => {
    const email = `signer-${randomBytes(6).toString("hex")}@example.com`;
    return {
      petition_id: petitionId,
      first_name: "Ana",
      last_name: "López",
      email,
      email_normalized: email,
      postal_code: "94110",
      zip5: "94110",
      locale: "en" as const,
      status,
      confirmed_at: status === "confirmed" ? new Date() : null,
      flagged_reason: options.flagged ? "rate-limit" : null,
    };
  });
  await database.db.insertInto("signatures").values(rows).execute();
}

async function milestonesOf(petitionId: number) {
  return database.db
    .selectFrom("campaign_updates")
    .select(["id", "kind", "status", "milestone_percent", "campaign_id", "publish_at"])
    .where("petition_id", "=", petitionId)
    .orderBy("milestone_percent")
    .execute();
}

async function fanoutRows(updateIds: number[]) {
  if (updateIds.length === 0) return [];
  const rows = await database.db.selectFrom("outbox").select(["id", "payload", "status", "run_after"]).where("kind", "=", "update.fanout").execute();
  return rows.filter((row) => updateIds.includes(Number((row.payload as { updateId?: unknown }).updateId)));
}

describe("milestone updates", () => {
  it("sends nothing while the organizer's switch is off, whatever the count", async () => {
    const petition = await createPetition({ goal: 100, milestones: false });
    await addSignatures(petition.id, 100);
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect(await milestonesOf(petition.id)).toEqual([]);
  });

  it("publishes one update when the count crosses 25 %, with its fan-out, in English and Spanish", async () => {
    const petition = await createPetition({ goal: 1_000, milestones: true, title: "Keep ICE off *campus*" });
    await addSignatures(petition.id, 249);
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect(await milestonesOf(petition.id), "one short of 25 %").toEqual([]);

    await addSignatures(petition.id, 1);
    const outcomes = await checkMilestones(database.db, { appUrl: APP_URL });
    expect(outcomes.filter((o) => o.petitionId === petition.id)).toEqual([{ petitionId: petition.id, sent: 25, skipped: [] }]);
    const rows = await milestonesOf(petition.id);
    expect(rows).toMatchObject([{ kind: "milestone", status: "active", milestone_percent: 25, campaign_id: campaignId }]);
    expect(Math.abs(rows[0].publish_at.getTime() - Date.now())).toBeLessThan(60_000);

    const fanouts = await fanoutRows([rows[0].id]);
    expect(fanouts).toHaveLength(1);
    expect(fanouts[0].status).toBe("pending");
    expect(fanouts[0].payload).toEqual({ updateId: rows[0].id });

    const text = await database.db.selectFrom("campaign_update_translations").selectAll().where("update_id", "=", rows[0].id).orderBy("locale").execute();
    expect(text.map((t) => t.locale)).toEqual(["en", "es"]);
    const [en, es] = text;
    expect(en.title).toBe("“Keep ICE off *campus*” reached 25% of its goal: 250 of 1,000 signatures");
    expect(es.title).toMatch(/^«Protejan a los estudiantes milestone-[0-9a-f]+» alcanzó el 25 % de su meta: 250 de 1,000 firmas$/);
    // The body links to the petition, and the title's Markdown characters show as typed rather than as emphasis.
    const html = renderMarkdown(en.body);
    expect(html).toContain(`href="${APP_URL}/petitions/${petition.slug}"`);
    expect(html).toContain("Keep ICE off *campus*");
    expect(renderMarkdown(es.body)).toContain(`href="${APP_URL}/petitions/${petition.slug}?lang=es"`);

    // Nothing new to announce: a second check changes nothing.
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect(await milestonesOf(petition.id)).toHaveLength(1);
  });

  it("sends only the highest of several milestones reached at once (30 % → 75 %: 50 skipped, 75 sent)", async () => {
    const petition = await createPetition({ goal: 100, milestones: true });
    await addSignatures(petition.id, 30);
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect((await milestonesOf(petition.id)).map((r) => [r.milestone_percent, r.status])).toEqual([[25, "active"]]);

    await addSignatures(petition.id, 45);
    const outcomes = await checkMilestones(database.db, { appUrl: APP_URL });
    expect(outcomes.filter((o) => o.petitionId === petition.id)).toEqual([{ petitionId: petition.id, sent: 75, skipped: [50] }]);
    const rows = await milestonesOf(petition.id);
    expect(rows.map((r) => [r.milestone_percent, r.status])).toEqual([
      [25, "active"],
      [50, "skipped"],
      [75, "active"],
    ]);
    // Two emails in all (25 and 75): the skipped milestone has no fan-out.
    const fanouts = await fanoutRows(rows.map((r) => r.id));
    expect(fanouts.map((f) => (f.payload as { updateId: number }).updateId).sort()).toEqual([rows[0].id, rows[2].id].sort());
  });

  it("counts confirmed, unflagged signatures only", async () => {
    const petition = await createPetition({ goal: 100, milestones: true });
    await addSignatures(petition.id, 24);
    await addSignatures(petition.id, 10, { flagged: true });
    await addSignatures(petition.id, 10, { status: "pending" });
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect(await milestonesOf(petition.id)).toEqual([]);
  });

  it("leaves closed petitions and petitions outside a campaign alone", async () => {
    const closed = await createPetition({ goal: 10, milestones: true, status: "closed" });
    const loose = await createPetition({ goal: 10, milestones: true, campaign: false });
    await addSignatures(closed.id, 10);
    await addSignatures(loose.id, 10);
    await checkMilestones(database.db, { appUrl: APP_URL });
    expect(await milestonesOf(closed.id)).toEqual([]);
    expect(await milestonesOf(loose.id)).toEqual([]);
  });

  it("records each milestone once when several processes check at the same time, and again later", async () => {
    const petition = await createPetition({ goal: 100, milestones: true });
    await addSignatures(petition.id, 100);
    await Promise.all(Array.from({ length: 6 }, () => checkMilestones(database.db, { appUrl: APP_URL })));
    await checkMilestones(database.db, { appUrl: APP_URL });
    const rows = await milestonesOf(petition.id);
    expect(rows.map((r) => [r.milestone_percent, r.status])).toEqual([
      [25, "skipped"],
      [50, "skipped"],
      [75, "skipped"],
      [100, "active"],
    ]);
    expect(await fanoutRows(rows.map((r) => r.id))).toHaveLength(1);
    const [en] = await database.db.selectFrom("campaign_update_translations").select("body").where("update_id", "=", rows[3].id).where("locale", "=", "en").execute();
    expect(en.body).toContain("reached its goal");
  });
});
