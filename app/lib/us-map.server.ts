import { createRequire } from "node:module";
import { geoAlbersUsa, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";

/** The states, DC and Puerto Rico as signatures record them (USPS code) and as us-atlas names them (FIPS id). */
export const US_STATES: readonly { abbr: string; fips: string; name: string }[] = [
  { abbr: "AL", fips: "01", name: "Alabama" },
  { abbr: "AK", fips: "02", name: "Alaska" },
  { abbr: "AZ", fips: "04", name: "Arizona" },
  { abbr: "AR", fips: "05", name: "Arkansas" },
  { abbr: "CA", fips: "06", name: "California" },
  { abbr: "CO", fips: "08", name: "Colorado" },
  { abbr: "CT", fips: "09", name: "Connecticut" },
  { abbr: "DE", fips: "10", name: "Delaware" },
  { abbr: "DC", fips: "11", name: "District of Columbia" },
  { abbr: "FL", fips: "12", name: "Florida" },
  { abbr: "GA", fips: "13", name: "Georgia" },
  { abbr: "HI", fips: "15", name: "Hawaii" },
  { abbr: "ID", fips: "16", name: "Idaho" },
  { abbr: "IL", fips: "17", name: "Illinois" },
  { abbr: "IN", fips: "18", name: "Indiana" },
  { abbr: "IA", fips: "19", name: "Iowa" },
  { abbr: "KS", fips: "20", name: "Kansas" },
  { abbr: "KY", fips: "21", name: "Kentucky" },
  { abbr: "LA", fips: "22", name: "Louisiana" },
  { abbr: "ME", fips: "23", name: "Maine" },
  { abbr: "MD", fips: "24", name: "Maryland" },
  { abbr: "MA", fips: "25", name: "Massachusetts" },
  { abbr: "MI", fips: "26", name: "Michigan" },
  { abbr: "MN", fips: "27", name: "Minnesota" },
  { abbr: "MS", fips: "28", name: "Mississippi" },
  { abbr: "MO", fips: "29", name: "Missouri" },
  { abbr: "MT", fips: "30", name: "Montana" },
  { abbr: "NE", fips: "31", name: "Nebraska" },
  { abbr: "NV", fips: "32", name: "Nevada" },
  { abbr: "NH", fips: "33", name: "New Hampshire" },
  { abbr: "NJ", fips: "34", name: "New Jersey" },
  { abbr: "NM", fips: "35", name: "New Mexico" },
  { abbr: "NY", fips: "36", name: "New York" },
  { abbr: "NC", fips: "37", name: "North Carolina" },
  { abbr: "ND", fips: "38", name: "North Dakota" },
  { abbr: "OH", fips: "39", name: "Ohio" },
  { abbr: "OK", fips: "40", name: "Oklahoma" },
  { abbr: "OR", fips: "41", name: "Oregon" },
  { abbr: "PA", fips: "42", name: "Pennsylvania" },
  { abbr: "RI", fips: "44", name: "Rhode Island" },
  { abbr: "SC", fips: "45", name: "South Carolina" },
  { abbr: "SD", fips: "46", name: "South Dakota" },
  { abbr: "TN", fips: "47", name: "Tennessee" },
  { abbr: "TX", fips: "48", name: "Texas" },
  { abbr: "UT", fips: "49", name: "Utah" },
  { abbr: "VT", fips: "50", name: "Vermont" },
  { abbr: "VA", fips: "51", name: "Virginia" },
  { abbr: "WA", fips: "53", name: "Washington" },
  { abbr: "WV", fips: "54", name: "West Virginia" },
  { abbr: "WI", fips: "55", name: "Wisconsin" },
  { abbr: "WY", fips: "56", name: "Wyoming" },
  { abbr: "PR", fips: "72", name: "Puerto Rico" },
];

const BY_ABBR = new Map(US_STATES.map((s) => [s.abbr, s]));

/** A state's name from its USPS code; the code itself when it is not one we know. */
export function stateName(abbr: string): string {
  return BY_ABBR.get(abbr.toUpperCase())?.name ?? abbr;
}

export const MAP_WIDTH = 975;
export const MAP_HEIGHT = 610;

interface StateShape {
  abbr: string;
  name: string;
  d: string;
}

let shapes: StateShape[] | null = null;

/**
 * SVG path strings of the 50 states and DC, projected once per process with
 * geoAlbersUsa (Alaska and Hawaii inset) to fit MAP_WIDTH × MAP_HEIGHT.
 * Territories the projection does not cover (Puerto Rico, Guam…) have no
 * shape; their signatures still appear in the by-state table. Whole-pixel
 * precision: the paths travel in the page twice (markup and hydration data),
 * and at this size decimals add half the bytes and nothing visible.
 */
export function stateShapes(): readonly StateShape[] {
  if (shapes) return shapes;
  const topology = createRequire(import.meta.url)("us-atlas/states-10m.json") as Topology<{ states: GeometryCollection<{ name: string }> }>;
  const byFips = new Map(US_STATES.map((s) => [s.fips, s]));
  const collection = feature(topology, topology.objects.states);
  const drawable = collection.features.filter((f) => byFips.has(String(f.id)) && String(f.id) !== "72");
  const projection = geoAlbersUsa().fitExtent(
    [
      [4, 4],
      [MAP_WIDTH - 4, MAP_HEIGHT - 4],
    ],
    { type: "FeatureCollection", features: drawable },
  );
  const path = geoPath(projection).digits(0);
  shapes = drawable.flatMap((f) => {
    const state = byFips.get(String(f.id))!;
    const d = path(f);
    return d ? [{ abbr: state.abbr, name: state.name, d }] : [];
  });
  return shapes;
}

/** Number of shades above "none"; the component holds the palette. */
export const MAP_SHADES = 5;

export interface MapState extends StateShape {
  count: number;
  /** 0 (no signatures) … MAP_SHADES (the most). */
  shade: number;
}

export interface UsMapData {
  width: number;
  height: number;
  states: MapState[];
  legend: { label: string; shade: number }[];
  /** One sentence for screen readers: how many states, and the leaders. */
  summary: string;
}

/**
 * Class breaks for a choropleth: up to MAP_SHADES ranges at the quantiles of
 * the non-zero counts, so one huge state does not leave all others the same
 * pale shade. Returns each range's upper bound, ascending.
 */
export function classBreaks(counts: readonly number[]): number[] {
  const values = counts.filter((n) => n > 0).sort((a, b) => a - b);
  if (values.length === 0) return [];
  const classes = Math.min(MAP_SHADES, new Set(values).size);
  const uppers: number[] = [];
  for (let i = 1; i <= classes; i++) {
    const upper = values[Math.ceil((i * values.length) / classes) - 1];
    if (uppers.at(-1) !== upper) uppers.push(upper);
  }
  return uppers;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** The map's shapes with each state's count and shade, a legend, and a summary, from counts by USPS code. */
export function usMapData(countsByState: ReadonlyMap<string, number>): UsMapData {
  const base = stateShapes();
  const counts = base.map((s) => countsByState.get(s.abbr) ?? 0);
  const uppers = classBreaks(counts);
  // Spread few classes over the whole palette: one class is the darkest shade, not the palest.
  const shadeOf = (index: number) => Math.round(((index + 1) * MAP_SHADES) / uppers.length);
  const states = base.map((s, i) => {
    const count = counts[i];
    const index = uppers.findIndex((upper) => count <= upper);
    return { ...s, count, shade: count === 0 ? 0 : shadeOf(index) };
  });
  const legend = [{ label: "None", shade: 0 }];
  uppers.forEach((upper, i) => {
    const lower = i === 0 ? 1 : uppers[i - 1] + 1;
    legend.push({ label: lower === upper ? fmt(upper) : `${fmt(lower)}–${fmt(upper)}`, shade: shadeOf(i) });
  });
  const leaders = states
    .filter((s) => s.count > 0)
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, 3);
  const withSignatures = states.filter((s) => s.count > 0).length;
  const summary =
    withSignatures === 0
      ? "No confirmed signatures on the map yet."
      : `Confirmed signatures in ${withSignatures} ${withSignatures === 1 ? "state" : "states"}. Most: ${leaders
          .map((s) => `${s.name} ${fmt(s.count)}`)
          .join(", ")}.`;
  return { width: MAP_WIDTH, height: MAP_HEIGHT, states, legend, summary };
}
