import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { PetitionCard } from "~/components/petition-card";
import { ResourceList } from "~/components/resource-list";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { getPublicCampaign, listResources } from "~/models/campaigns.server";
import { petitionCards } from "~/models/listing.server";

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, counts, env } = context.services;
  const locale = await getLocale(request);
  const campaign = await getPublicCampaign(db, params.slug ?? "", locale);
  if (!campaign) throw data({ messageKey: "notFound.body" }, { status: 404 });
  const [resources, petitions] = await Promise.all([
    listResources(db, campaign.id, locale),
    petitionCards(db, counts, locale, campaign.id),
  ]);
  return {
    campaign: { slug: campaign.slug, title: campaign.title, summary: campaign.summary, bodyHtml: renderMarkdown(campaign.body) },
    resources,
    petitions,
    canonicalUrl: `${env.APP_URL}/campaigns/${campaign.slug}`,
  };
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
      ]
    : [{ title: "Sanctuary" }];

export default function CampaignPage() {
  const { campaign, resources, petitions } = useLoaderData<typeof loader>();
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
      {resources.length > 0 ? (
        <section>
          <h2 id="campaign-resources">{t("campaign.resources")}</h2>
          <ResourceList resources={resources} headingId="campaign-resources" />
        </section>
      ) : null}
    </article>
  );
}
