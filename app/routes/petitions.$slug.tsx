import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { GoalBar } from "~/components/goal-bar";
import { SignForm } from "~/components/sign-form";
import { translator, type Translate } from "~/i18n/i18n";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { badRequest, guard, readForm } from "~/lib/http.server";
import { renderMarkdownCached } from "~/lib/markdown.server";
import { readTracking } from "~/lib/tracking";
import { getPublicCampaignById } from "~/models/campaigns.server";
import { getPetitionRef, getPublicPetition, type PublicPetition } from "~/models/petitions.server";
import { recentSigners } from "~/models/signatures.server";
import { submitSignature } from "~/lib/sign-submission.server";

function recipientsText(t: Translate, petition: PublicPetition): string {
  if (petition.targetRule === "fixed") {
    return t("petition.recipients.fixed", { names: petition.fixedTargets.map((target) => target.name).join(", ") });
  }
  const offices = petition.targetLevels.map((level) => t(`petition.office.${level}`));
  const joined = offices.length > 1 ? `${offices.slice(0, -1).join(", ")}${t("petition.and")}${offices.at(-1)}` : (offices[0] ?? "");
  return t("petition.recipients.local", { offices: joined });
}

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, counts, env } = context.services;
  const locale = await getLocale(request);
  const petition = await getPublicPetition(db, params.slug ?? "", locale);
  if (!petition) throw data({ messageKey: "notFound.body" }, { status: 404 });
  const [count, signers, campaign] = await Promise.all([
    counts.get(petition.id),
    recentSigners(db, petition.id),
    petition.campaignId ? getPublicCampaignById(db, petition.campaignId, locale) : null,
  ]);
  const url = new URL(request.url);
  return {
    petition: { ...petition, bodyHtml: renderMarkdownCached(`petition:${petition.id}:${petition.locale}`, petition.body) },
    count,
    signers,
    campaign: campaign ? { slug: campaign.slug, title: campaign.title } : null,
    recipients: recipientsText(translator(locale), petition),
    tracking: readTracking((name) => url.searchParams.get(name)),
    canonicalUrl: `${env.APP_URL}/petitions/${petition.slug}`,
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  // A plain form POST seldom gets here: signBeforeRemix (sign-first.server.ts) takes those and hands on only what
  // it leaves to this action (an invalid form, a closed or unknown petition, Remix's own fetch submissions).
  const form = await readForm(request);
  const locale = await getLocale(request);
  // The light, cached lookup (getPetitionRef), status included: asking the database on every signature was one of
  // its five statements. The editor's save forgets the cached copy, so closing stops signing at once in that
  // process; another web process may take signatures for up to PETITION_REF_MAX_AGE_MS (1 s) more.
  const petition = await getPetitionRef(context.services.db, params.slug ?? "");
  if (!petition) throw data({ messageKey: "notFound.body" }, { status: 404 });
  if (petition.status !== "open") throw badRequest(409, "petition.closed");
  const submission = await submitSignature(context.services, petition, form, { locale, clientIp: context.clientIp });
  if (submission.ok) return redirect(submission.thanks);
  return data({ errors: submission.errors, values: submission.values }, { status: 422, headers: { "Cache-Control": "no-store" } });
});

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => {
  if (!loaded) return [{ title: "Sanctuary" }];
  const { petition, canonicalUrl } = loaded;
  return [
    { title: `${petition.title} · Sanctuary` },
    { name: "description", content: petition.summary },
    { property: "og:type", content: "website" },
    { property: "og:title", content: petition.title },
    { property: "og:description", content: petition.summary },
    { property: "og:url", content: canonicalUrl },
    { property: "og:site_name", content: "Sanctuary" },
    { property: "og:locale", content: petition.locale === "es" ? "es_US" : "en_US" },
    { name: "twitter:card", content: "summary" },
    { name: "twitter:title", content: petition.title },
    { name: "twitter:description", content: petition.summary },
    { tagName: "link", rel: "canonical", href: canonicalUrl },
  ];
};

export default function PetitionPage() {
  const { petition, count, signers, campaign, recipients, tracking } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const t = useT();
  return (
    <article className="petition" lang={petition.locale}>
      <header className="petition-header">
        {campaign ? (
          <p className="eyebrow">
            {t("petition.campaign")}: <Link to={`/campaigns/${campaign.slug}`}>{campaign.title}</Link>
          </p>
        ) : null}
        <h1>{petition.title}</h1>
        <p className="lead">{petition.summary}</p>
        <GoalBar count={count} goal={petition.goal} />
      </header>

      <div className="petition-columns">
        <section className="petition-sign" aria-labelledby="sign-heading">
          {petition.status === "open" ? (
            <>
              <h2 id="sign-heading">{t("sign.heading")}</h2>
              <section className="recipients" aria-label={t("petition.recipients")}>
                <p>{recipients}</p>
              </section>
              <SignForm
                errors={actionData && "errors" in actionData ? actionData.errors : undefined}
                values={actionData && "values" in actionData ? actionData.values : undefined}
                tracking={tracking}
              />
            </>
          ) : (
            <div className="panel" role="status">
              <h2 id="sign-heading">{t("petition.closed")}</h2>
              <p>{t("petition.closedResult", { count })}</p>
            </div>
          )}
        </section>

        <section className="petition-body">
          <div className="prose" dangerouslySetInnerHTML={{ __html: petition.bodyHtml }} />
          <h2>{t("petition.recentSigners")}</h2>
          {signers.length === 0 ? (
            <p>{t("petition.noSigners")}</p>
          ) : (
            <ul className="signers">
              {signers.map((signer, index) => (
                <li key={index}>
                  <span className="signer-name">
                    {signer.city
                      ? t("petition.signerFrom", {
                          name: `${signer.firstName} ${signer.lastInitial}.`,
                          place: signer.state ? `${signer.city}, ${signer.state}` : signer.city,
                        })
                      : `${signer.firstName} ${signer.lastInitial}.`}
                  </span>
                  {signer.comment ? <q className="signer-comment">{signer.comment}</q> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </article>
  );
}
