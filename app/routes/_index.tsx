import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { PetitionCard } from "~/components/petition-card";
import { ResourceList } from "~/components/resource-list";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { getHomeCampaign, listPublicCampaigns, listResources } from "~/models/campaigns.server";
import { petitionCards } from "~/models/listing.server";

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const { db, counts } = context.services;
  const locale = await getLocale(request);
  const [home, campaigns, petitions] = await Promise.all([
    getHomeCampaign(db, locale),
    listPublicCampaigns(db, locale),
    petitionCards(db, counts, locale),
  ]);
  const resources = home ? await listResources(db, home.id, locale) : [];
  return {
    home: home ? { title: home.title, summary: home.summary, bodyHtml: renderMarkdown(home.body) } : null,
    campaigns: campaigns.filter((campaign) => !campaign.isHome).map(({ slug, title, summary }) => ({ slug, title, summary })),
    petitions,
    links: resources.filter((resource) => resource.kind === "link"),
    organizations: resources.filter((resource) => resource.kind === "organization"),
  };
});

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.home ? `${data.home.title} · Sanctuary` : "Sanctuary" },
  { name: "description", content: data?.home?.summary ?? "" },
];

export default function Home() {
  const { home, campaigns, petitions, links, organizations } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="home">
      <section className="hero">
        <h1>{home?.title ?? t("site.name")}</h1>
        {home?.summary ? <p className="lead">{home.summary}</p> : null}
      </section>

      <section aria-labelledby="petitions-heading">
        <h2 id="petitions-heading">{t("home.petitions")}</h2>
        <ul className="cards">
          {petitions.map((petition) => (
            <PetitionCard key={petition.slug} petition={petition} />
          ))}
        </ul>
      </section>

      {home ? <section className="prose explainer" dangerouslySetInnerHTML={{ __html: home.bodyHtml }} /> : null}

      <section aria-labelledby="campaigns-heading">
        <h2 id="campaigns-heading">{t("home.campaigns")}</h2>
        <ul className="cards">
          {campaigns.map((campaign) => (
            <li className="card" key={campaign.slug}>
              <h3>
                <Link to={`/campaigns/${campaign.slug}`}>{campaign.title}</Link>
              </h3>
              <p>{campaign.summary}</p>
            </li>
          ))}
        </ul>
      </section>

      {links.length > 0 ? (
        <section>
          <h2 id="links-heading">{t("home.resources")}</h2>
          <ResourceList resources={links} headingId="links-heading" />
        </section>
      ) : null}
      {organizations.length > 0 ? (
        <section>
          <h2 id="orgs-heading">{t("home.organizations")}</h2>
          <ResourceList resources={organizations} headingId="orgs-heading" />
        </section>
      ) : null}
    </div>
  );
}
