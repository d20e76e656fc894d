import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { field, guard, readForm } from "~/lib/http.server";
import { getPublicPetitionById } from "~/models/petitions.server";
import { confirmSignature, inspectConfirmationToken, resendConfirmation } from "~/models/signatures.server";

// GET only shows a button: mail scanners that open links must not confirm on the signer's behalf.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const found = await inspectConfirmationToken(db, params.token ?? "");
  if (found.state === "invalid") return data({ state: "invalid" as const, petition: null }, { status: 404, headers: noStore });
  const petition = await getPublicPetitionById(db, found.petitionId, await getLocale(request));
  return data(
    { state: found.state, petition: petition ? { slug: petition.slug, title: petition.title } : null },
    { headers: noStore },
  );
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, jobs, counts } = context.services;
  const form = await readForm(request);
  const token = params.token ?? "";
  if (field(form, "intent") === "resend") {
    await resendConfirmation(db, token);
    jobs?.wake();
    return data({ outcome: "resent" as const, count: null }, { headers: noStore });
  }
  const outcome = await confirmSignature(db, token);
  const found = await inspectConfirmationToken(db, token);
  if (found.state === "invalid") return data({ outcome, count: null }, { status: 404, headers: noStore });
  counts.invalidate(found.petitionId);
  const count = await counts.get(found.petitionId);
  return data({ outcome, count }, { headers: noStore });
});

export default function Confirm() {
  const { state, petition } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const outcome = result?.outcome ?? (state === "confirmed" ? "already-confirmed" : state);
  const title = petition?.title ?? "";
  return (
    <section className="panel confirm" aria-live="polite">
      <h1>{t("confirm.title")}</h1>
      {outcome === "pending" ? (
        <Form method="post">
          <p>{t("confirm.body", { title })}</p>
          <button type="submit" className="button-primary">
            {t("confirm.submit")}
          </button>
        </Form>
      ) : null}
      {outcome === "confirmed" ? <p role="status">{t("confirm.done")}</p> : null}
      {outcome === "already-confirmed" ? <p role="status">{t("confirm.already")}</p> : null}
      {outcome === "expired" ? (
        <Form method="post">
          <p>{t("confirm.expired")}</p>
          <button type="submit" name="intent" value="resend" className="button-secondary">
            {t("confirm.resend")}
          </button>
        </Form>
      ) : null}
      {outcome === "resent" ? <p role="status">{t("confirm.resent")}</p> : null}
      {outcome === "invalid" ? <p role="alert">{t("confirm.invalid")}</p> : null}
      {result?.count != null && petition ? <p className="confirm-count">{t("confirm.count", { title, count: result.count })}</p> : null}
      {petition ? (
        <p>
          <Link to={`/petitions/${petition.slug}`}>{t("thanks.back")}</Link>
        </p>
      ) : null}
    </section>
  );
}
