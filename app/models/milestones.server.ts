import { sql, type Kysely } from "kysely";
import { MILESTONE_PERCENTS, type DB, type Locale } from "../../db/schema";
import { formatCount } from "../../emails/i18n";
import { publishUpdate, type UpdateText } from "./campaign-updates.server";

export interface MilestoneOutcome {
  petitionId: number;
  /** The milestone published (and mailed to the campaign's followers). */
  sent: number;
  /** Milestones passed at the same time as `sent`, recorded so they never go out later. */
  skipped: number[];
}

interface Candidate {
  id: number;
  slug: string;
  goal: number;
  campaign_id: number;
}

/** The percents of the goal that `count` signatures have reached. */
export function reachedPercents(count: number, goal: number): number[] {
  return MILESTONE_PERCENTS.filter((percent) => count * 100 >= percent * goal);
}

/** Backslash-escapes Markdown's punctuation, so a petition title is shown as typed. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, "\\$&");
}

/** The generated update, in one language: the petition's title as it appears in that language. */
export function milestoneText(locale: Locale, input: { title: string; percent: number; count: number; goal: number; url: string }): UpdateText {
  const count = formatCount(locale, input.count);
  const goal = formatCount(locale, input.goal);
  const name = escapeMarkdown(input.title);
  if (locale === "es") {
    return {
      title: `«${input.title}» alcanzó el ${input.percent} % de su meta: ${count} de ${goal} firmas`,
      body: [
        input.percent >= 100
          ? `«${name}» alcanzó su meta: ${count} personas la firmaron y confirmaron su firma. ¡Gracias!`
          : `«${name}» ya tiene ${count} firmas confirmadas, el ${input.percent} % de su meta de ${goal}.`,
        `[Lea y comparta la petición](${input.url})`,
      ].join("\n\n"),
    };
  }
  return {
    title: `“${input.title}” reached ${input.percent}% of its goal: ${count} of ${goal} signatures`,
    body: [
      input.percent >= 100
        ? `“${name}” reached its goal: ${count} people signed and confirmed their signature. Thank you!`
        : `“${name}” now has ${count} confirmed signatures, ${input.percent}% of its goal of ${goal}.`,
      `[Read and share the petition](${input.url})`,
    ].join("\n\n"),
  };
}

/** Open petitions whose organizer turned milestone updates on, in a campaign, with a milestone still unrecorded. */
async function candidates(db: Kysely<DB>): Promise<Candidate[]> {
  return db
    .selectFrom("petitions as p")
    .select(["p.id", "p.slug", "p.goal", "p.campaign_id"])
    .where("p.status", "=", "open")
    .where("p.milestone_updates", "=", true)
    .where("p.campaign_id", "is not", null)
    .where(
      (eb) =>
        eb
          .selectFrom("campaign_updates as u")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("u.petition_id", "=", "p.id")
          .where("u.milestone_percent", "in", [...MILESTONE_PERCENTS]),
      "<",
      MILESTONE_PERCENTS.length,
    )
    .orderBy("p.id")
    .execute() as Promise<Candidate[]>;
}

