import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import type { Kysely } from "kysely";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { preferencesToken, readUnsubscribeToken } from "~/lib/subscriber-links.server";
import { inspectUnsubscribe, unsubscribeFromCampaign } from "~/models/subscribers.server";
import type { DB } from "../../db/schema";

// The List-Unsubscribe link of every bulk email (RFC 8058). A mail provider POSTs to it from
// its own servers, with no cookies and no Origin, when the reader presses "Unsubscribe" in
// their mail client; our page's button POSTs to it too. GET only shows the button: mail
// scanners open links, and must not unsubscribe anyone.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

function notFound(): never {
  throw data({ messageKey: "notFound.body" }, { status: 404, headers: noStore });
}

/** Who leaves which campaign, from the signed token; a 404 for a forged token or an unknown campaign. */
async function target(request: Request, secret: string, token: string, db: Kysely<DB>) {
  const link = readUnsubscribeToken(secret, token);
  if (!link) notFound();
  const locale = await getLocale(request);
  const found = await inspectUnsubscribe(db, link.subscriberId, link.campaignId, locale);
  if (!found) notFound();
  return {
    ...found,
    preferencesPath: found.hasPreferences ? `/preferences/${preferencesToken(secret, link.subscriberId)}?lang=${locale}` : null,
    link,
  };
}

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const { campaignTitle, following, preferencesPath } = await target(request, env.SESSION_SECRET, params.token ?? "", db);
  return data({ campaignTitle, following, preferencesPath }, { headers: noStore });
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, env } = context.services;
  // The body is not read: RFC 8058 says it is "List-Unsubscribe=One-Click", but the signed
  // token alone says who leaves what, and a sender that posts something else (or nothing)
  // must not keep someone subscribed. The HTTP layer drops an unread body.
  const { link } = await target(request, env.SESSION_SECRET, params.token ?? "", db);
  await unsubscribeFromCampaign(db, link.subscriberId, link.campaignId);
  return data({ unsubscribed: true }, { status: 200, headers: noStore });
});

export default function Unsubscribe() {
  const { campaignTitle, following, preferencesPath } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const title = campaignTitle;
  return (
    <section className="panel narrow" aria-live="polite">
      <h1>{t("unsubscribe.title")}</h1>
      {result?.unsubscribed ? (
        <p role="status">{t("unsubscribe.done", { title })}</p>
      ) : following ? (
        <Form method="post">
          <p>{t("unsubscribe.body", { title })}</p>
          <button type="submit" className="button-primary">
            {t("unsubscribe.submit")}
          </button>
        </Form>
      ) : (
        <p role="status">{t("unsubscribe.already", { title })}</p>
      )}
      {preferencesPath ? (
        <p>
          <Link to={preferencesPath}>{t("unsubscribe.preferences")}</Link>
        </p>
      ) : null}
    </section>
  );
}
