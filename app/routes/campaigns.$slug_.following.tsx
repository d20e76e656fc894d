import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { getPublicCampaign } from "~/models/campaigns.server";

// Where the follow form leads whatever happened (new, repeated, throttled, a bot): the page
// must not tell anyone whether an address already follows the campaign.

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const campaign = await getPublicCampaign(db, params.slug ?? "", await getLocale(request));
  if (!campaign) throw data({ messageKey: "notFound.body" }, { status: 404 });
  return { slug: campaign.slug, title: campaign.title };
});

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: loaded ? `${loaded.title} · Sanctuary` : "Sanctuary" },
  { name: "robots", content: "noindex" },
];

export default function Following() {
  const { slug, title } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <section className="panel following" aria-live="polite">
      <h1>{t("following.title")}</h1>
      <p>{t("following.body", { title })}</p>
      <p className="hint">{t("following.spam")}</p>
      <p>
        <Link to={`/campaigns/${slug}`}>{t("following.back")}</Link>
      </p>
    </section>
  );
}
