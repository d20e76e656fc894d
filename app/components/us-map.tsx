/** The map as the server prepared it (usMapData in app/lib/us-map.server.ts). */
export interface UsMapProps {
  width: number;
  height: number;
  states: { abbr: string; name: string; d: string; count: number; shade: number }[];
  legend: { label: string; shade: number }[];
  summary: string;
  title: string;
}

/** Shade 0 (none) to 5 (the most), light to dark in the site's accent colour. */
const SHADES = ["#ece9e2", "#f4d3d0", "#e3a0a3", "#c9646f", "#a3303f", "#5e0f1b"];

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * A choropleth of the United States as inline SVG: no client JavaScript, and
 * it scales with its viewBox. Hovering a state shows its name and count; the
 * by-state table beside it holds the same numbers for everyone.
 */
export function UsMap({ width, height, states, legend, summary, title }: UsMapProps) {
  return (
    <figure className="us-map">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}. ${summary}`} className="us-map-svg">
        <title>{title}</title>
        <desc>{summary}</desc>
        {states.map((s) => (
          <path key={s.abbr} d={s.d} fill={SHADES[s.shade] ?? SHADES[0]} stroke="#ffffff" strokeWidth={0.75} data-state={s.abbr}>
            <title>{`${s.name}: ${fmt(s.count)}`}</title>
          </path>
        ))}
      </svg>
      <figcaption>
        <ul className="map-legend" aria-label="Legend: confirmed signatures">
          {legend.map((entry) => (
            <li key={entry.label}>
              <svg viewBox="0 0 10 10" width="14" height="14" aria-hidden="true">
                <rect width="10" height="10" fill={SHADES[entry.shade] ?? SHADES[0]} stroke="#4a4a55" strokeWidth={0.5} />
              </svg>{" "}
              {entry.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
