import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getLocale } from "~/i18n/locale.server";
import { useT } from "~/i18n/use-t";
import { badRequest, guard, readForm } from "~/lib/http.server";
import { readPreferencesToken } from "~/lib/subscriber-links.server";
import { requestErasure } from "~/models/erasure.server";
import {
  getSubscriberPreferences,
  resumeFollowing,
  setSubscriberLocale,
  unsubscribeFromAll,
  unsubscribeFromCampaign,
} from "~/models/subscribers.server";
import { isMessageKey } from "~/i18n/i18n";
import { parsePreferencesAction } from "~/validation/preferences.server";

// A person's page for the emails they get, linked from every email. The signed token in
// the URL is the only key (no account), so the page shows no address or name: a link
// forwarded along with an update gives away what the person follows, and nothing more.

export const meta: MetaFunction = () => [{ title: "Sanctuary" }, { name: "robots", content: "noindex" }];

const noStore = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

function notFound(): never {
  throw data({ messageKey: "notFound.body" }, { status: 404, headers: noStore });
}

function subscriberOf(secret: string, token: string): number {
  const link = readPreferencesToken(secret, token);
  if (!link) notFound();
  return link.subscriberId;
}

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const subscriberId = subscriberOf(env.SESSION_SECRET, params.token ?? "");
  const preferences = await getSubscriberPreferences(db, subscriberId, await getLocale(request));
  if (!preferences) notFound();
  const { locale, status, follows } = preferences;
  return data({ locale, undeliverable: status === "undeliverable", follows }, { headers: noStore });
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, env, jobs } = context.services;
  const token = params.token ?? "";
  const subscriberId = subscriberOf(env.SESSION_SECRET, token);
  const parsed = parsePreferencesAction(await readForm(request));
  if (!parsed.ok) throw badRequest(400, isMessageKey(parsed.messageKey) ? parsed.messageKey : "errors.badRequest");
  if (!(await getSubscriberPreferences(db, subscriberId, "en"))) notFound();
  const done = (outcome: "saved" | "stoppedAll" | "eraseSent") => data({ outcome }, { headers: noStore });
  const choice = parsed.data;
  switch (choice.intent) {
    case "stop":
      await unsubscribeFromCampaign(db, subscriberId, choice.campaignId);
      return done("saved");
    case "resume":
      await resumeFollowing(db, subscriberId, choice.campaignId);
      return done("saved");
    case "stopAll":
      await unsubscribeFromAll(db, subscriberId);
      return done("stoppedAll");
    case "locale":
      await setSubscriberLocale(db, subscriberId, choice.locale);
      // Show the page in the language just chosen for the emails.
      return redirect(`/preferences/${token}?lang=${choice.locale}`, { headers: noStore });
    case "erase":
      // Queued or not (the budget is spent), the page says the same.
      await requestErasure(db, subscriberId);
      jobs?.wake();
      return done("eraseSent");
  }
});

export default function Preferences() {
  const { locale, undeliverable, follows } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const outcome = result?.outcome;
  const anyOn = follows.some((f) => f.status !== "unsubscribed");
  return (
    <section className="panel narrow">
      <h1>{t("preferences.title")}</h1>
      <div aria-live="polite">
        {outcome === "saved" ? <p role="status">{t("preferences.saved")}</p> : null}
        {outcome === "stoppedAll" ? <p role="status">{t("preferences.stoppedAll")}</p> : null}
      </div>
      {undeliverable ? <p className="notice">{t("preferences.undeliverable")}</p> : null}

      <p>{t("preferences.intro")}</p>
      {follows.length === 0 ? (
        <p>{t("preferences.none")}</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("preferences.campaign")}</th>
                <th scope="col">{t("preferences.state")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("preferences.stop")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {follows.map((follow) => (
                <tr key={follow.campaignId}>
                  <td>
                    <Link to={`/campaigns/${follow.slug}`}>{follow.title}</Link>
                  </td>
                  <td>{t(`preferences.status.${follow.status}`)}</td>
                  <td>
                    {follow.status !== "unsubscribed" ? (
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="campaignId" value={follow.campaignId} />
                        <button
                          type="submit"
                          name="intent"
                          value="stop"
                          className="button-secondary"
                          aria-label={t("preferences.stopLabel", { title: follow.title })}
                        >
                          {t("preferences.stop")}
                        </button>
                      </Form>
                    ) : follow.canResume ? (
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="campaignId" value={follow.campaignId} />
                        <button
                          type="submit"
                          name="intent"
                          value="resume"
                          className="button-secondary"
                          aria-label={t("preferences.resumeLabel", { title: follow.title })}
                        >
                          {t("preferences.resume")}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {anyOn ? (
        <Form method="post">
          <p className="hint">{t("preferences.stopAllHint")}</p>
          <button type="submit" name="intent" value="stopAll" className="button-secondary">
            {t("preferences.stopAll")}
          </button>
        </Form>
      ) : null}

      <h2>{t("preferences.language")}</h2>
      <Form method="post" className="inline-form">
        <label htmlFor="locale" className="visually-hidden">
          {t("preferences.language")}
        </label>
        <select id="locale" name="locale" defaultValue={locale}>
          <option value="en" lang="en">
            {t("lang.en")}
          </option>
          <option value="es" lang="es">
            {t("lang.es")}
          </option>
        </select>{" "}
        <button type="submit" name="intent" value="locale" className="button-secondary">
          {t("preferences.languageSubmit")}
        </button>
      </Form>

      <h2>{t("preferences.erase.title")}</h2>
      <p>{t("preferences.erase.body")}</p>
      {outcome === "eraseSent" ? (
        <p role="status">{t("preferences.erase.sent")}</p>
      ) : (
        <Form method="post">
          <button type="submit" name="intent" value="erase" className="button-secondary">
            {t("preferences.erase.submit")}
          </button>
        </Form>
      )}
    </section>
  );
}
