import { useRouteLoaderData } from "@remix-run/react";
import { useMemo } from "react";
import type { Locale } from "../../db/schema";
import { DEFAULT_LOCALE, translator } from "./i18n";

/** The page's locale, from the root loader (English when the root loader failed). */
export function useLocale(): Locale {
  const root = useRouteLoaderData("root") as { locale?: Locale } | undefined;
  return root?.locale ?? DEFAULT_LOCALE;
}

export function useT() {
  const locale = useLocale();
  return useMemo(() => translator(locale), [locale]);
}
