import { createCookie } from "@remix-run/node";
import type { Locale } from "../../db/schema";
import { DEFAULT_LOCALE, isLocale } from "./i18n";

// Not signed: it holds only "en" or "es", and anything else is ignored.
export const localeCookie = createCookie("lang", {
  path: "/",
  sameSite: "lax",
  httpOnly: true,
  maxAge: 60 * 60 * 24 * 365,
});

/**
 * `?lang=` (links in emails and shares carry it), else the language switcher's
 * choice (cookie), else the best of Accept-Language, else English.
 */
export async function getLocale(request: Request): Promise<Locale> {
  const fromQuery = new URL(request.url).searchParams.get("lang");
  if (isLocale(fromQuery)) return fromQuery;
  return localeFromHeaders(request.headers.get("Cookie"), request.headers.get("Accept-Language"));
}

/** getLocale for a URL without `?lang=`, from the request's Cookie and Accept-Language headers. */
export async function localeFromHeaders(cookie: string | null | undefined, acceptLanguage: string | null | undefined): Promise<Locale> {
  const fromCookie = await localeCookie.parse(cookie ?? null).catch(() => null);
  if (isLocale(fromCookie)) return fromCookie;
  return localeFromAcceptLanguage(acceptLanguage ?? null);
}

export function localeFromAcceptLanguage(header: string | null): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranked = header
    .split(",")
    .map((part) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split("-")[0], q: q ? Number(q) : 1 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  const best = ranked.find((entry) => isLocale(entry.lang));
  return best && isLocale(best.lang) ? best.lang : DEFAULT_LOCALE;
}
