import type { Locale } from "../../db/schema";
import { MESSAGES, type MessageKey } from "./messages";

export type { MessageKey };
export const DEFAULT_LOCALE: Locale = "en";

export function isLocale(value: unknown): value is Locale {
  return value === "en" || value === "es";
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const translators = new Map<Locale, Translate>();

/** A translator for one locale; numbers are formatted for that locale. Made once per locale (Intl formatters are costly). */
export function translator(locale: Locale): Translate {
  let translate = translators.get(locale);
  if (!translate) {
    translate = makeTranslator(locale);
    translators.set(locale, translate);
  }
  return translate;
}

function makeTranslator(locale: Locale): Translate {
  const messages = MESSAGES[locale];
  const numbers = new Intl.NumberFormat(locale === "es" ? "es-US" : "en-US");
  return (key, vars) => {
    const template = messages[key] ?? MESSAGES.en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) return whole;
      return typeof value === "number" ? numbers.format(value) : value;
    });
  };
}

/** Whether a string is one of our message keys (validation errors carry keys). */
export function isMessageKey(key: string): key is MessageKey {
  return key in MESSAGES.en;
}
