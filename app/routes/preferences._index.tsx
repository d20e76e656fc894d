import { data, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { isMessageKey } from "~/i18n/i18n";
import { useT } from "~/i18n/use-t";
import { field, guard, readForm } from "~/lib/http.server";
import { requestPreferencesLink } from "~/models/subscribers.server";
import { parsePreferencesLinkRequest } from "~/validation/preferences.server";

// For someone without an email from us at hand, or whose links stopped working (a new
// SESSION_SECRET retires them): a fresh preferences link goes to the address, never to the page.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store" };

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const { db, jobs } = context.services;
  const form = await readForm(request);
  const parsed = parsePreferencesLinkRequest(form);
  if (!parsed.ok) {
    const messageKey = isMessageKey(parsed.messageKey) ? parsed.messageKey : "errors.email.invalid";
    return data({ sent: false as const, messageKey, email: (field(form, "email") ?? "").slice(0, 254) }, { status: 422, headers: noStore });
  }
  // Whether anything was queued stays here: the page must read the same for a known and an
  // unknown address, or the form would tell anyone whether an address follows something.
  if (await requestPreferencesLink(db, parsed.email)) jobs?.wake();
  return data({ sent: true as const, messageKey: null, email: "" }, { headers: noStore });
});

export default function PreferencesRequest() {
  const result = useActionData<typeof action>();
  const t = useT();
  const error = result && !result.sent ? result.messageKey : null;
  return (
    <section className="panel narrow">
      <h1>{t("preferencesRequest.title")}</h1>
      {result?.sent ? (
        <p role="status">{t("preferencesRequest.sent")}</p>
      ) : (
        <Form method="post" noValidate>
          <p>{t("preferencesRequest.intro")}</p>
          <div className="field">
            <label htmlFor="email">{t("preferencesRequest.email")}</label>
            {error ? (
              <p id="email-error" className="field-error">
                {t(error)}
              </p>
            ) : null}
            <input
              id="email"
              name="email"
              type="email"
              autoComplete="email"
              required
              defaultValue={result?.email ?? ""}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "email-error" : undefined}
            />
          </div>
          <button type="submit" className="button-primary">
            {t("preferencesRequest.submit")}
          </button>
        </Form>
      )}
    </section>
  );
}
