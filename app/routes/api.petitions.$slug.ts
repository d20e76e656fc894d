import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPublicPetition } from "~/models/petitions.server";
import { isDatabaseUnavailable } from "~/lib/http.server";

const json = (body: unknown, status: number, cache: string) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": cache, "Access-Control-Allow-Origin": "*" },
  });

/**
 * The public count: confirmed signatures only. The process caches it for 2 s and shared caches may add
 * 1 s fresh + 2 s stale, so a reader never sees a count more than 5 s old.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const { db, counts } = context.services;
  try {
    const petition = await getPublicPetition(db, params.slug ?? "", "en");
    if (!petition) return json({ error: "No petition with that slug" }, 404, "public, max-age=5");
    const signatureCount = await counts.get(petition.id);
    return json(
      { slug: petition.slug, title: petition.title, signatureCount, goal: petition.goal, status: petition.status },
      200,
      "public, max-age=1, stale-while-revalidate=2",
    );
  } catch (error) {
    if (isDatabaseUnavailable(error)) return json({ error: "Temporarily unavailable; try again shortly" }, 503, "no-store");
    throw error;
  }
}
