import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { BarChart, type Bar } from "~/components/bar-chart";
import { UsMap } from "~/components/us-map";
import { can, requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { stateName, usMapData } from "~/lib/us-map.server";
import { requirePetition } from "~/models/admin-petitions.server";
import { getPetitionStats, type TimeBucket } from "~/models/petition-stats.server";

// A petition's numbers. Viewers and up: aggregates only, never a signer's name,
// email address or comment.

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Numbers: ${data.petition.title} · Sanctuary` : "Numbers · Sanctuary" },
  { name: "robots", content: "noindex" },
];

export const loader = /* @__PURE__ */ guard(async ({ request, context, params }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db } = context.services;
  const petition = await requirePetition(db, organizer, params.slug ?? "", "viewer");
  const stats = await getPetitionStats(db, petition);
  const counts = new Map(stats.byState.flatMap((row) => (row.state ? [[row.state, row.confirmed] as const] : [])));
  return {
    petition: { slug: petition.slug, title: petition.title, status: petition.status, goal: petition.goal },
    canDeliver: can(organizer, petition.organizationId, "organizer"),
    stats: {
      ...stats,
      byState: stats.byState.slice(0, 20).map((row) => ({ ...row, name: row.state ? stateName(row.state) : null })),
      statesWithSignatures: stats.byState.filter((row) => row.state).length,
    },
    map: usMapData(counts),
  };
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const fmt = (n: number) => n.toLocaleString("en-US");
const pad = (n: number) => String(n).padStart(2, "0");
/** Dates as UTC text, the same on the server and in the browser (no hydration mismatch). */
const day = (d: Date) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
const hour = (d: Date) => `${pad(d.getUTCHours())}:00`;

function hourlyBars(buckets: TimeBucket[]): Bar[] {
  return buckets.map((b) => {
    const d = new Date(b.start);
    const h = d.getUTCHours();
    return {
      label: `${day(d)}, ${hour(d)} UTC`,
      tick: h % 6 === 0 ? (h === 0 ? day(d) : hour(d)) : undefined,
      minor: h % 12 !== 0,
      total: b.signed,
      part: b.confirmed,
    };
  });
}

function dailyBars(buckets: TimeBucket[]): Bar[] {
  return buckets.map((b, i) => {
    const d = new Date(b.start);
    const fromEnd = buckets.length - 1 - i;
    return { label: day(d), tick: fromEnd % 5 === 0 ? day(d) : undefined, minor: fromEnd % 10 !== 0, total: b.signed, part: b.confirmed };
  });
}

function percent(part: number, whole: number): string {
  if (whole === 0) return "–";
  const value = (part / whole) * 100;
  return `${value > 0 && value < 1 ? "<1" : Math.round(value)}%`;
}

function orNone(value: string | null): string {
  return value ?? "(none)";
}

export default function PetitionDashboard() {
  const { petition, canDeliver, stats, map } = useLoaderData<typeof loader>();
  const { totals } = stats;
  const generated = new Date(stats.generatedAt);
  return (
    <section className="dashboard">
      <p className="eyebrow">
        <Link to="/admin">Petitions</Link> ›
      </p>
      <h1>{petition.title}</h1>
      <nav className="subnav" aria-label="This petition">
        <Link to={`/admin/petitions/${petition.slug}`} aria-current="page">
          Numbers
        </Link>
        {canDeliver ? (
          <>
            <Link to={`/admin/petitions/${petition.slug}/deliveries`}>Delivery</Link>
            <Link to={`/admin/petitions/${petition.slug}/edit`}>Edit</Link>
            <Link to={`/admin/petitions/${petition.slug}/moderation`}>Moderation</Link>
            <a href={`/admin/petitions/${petition.slug}/export`}>Export CSV</a>
          </>
        ) : null}
      </nav>
      <p className="hint">
        Status: {petition.status}. Figures as of {day(generated)}, {pad(generated.getUTCHours())}:{pad(generated.getUTCMinutes())} UTC.
      </p>

      <h2 id="totals">Totals</h2>
      <dl className="stat-grid" aria-labelledby="totals">
        <div className="stat">
          <dt>Confirmed</dt>
          <dd data-stat="confirmed">{fmt(totals.confirmed)}</dd>
          <dd className="hint">
            {petition.goal > 0 ? `${percent(totals.confirmed, petition.goal)} of the goal of ${fmt(petition.goal)}` : "These count"}
          </dd>
        </div>
        <div className="stat">
          <dt>Pending</dt>
          <dd data-stat="pending">{fmt(totals.pending)}</dd>
          <dd className="hint">Waiting for the signer to confirm by email</dd>
        </div>
        <div className="stat">
          <dt>Confirmation rate</dt>
          <dd data-stat="rate">{totals.confirmationRate === null ? "–" : percent(totals.emailConfirmed, totals.signed)}</dd>
          <dd className="hint">
            {fmt(totals.emailConfirmed)} of {fmt(totals.signed)} signers confirmed their email
          </dd>
        </div>
        <div className="stat">
          <dt>Flagged</dt>
          <dd data-stat="flagged">{fmt(totals.flagged)}</dd>
          <dd className="hint">Over the signing rate limit: kept, not counted</dd>
        </div>
        {totals.invalidated > 0 ? (
          <div className="stat">
            <dt>Invalidated</dt>
            <dd data-stat="invalidated">{fmt(totals.invalidated)}</dd>
            <dd className="hint">Removed by an organizer</dd>
          </div>
        ) : null}
      </dl>

      <h2>Signatures over time</h2>
      <p className="hint">Signatures by when they were made (UTC); the dark part of each bar counts now.</p>
      <BarChart
        title="Signatures per hour, last 48 hours"
        bars={hourlyBars(stats.hourly)}
        totalLabel="Signed"
        partLabel="Confirmed"
        periodLabel="Hour"
      />
      <BarChart
        title="Signatures per day, last 30 days"
        bars={dailyBars(stats.daily)}
        totalLabel="Signed"
        partLabel="Confirmed"
        periodLabel="Day"
      />

      <h2>Where signers live</h2>
      <UsMap title="Confirmed signatures by state" {...map} />

      <div className="dashboard-columns">
        <div>
          <h3 id="by-state">By state</h3>
          {stats.byState.length === 0 ? (
            <p>No confirmed signatures yet.</p>
          ) : (
            <div className="table-scroll" role="region" tabIndex={0} aria-labelledby="by-state">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">State</th>
                    <th scope="col">Confirmed</th>
                    <th scope="col">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.byState.map((row) => (
                    <tr key={row.state ?? ""} data-state={row.state ?? ""}>
                      <th scope="row">{row.name ?? "Unknown ZIP"}</th>
                      <td>{fmt(row.confirmed)}</td>
                      <td>{percent(row.confirmed, totals.confirmed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {stats.statesWithSignatures > stats.byState.length ? (
            <p className="hint">Top 20 of {stats.statesWithSignatures} states; the map shows them all.</p>
          ) : null}
        </div>
        <div>
          <h3 id="by-city">By city (top 20)</h3>
          {stats.byCity.length === 0 ? (
            <p>No confirmed signatures yet.</p>
          ) : (
            <div className="table-scroll" role="region" tabIndex={0} aria-labelledby="by-city">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">City</th>
                    <th scope="col">State</th>
                    <th scope="col">Confirmed</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.byCity.map((row) => (
                    <tr key={`${row.city}|${row.state}`}>
                      <th scope="row">{row.city ?? "Unknown ZIP"}</th>
                      <td>{row.state ?? "–"}</td>
                      <td>{fmt(row.confirmed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>

      <h2>Where signers came from</h2>
      <p className="hint">
        From the link they signed through: <code>?source=</code> and <code>utm_*</code>. Invalidated signatures are left out.
      </p>
      <div>
        <div>
          <h3 id="by-source">By source</h3>
          {stats.bySource.length === 0 ? (
            <p>No signatures yet.</p>
          ) : (
            <div className="table-scroll" role="region" tabIndex={0} aria-labelledby="by-source">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Signed</th>
                    <th scope="col">Confirmed</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.bySource.map((row) => (
                    <tr key={row.source ?? ""}>
                      <th scope="row">{orNone(row.source)}</th>
                      <td>{fmt(row.signed)}</td>
                      <td>{fmt(row.confirmed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div>
          <h3 id="by-utm">By campaign tags (UTM)</h3>
          {stats.byUtm.length === 0 ? (
            <p>No signatures with UTM tags yet.</p>
          ) : (
            <div className="table-scroll" role="region" tabIndex={0} aria-labelledby="by-utm">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">utm_source</th>
                    <th scope="col">utm_medium</th>
                    <th scope="col">utm_campaign</th>
                    <th scope="col">Signed</th>
                    <th scope="col">Confirmed</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.byUtm.map((row) => (
                    <tr key={`${row.utmSource}|${row.utmMedium}|${row.utmCampaign}`}>
                      <td>{orNone(row.utmSource)}</td>
                      <td>{orNone(row.utmMedium)}</td>
                      <td>{orNone(row.utmCampaign)}</td>
                      <td>{fmt(row.signed)}</td>
                      <td>{fmt(row.confirmed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

export const ErrorBoundary = AdminErrorPage;
