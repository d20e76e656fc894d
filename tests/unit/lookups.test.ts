import { describe, expect, it } from "vitest";
import { normalizeEmail } from "~/lib/email-normalize";
import { lookupZip } from "~/lib/zip.server";
import { localeFromAcceptLanguage } from "~/i18n/locale.server";
import { translator } from "~/i18n/i18n";
import { MESSAGES } from "~/i18n/messages";

describe("ZIP lookup", () => {
  it("finds city, county and state", () => {
    expect(lookupZip("94110")).toEqual({ zip5: "94110", city: "San Francisco", county: "City and County of San Francisco", state: "CA" });
    expect(lookupZip("60614-1234")).toMatchObject({ zip5: "60614", city: "Chicago", state: "IL" });
  });
  it("gives nulls for an unknown ZIP", () => {
    expect(lookupZip("00000")).toEqual({ zip5: "00000", city: null, county: null, state: null });
  });
});

describe("email normalization", () => {
  it("folds case and surrounding space", () => {
    expect(normalizeEmail("  Ana.Lopez@Example.COM ")).toBe("ana.lopez@example.com");
  });
  it("removes Gmail's ignored dots and +tags, and treats googlemail as gmail", () => {
    expect(normalizeEmail("Ana.Lopez+petitions@gmail.com")).toBe("analopez@gmail.com");
    expect(normalizeEmail("ana.lopez@googlemail.com")).toBe("analopez@gmail.com");
  });
  it("keeps dots and tags elsewhere, where they may matter", () => {
    expect(normalizeEmail("ana.lopez+x@example.org")).toBe("ana.lopez+x@example.org");
  });
});

describe("language", () => {
  it("picks Spanish or English from Accept-Language by quality", () => {
    expect(localeFromAcceptLanguage("es-MX,es;q=0.9,en;q=0.8")).toBe("es");
    expect(localeFromAcceptLanguage("fr-FR,es;q=0.5,en;q=0.9")).toBe("en");
    expect(localeFromAcceptLanguage("fr-FR,es;q=0.5")).toBe("es");
    expect(localeFromAcceptLanguage("de")).toBe("en");
    expect(localeFromAcceptLanguage(null)).toBe("en");
    expect(localeFromAcceptLanguage("es;q=0")).toBe("en");
  });
  it("has every English message in Spanish too, translated", () => {
    const english = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES.es).sort()).toEqual(english);
    const same = english.filter((key) => MESSAGES.es[key as keyof typeof MESSAGES.es] === MESSAGES.en[key as keyof typeof MESSAGES.en]);
    expect(same.filter((key) => !key.startsWith("lang.") && key !== "site.name")).toEqual([]);
  });
  it("formats numbers for the language", () => {
    expect(translator("en")("petition.signatures", { count: 12345 })).toBe("12,345 signatures");
    expect(translator("es")("petition.signatures", { count: 12345 })).toMatch(/^12[.,\s]?345 firmas$/);
  });
});
