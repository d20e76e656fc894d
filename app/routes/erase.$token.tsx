import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { useT } from "~/i18n/use-t";
import { guard } from "~/lib/http.server";
import { eraseWithToken, inspectErasureToken } from "~/models/erasure.server";

// The link in the "delete my data" email. GET only shows a button (mail scanners open
// links); the POST erases and uses the link up. A used, expired or forged link is a 404.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

// Not thrown: after a successful POST the loader runs again and finds the link used up,
// and the page must then show "deleted" (the action's answer), not a 404.
export const loader = /* @__PURE__ */ guard(async ({ params, context }: LoaderFunctionArgs) => {
  const found = await inspectErasureToken(context.services.db, params.token ?? "");
  return data({ valid: found !== null }, { status: found ? 200 : 404, headers: noStore });
});

// In the browser, the POST's answer says what happened; reloading the used-up link's data would only fetch a 404.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod === "POST" ? false : defaultShouldRevalidate;

export const action = /* @__PURE__ */ guard(async ({ params, context }: ActionFunctionArgs) => {
  const erased = await eraseWithToken(context.services.db, params.token ?? "");
  return data({ erased }, { status: erased ? 200 : 404, headers: noStore });
});

export default function Erase() {
  const { valid } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <section className="panel narrow" aria-live="polite">
      <h1>{t("erase.title")}</h1>
      {result?.erased ? (
        <p role="status">{t("erase.done")}</p>
      ) : valid && !result ? (
        <Form method="post">
          <p>{t("preferences.erase.body")}</p>
          <p>
            <strong>{t("erase.warning")}</strong>
          </p>
          <button type="submit" className="button-primary">
            {t("erase.submit")}
          </button>
        </Form>
      ) : (
        <>
          <p role="alert">{t("erase.invalid")}</p>
          <p>
            <Link to="/preferences">{t("erase.ask")}</Link>
          </p>
        </>
      )}
    </section>
  );
}
