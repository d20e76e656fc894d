import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/i18n/i18n";
import { localeCookie } from "~/i18n/locale.server";
import { badRequest, field, isLocalPath, readForm } from "~/lib/http.server";

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const locale = field(form, "locale");
  if (!isLocale(locale)) throw badRequest(400, "errors.badRequest");
  const returnTo = field(form, "returnTo");
  return redirect(isLocalPath(returnTo) ? returnTo : "/", {
    headers: { "Set-Cookie": await localeCookie.serialize(locale) },
  });
}

export async function loader() {
  return redirect("/");
}
