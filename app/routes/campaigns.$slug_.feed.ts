import type { LoaderFunctionArgs } from "@remix-run/node";
import { DEFAULT_LOCALE, isLocale, translator } from "~/i18n/i18n";
import { guard } from "~/lib/http.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { getFeedCampaign, listPublishedUpdates } from "~/models/public-updates.server";
import type { Locale } from "../../db/schema";

/** Entries in the feed: feed readers keep what they have seen, so the latest are enough. */
const FEED_ENTRIES = 50;

// Characters XML 1.0 cannot hold at all (most C0 controls, U+FFFE/FFFF): one in an organizer's text
// would make the whole feed unreadable, so they are dropped rather than escaped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text for XML element content or a quoted attribute value. */
function xml(value: string): string {
  return value.replace(NOT_XML, "").replace(/[&<>"']/g, (char) => XML_ESCAPES[char]);
}

/** The feed is cached by URL, so only `?lang=` picks the language, never a cookie or Accept-Language. */
function feedLocale(request: Request): Locale {
  const lang = new URL(request.url).searchParams.get("lang");
  return isLocale(lang) ? lang : DEFAULT_LOCALE;
}

/**
 * The campaign's published updates as an Atom 1.0 feed (RFC 4287). Ids are tag: URIs
 * (RFC 4151) dated by the campaign's creation, so they stay the same for as long as the
 * site keeps its host name; each language is its own feed with its own entry ids.
 */
export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const locale = feedLocale(request);
  const campaign = await getFeedCampaign(db, params.slug ?? "", locale);
  if (!campaign) {
    return new Response("No campaign with that address\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const updates = await listPublishedUpdates(db, campaign.id, locale, { limit: FEED_ENTRIES });
  const pageUrl = `${env.APP_URL}/campaigns/${campaign.slug}?lang=${locale}`;
  const selfUrl = `${env.APP_URL}/campaigns/${campaign.slug}/feed?lang=${locale}`;
  const tagBase = `tag:${new URL(env.APP_URL).hostname},${campaign.createdAt.toISOString().slice(0, 10)}:sanctuary`;
  const newest = Math.max(campaign.updatedAt.getTime(), ...updates.map((update) => update.publishedAt.getTime()));

  const entries = updates.map((update) => {
    const published = update.publishedAt.toISOString();
    const lang = update.locale === locale ? "" : ` xml:lang="${update.locale}"`;
    return `  <entry${lang}>
    <id>${xml(`${tagBase}:campaign-update:${update.id}:${locale}`)}</id>
    <title type="text">${xml(update.title)}</title>
    <published>${published}</published>
    <updated>${published}</updated>
    <link rel="alternate" type="text/html" href="${xml(`${pageUrl}#update-${update.id}`)}"/>
    <content type="html">${xml(renderMarkdown(update.body))}</content>
  </entry>`;
  });

  const body = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${locale}">
  <id>${xml(`${tagBase}:campaign:${campaign.id}:${locale}`)}</id>
  <title type="text">${xml(translator(locale)("follow.feedTitle", { title: campaign.title }))}</title>
${campaign.summary ? `  <subtitle type="text">${xml(campaign.summary)}</subtitle>\n` : ""}  <updated>${new Date(newest).toISOString()}</updated>
  <link rel="self" type="application/atom+xml" href="${xml(selfUrl)}"/>
  <link rel="alternate" type="text/html" href="${xml(pageUrl)}"/>
  <author><name>${xml(campaign.organizationName)}</name></author>
  <generator>Sanctuary</generator>
${entries.join("\n")}${entries.length > 0 ? "\n" : ""}</feed>
`;
  return new Response(body, {
    headers: {
      "Content-Type": "application/atom+xml; charset=utf-8",
      // A scheduled update appears within this long of its publish time.
      "Cache-Control": "public, max-age=300",
    },
  });
});
