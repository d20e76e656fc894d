import type { Kysely } from "kysely";
import type { DB, Locale } from "../../db/schema";
import type { SignatureCounts } from "./counts.server";
import { listPublicPetitions } from "./petitions.server";

/** Petitions with their live counts, for the home and campaign pages. */
export async function petitionCards(db: Kysely<DB>, counts: SignatureCounts, locale: Locale, campaignId?: number) {
  const petitions = await listPublicPetitions(db, locale, { campaignId });
  const totals = await counts.getMany(petitions.map((petition) => petition.id));
  return petitions.map((petition) => ({
    slug: petition.slug,
    title: petition.title,
    summary: petition.summary,
    goal: petition.goal,
    status: petition.status,
    count: totals.get(petition.id) ?? 0,
  }));
}
