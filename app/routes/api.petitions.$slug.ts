import type { LoaderFunctionArgs } from "@remix-run/node";
import { COUNT_API_HEADERS, countApiAnswer } from "~/lib/count-api.server";

/**
 * The public count. GET and HEAD of a plain slug are answered before Express's middleware and Remix
 * (answerCountApiFirst in count-api.server.ts); this route answers the rest (an escaped slug, OPTIONS) the same way.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const answer = await countApiAnswer(context.services, params.slug ?? "");
  return new Response(answer.body, { status: answer.status, headers: { ...COUNT_API_HEADERS, "Cache-Control": answer.cacheControl } });
}