/** Counted signatures as the public pages count them: confirmed and not flagged. */
async function countedSignatures(db: Kysely<DB>, petitionIds: number[]): Promise<Map<number, number>> {
  if (petitionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("signatures")
    .select(["petition_id", sql<number>`count(*)::int`.as("n")])
    .where("petition_id", "in", petitionIds)
    .where("status", "=", "confirmed")
    .where("flagged_reason", "is", null)
    .groupBy("petition_id")
    .execute();
  return new Map(rows.map((row) => [row.petition_id, Number(row.n)]));
}

async function recordedPercents(db: Kysely<DB>, petitionIds: number[]): Promise<Map<number, Set<number>>> {
  const recorded = new Map<number, Set<number>>(petitionIds.map((id) => [id, new Set<number>()]));
  if (petitionIds.length === 0) return recorded;
  const rows = await db
    .selectFrom("campaign_updates")
    .select(["petition_id", "milestone_percent"])
    .where("petition_id", "in", petitionIds)
    .where("milestone_percent", "is not", null)
    .execute();
  for (const row of rows) recorded.get(row.petition_id!)?.add(row.milestone_percent!);
  return recorded;
}

/**
 * Records the milestones one petition has newly reached, under a lock on the
 * petition row (FOR NO KEY UPDATE: signing, which only takes a key-share lock
 * through its foreign key, goes on meanwhile), so two processes checking at
 * once agree; the unique (petition_id, milestone_percent) is the backstop.
 * Only the highest newly reached milestone is published; the lower ones are
 * recorded as skipped, so followers get one email, not three.
 */
async function recordMilestones(db: Kysely<DB>, petition: Candidate, appUrl: string): Promise<MilestoneOutcome | null> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx
      .selectFrom("petitions")
      .select(["id", "slug", "goal", "campaign_id", "status", "milestone_updates"])
      .where("id", "=", petition.id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!locked || locked.status !== "open" || !locked.milestone_updates || locked.campaign_id === null) return null;
    const count = (await countedSignatures(trx, [locked.id])).get(locked.id) ?? 0;
    const recorded = (await recordedPercents(trx, [locked.id])).get(locked.id)!;
    const fresh = reachedPercents(count, locked.goal).filter((percent) => !recorded.has(percent));
    if (fresh.length === 0) return null;
    const top = Math.max(...fresh);
    // A milestone below one already announced (its row was recorded when the count was higher) is not news.
    const send = top > Math.max(0, ...recorded) ? top : null;
    const titles = await trx.selectFrom("petition_translations").select(["locale", "title"]).where("petition_id", "=", locked.id).execute();
    const titleIn = (locale: Locale) => titles.find((t) => t.locale === locale)?.title ?? titles.find((t) => t.locale === "en")?.title ?? locked.slug;
    const url = `${appUrl}/petitions/${locked.slug}`;
    for (const percent of fresh) {
      // A skipped milestone's record names the count at that milestone, not today's.
      const shown = percent === send ? count : Math.ceil((percent * locked.goal) / 100);
      const text = (locale: Locale) =>
        milestoneText(locale, { title: titleIn(locale), percent, count: shown, goal: locked.goal, url: locale === "es" ? `${url}?lang=es` : url });
      await publishUpdate(trx, {
        campaignId: locked.campaign_id,
        translations: { en: text("en"), es: text("es") },
        kind: "milestone",
        petitionId: locked.id,
        milestonePercent: percent,
        status: percent === send ? "active" : "skipped",
      });
    }
    return send === null ? null : { petitionId: locked.id, sent: send, skipped: fresh.filter((p) => p !== send) };
  });
}

/**
 * Publishes an automatic update when a petition reaches 25, 50, 75 or 100 % of
 * its goal, for open petitions in a campaign whose organizer turned milestone
 * updates on. Each milestone is recorded once per petition, however many
 * processes run this at the same time. Links point at `appUrl` (the emails
 * carry them); without it they are relative to the site.
 */
export async function checkMilestones(db: Kysely<DB>, options: { appUrl?: string } = {}): Promise<MilestoneOutcome[]> {
  const petitions = await candidates(db);
  if (petitions.length === 0) return [];
  const ids = petitions.map((p) => p.id);
  const [counts, recorded] = await Promise.all([countedSignatures(db, ids), recordedPercents(db, ids)]);
  const outcomes: MilestoneOutcome[] = [];
  for (const petition of petitions) {
    const due = reachedPercents(counts.get(petition.id) ?? 0, petition.goal).some((percent) => !recorded.get(petition.id)?.has(percent));
    if (!due) continue;
    const outcome = await recordMilestones(db, petition, (options.appUrl ?? "").replace(/\/+$/, ""));
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}
