import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { FollowForm } from "~/components/follow-form";
import { PetitionCard } from "~/components/petition-card";
import { ResourceList } from "~/components/resource-list";
import { translator } from "~/i18n/i18n";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { field, guard, readForm } from "~/lib/http.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { getPublicCampaign, listResources } from "~/models/campaigns.server";
import { followCampaign } from "~/models/follows.server";
import { petitionCards } from "~/models/listing.server";
import { listPublishedUpdates } from "~/models/public-updates.server";
import { parseFollowForm, parseUpdatesPage, typedFollowValues } from "~/validation/follow.server";

/** Updates per page of the campaign page; the Atom feed carries more. */
const UPDATES_PER_PAGE = 20;

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, counts, env } = context.services;
  const locale = await getLocale(request);
  const campaign = await getPublicCampaign(db, params.slug ?? "", locale);
  if (!campaign) throw data({ messageKey: "notFound.body" }, { status: 404 });
  const page = parseUpdatesPage(new URL(request.url).searchParams);
  const [resources, petitions, updates] = await Promise.all([
    listResources(db, campaign.id, locale),
    petitionCards(db, counts, locale, campaign.id),
    // One more than shown, to know whether there is an older page.
    listPublishedUpdates(db, campaign.id, locale, { limit: UPDATES_PER_PAGE + 1, offset: (page - 1) * UPDATES_PER_PAGE }),
  ]);
  // Formatted here so the server and the browser show the same date (UTC, as in the feed).
  const dates = new Intl.DateTimeFormat(locale === "es" ? "es-US" : "en-US", { dateStyle: "long", timeZone: "UTC" });
  const canonicalUrl = `${env.APP_URL}/campaigns/${campaign.slug}`;
  return {
    campaign: { slug: campaign.slug, title: campaign.title, summary: campaign.summary, bodyHtml: renderMarkdown(campaign.body) },
    resources,
    petitions,
    updates: updates.slice(0, UPDATES_PER_PAGE).map((update) => ({
      id: update.id,
      title: update.title,
      locale: update.locale,
      bodyHtml: renderMarkdown(update.body),
      publishedAt: update.publishedAt.toISOString(),
      publishedOn: dates.format(update.publishedAt),
    })),
    page,
    hasOlder: updates.length > UPDATES_PER_PAGE,
    canonicalUrl,
    feedUrl: `${canonicalUrl}/feed?lang=${locale}`,
    feedTitle: translator(locale)("follow.feedTitle", { title: campaign.title }),
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, jobs } = context.services;
  const form = await readForm(request);
  const locale = await getLocale(request);
  const campaign = await getPublicCampaign(db, params.slug ?? "", locale);
  if (!campaign) throw data({ messageKey: "notFound.body" }, { status: 404 });
  const following = `/campaigns/${campaign.slug}/following`;
  // A filled honeypot is a bot: it gets the same page as a person and nothing is stored.
  if (field(form, "website")) return redirect(following);
  const parsed = parseFollowForm(form);
  if (!parsed.ok) {
    return data({ errors: parsed.errors, values: typedFollowValues(form) }, { status: 422, headers: { "Cache-Control": "no-store" } });
  }
  await followCampaign(db, { campaignId: campaign.id, form: parsed.data, locale });
  jobs?.wake();
  return redirect(following);
});

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) =>
  loaded
    ? [
        { title: `${loaded.campaign.title} · Sanctuary` },
        { name: "description", content: loaded.campaign.summary },
        { property: "og:title", content: loaded.campaign.title },
        { property: "og:description", content: loaded.campaign.summary },
        { property: "og:url", content: loaded.canonicalUrl },
        { name: "twitter:card", content: "summary" },
        { tagName: "link", rel: "alternate", type: "application/atom+xml", href: loaded.feedUrl, title: loaded.feedTitle },
      ]
    : [{ title: "Sanctuary" }];

export default function CampaignPage() {
  const { campaign, resources, petitions, updates, page, hasOlder, feedUrl } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const t = useT();
  return (
    <article className="campaign">
      <h1>{campaign.title}</h1>
      {campaign.summary ? <p className="lead">{campaign.summary}</p> : null}
      <div className="prose" dangerouslySetInnerHTML={{ __html: campaign.bodyHtml }} />
      <section>
        <h2 id="campaign-petitions">{t("campaign.petitions")}</h2>
        {petitions.length === 0 ? (
          <p>{t("campaign.noPetitions")}</p>
        ) : (
          <ul className="cards" aria-labelledby="campaign-petitions">
            {petitions.map((petition) => (
              <PetitionCard key={petition.slug} petition={petition} />
            ))}
          </ul>
        )}
      </section>

      <section className="campaign-follow panel" aria-labelledby="follow-heading" id="follow">
        <h2 id="follow-heading">{t("follow.heading")}</h2>
        <p>{t("follow.intro")}</p>
        <FollowForm
          errors={actionData && "errors" in actionData ? actionData.errors : undefined}
          values={actionData && "values" in actionData ? actionData.values : undefined}
        />
      </section>

      <section className="campaign-updates" aria-labelledby="updates-heading" id="updates">
        <h2 id="updates-heading">{t("updates.heading")}</h2>
        {updates.length === 0 ? (
          <p>{page > 1 ? <Link to={`/campaigns/${campaign.slug}#updates`}>{t("updates.newer")}</Link> : t("updates.none")}</p>
        ) : (
          <>
            {updates.map((update) => (
              <article className="update" id={`update-${update.id}`} key={update.id} lang={update.locale} aria-labelledby={`update-${update.id}-title`}>
                <h3 id={`update-${update.id}-title`}>{update.title}</h3>
                <p className="update-date">
                  <time dateTime={update.publishedAt}>{t("updates.published", { date: update.publishedOn })}</time>
                </p>
                <div className="prose" dangerouslySetInnerHTML={{ __html: update.bodyHtml }} />
              </article>
            ))}
            {page > 1 || hasOlder ? (
              <nav className="pager" aria-label={t("updates.heading")}>
                {page > 1 ? <Link to={page === 2 ? `/campaigns/${campaign.slug}#updates` : `/campaigns/${campaign.slug}?page=${page - 1}#updates`}>{t("updates.newer")}</Link> : null}
                {hasOlder ? <Link to={`/campaigns/${campaign.slug}?page=${page + 1}#updates`}>{t("updates.older")}</Link> : null}
              </nav>
            ) : null}
          </>
        )}
        <p className="feed-link">
          <a href={feedUrl} type="application/atom+xml">
            {t("follow.feed")}
          </a>
        </p>
      </section>

      {resources.length > 0 ? (
        <section>
          <h2 id="campaign-resources">{t("campaign.resources")}</h2>
          <ResourceList resources={resources} headingId="campaign-resources" />
        </section>
      ) : null}
    </article>
  );
}
