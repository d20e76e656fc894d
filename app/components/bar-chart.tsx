export interface Bar {
  /** Full label, for the tooltip and the data table ("Nov 25, 14:00 UTC"). */
  label: string;
  /** Short label under the axis, or undefined for no tick. */
  tick?: string;
  /** A tick dropped on narrow screens, where every label would overlap its neighbours. */
  minor?: boolean;
  /** The bar's full height. */
  total: number;
  /** The part of it drawn dark (≤ total). */
  part: number;
}

interface Props {
  title: string;
  bars: Bar[];
  totalLabel: string;
  partLabel: string;
  /** Heading of the first column of the data table. */
  periodLabel: string;
}

const WIDTH = 640;
const HEIGHT = 220;
const M = { top: 12, right: 8, bottom: 28, left: 56 };
const TOTAL_FILL = "#e8c9cd";
const PART_FILL = "#8a1c2b";

/** The smallest of 1, 2, 5 × 10^k at or above n (at least 1), so gridlines land on round numbers. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

const fmt = (n: number) => n.toLocaleString("en-US");
/** One decimal is plenty in a 640-unit-wide drawing. */
const r = (n: number) => Math.round(n * 10) / 10;

/**
 * A bar chart as plain SVG, drawn on the server: each bar's total in a light
 * shade with the `part` of it in the dark one. Screen readers get a one-line
 * summary; everyone can open the numbers as a table.
 */
export function BarChart({ title, bars, totalLabel, partLabel, periodLabel }: Props) {
  const max = niceCeiling(Math.max(0, ...bars.map((b) => b.total)));
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const step = plotW / Math.max(1, bars.length);
  const barW = r(Math.max(1, step * 0.8));
  const y = (v: number) => r(M.top + plotH - (v / max) * plotH);
  const ticks = max % 2 === 0 ? [0, max / 2, max] : [0, max];
  // A label under the first or last bar would stick out of the drawing if centred.
  const anchor = (cx: number) => (cx < M.left + 30 ? "start" : cx > WIDTH - M.right - 30 ? "end" : "middle");
  const sum = bars.reduce((s, b) => s + b.total, 0);
  const sumPart = bars.reduce((s, b) => s + b.part, 0);
  const peak = bars.reduce<Bar | null>((best, b) => (b.total > (best?.total ?? 0) ? b : best), null);
  const summary =
    sum === 0
      ? `${title}: none in this period.`
      : `${title}: ${fmt(sum)} ${totalLabel.toLowerCase()}, ${fmt(sumPart)} ${partLabel.toLowerCase()}; busiest ${peak!.label} with ${fmt(peak!.total)}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} className="chart-svg">
        <title>{title}</title>
        <desc>{summary}</desc>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={M.left} x2={WIDTH - M.right} y1={y(v)} y2={y(v)} stroke="#d6d2c8" strokeWidth={1} />
            <text x={M.left - 6} y={y(v) + 4} textAnchor="end" className="chart-label">
              {fmt(v)}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const x = r(M.left + i * step + (step - barW) / 2);
          return (
            <g key={b.label}>
              <title>{`${b.label}: ${fmt(b.total)} ${totalLabel.toLowerCase()}, ${fmt(b.part)} ${partLabel.toLowerCase()}`}</title>
              {b.total > 0 ? <rect x={x} y={y(b.total)} width={barW} height={y(0) - y(b.total)} fill={TOTAL_FILL} /> : null}
              {b.part > 0 ? <rect x={x} y={y(b.part)} width={barW} height={y(0) - y(b.part)} fill={PART_FILL} /> : null}
              {b.tick ? (
                <text x={r(x + barW / 2)} y={HEIGHT - 8} textAnchor={anchor(x + barW / 2)} className={b.minor ? "chart-label chart-label-minor" : "chart-label"}>
                  {b.tick}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        <span>
          <svg viewBox="0 0 10 10" width="12" height="12" aria-hidden="true">
            <rect width="10" height="10" fill={PART_FILL} />
          </svg>{" "}
          {partLabel}
        </span>{" "}
        <span>
          <svg viewBox="0 0 10 10" width="12" height="12" aria-hidden="true">
            <rect width="10" height="10" fill={TOTAL_FILL} />
          </svg>{" "}
          {totalLabel}
        </span>
      </figcaption>
      <details>
        <summary>{title} as a table</summary>
        <div className="table-scroll" role="region" tabIndex={0} aria-label={`${title}: data`}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{periodLabel}</th>
                <th scope="col">{totalLabel}</th>
                <th scope="col">{partLabel}</th>
              </tr>
            </thead>
            <tbody>
              {bars.map((b) => (
                <tr key={b.label}>
                  <th scope="row">{b.label}</th>
                  <td>{fmt(b.total)}</td>
                  <td>{fmt(b.part)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
