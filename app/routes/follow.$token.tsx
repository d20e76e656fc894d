import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { field, guard, readForm } from "~/lib/http.server";
import { getPublicCampaignById } from "~/models/campaigns.server";
import { confirmFollow, inspectFollowToken, resendFollowConfirmation } from "~/models/follows.server";

// GET only shows a button: mail scanners that open links must not confirm on the person's behalf.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const found = await inspectFollowToken(db, params.token ?? "");
  if (found.state === "invalid") return data({ state: "invalid" as const, campaign: null }, { status: 404, headers: noStore });
  const campaign = await getPublicCampaignById(db, found.campaignId, await getLocale(request));
  return data({ state: found.state, campaign: campaign ? { slug: campaign.slug, title: campaign.title } : null }, { headers: noStore });
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, jobs } = context.services;
  const form = await readForm(request);
  const token = params.token ?? "";
  if (field(form, "intent") === "resend") {
    await resendFollowConfirmation(db, token);
    jobs?.wake();
    return data({ outcome: "resent" as const }, { headers: noStore });
  }
  const outcome = await confirmFollow(db, token);
  return data({ outcome }, { status: outcome === "invalid" ? 404 : 200, headers: noStore });
});

export default function ConfirmFollow() {
  const { state, campaign } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const outcome = result?.outcome ?? (state === "confirmed" ? "already-confirmed" : state);
  const title = campaign?.title ?? "";
  return (
    <section className="panel confirm follow-confirm" aria-live="polite">
      <h1>{t("followConfirm.title")}</h1>
      {outcome === "pending" ? (
        <Form method="post">
          <p>{t("followConfirm.body", { title })}</p>
          <button type="submit" className="button-primary">
            {t("followConfirm.submit")}
          </button>
        </Form>
      ) : null}
      {outcome === "confirmed" ? <p role="status">{t("followConfirm.done", { title })}</p> : null}
      {outcome === "already-confirmed" ? <p role="status">{t("followConfirm.already")}</p> : null}
      {outcome === "unsubscribed" ? <p role="status">{t("followConfirm.unsubscribed")}</p> : null}
      {outcome === "expired" ? (
        <Form method="post">
          <p>{t("followConfirm.expired")}</p>
          <button type="submit" name="intent" value="resend" className="button-secondary">
            {t("followConfirm.resend")}
          </button>
        </Form>
      ) : null}
      {outcome === "resent" ? <p role="status">{t("followConfirm.resent")}</p> : null}
      {outcome === "invalid" ? <p role="alert">{t("followConfirm.invalid")}</p> : null}
      {campaign ? (
        <p>
          <Link to={`/campaigns/${campaign.slug}`}>{t("followConfirm.back")}</Link>
        </p>
      ) : null}
    </section>
  );
}
