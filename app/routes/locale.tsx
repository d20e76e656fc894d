import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/i18n/i18n";
import { localeCookie } from "~/i18n/locale.server";
import { badRequest, field, readForm } from "~/lib/http.server";

/**
 * Only a path on this site: never an open redirect to another host. Printable
 * ASCII only, because browsers drop tabs and newlines ("/\t/evil" reads as
 * "//evil") and a control character cannot go in a Location header anyway.
 */
function safeReturnTo(value: string | undefined): string {
  if (!value || value.length > 500 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return "/";
  return value;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const locale = field(form, "locale");
  if (!isLocale(locale)) throw badRequest(400, "errors.badRequest");
  return redirect(safeReturnTo(field(form, "returnTo")), {
    headers: { "Set-Cookie": await localeCookie.serialize(locale) },
  });
}

export async function loader() {
  return redirect("/");
}
