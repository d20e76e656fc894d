import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { translator } from "~/i18n/i18n";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { getPublicPetition } from "~/models/petitions.server";

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const locale = await getLocale(request);
  const petition = await getPublicPetition(db, params.slug ?? "", locale);
  if (!petition) throw data({ messageKey: "notFound.body" }, { status: 404 });
  const shareUrl = `${env.APP_URL}/petitions/${petition.slug}?source=share`;
  const text = translator(locale)("thanks.shareText", { title: petition.title });
  const enc = encodeURIComponent;
  return {
    slug: petition.slug,
    title: petition.title,
    shareUrl,
    links: {
      email: `mailto:?subject=${enc(petition.title)}&body=${enc(`${text}\n\n${shareUrl}`)}`,
      whatsapp: `https://wa.me/?text=${enc(`${text} ${shareUrl}`)}`,
      x: `https://twitter.com/intent/tweet?text=${enc(text)}&url=${enc(shareUrl)}`,
      facebook: `https://www.facebook.com/sharer/sharer.php?u=${enc(shareUrl)}`,
    },
  };
});

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: loaded ? `${loaded.title} · Sanctuary` : "Sanctuary" },
  { name: "robots", content: "noindex" },
];

export default function Thanks() {
  const { slug, shareUrl, links } = useLoaderData<typeof loader>();
  const t = useT();
  const [copied, setCopied] = useState(false);
  return (
    <section className="panel thanks">
      <h1>{t("thanks.title")}</h1>
      <p>{t("thanks.body")}</p>
      <p className="hint">{t("thanks.spam")}</p>
      <h2>{t("thanks.share")}</h2>
      <div className="field">
        <label htmlFor="share-url">{t("thanks.copy")}</label>
        <div className="copy-row">
          <input id="share-url" readOnly value={shareUrl} onFocus={(event) => event.currentTarget.select()} />
          <button
            type="button"
            className="button-secondary"
            onClick={() => navigator.clipboard?.writeText(shareUrl).then(() => setCopied(true))}
          >
            {copied ? t("thanks.copied") : t("thanks.copy")}
          </button>
        </div>
      </div>
      <ul className="share-links">
        <li>
          <a href={links.email}>{t("thanks.shareEmail")}</a>
        </li>
        <li>
          <a href={links.whatsapp} rel="noopener noreferrer" target="_blank">
            WhatsApp
          </a>
        </li>
        <li>
          <a href={links.x} rel="noopener noreferrer" target="_blank">
            X
          </a>
        </li>
        <li>
          <a href={links.facebook} rel="noopener noreferrer" target="_blank">
            Facebook
          </a>
        </li>
      </ul>
      <p>
        <Link to={`/petitions/${slug}`}>{t("thanks.back")}</Link>
      </p>
    </section>
  );
}
