import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { can, requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import { requirePetition } from "~/models/admin-petitions.server";
import { deliverNow, listPetitionDeliveries, previewNextDigest } from "~/models/delivery-admin.server";
import type { Organizer } from "~/models/organizers.server";
import { DeliveredNoticeSchema, DeliverNowSchema, PreviewParamSchema } from "~/validation/delivery.server";
import type { Services } from "~/services.server";

// Delivering a petition's signatures to officials: organizers and up (a
// viewer gets a 403 page; the preview shows signers' names).

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Delivery: ${data.petition.title} · Sanctuary` : "Delivery · Sanctuary" },
  { name: "robots", content: "noindex" },
];

const FORBIDDEN =
  "Delivering shows signers' names, so it takes the organizer role in this petition's organization. Viewers see the petition's numbers; ask an owner if you need more.";
const BAD_REQUEST = "We could not read that request. Go back to the delivery page and use its buttons.";

/** The petition, if this organizer may deliver it: 404 outside their organizations, 403 for a viewer. */
async function deliverablePetition(services: Services, organizer: Organizer, slug: string) {
  const petition = await requirePetition(services.db, organizer, slug, "viewer");
  if (!can(organizer, petition.organizationId, "organizer")) throw data({ message: FORBIDDEN }, { status: 403 });
  return petition;
}

export const loader = /* @__PURE__ */ guard(async ({ request, context, params }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db, env } = context.services;
  const petition = await deliverablePetition(context.services, organizer, params.slug ?? "");
  const search = new URL(request.url).searchParams;

  let preview = null;
  const previewParam = search.get("preview");
  if (previewParam !== null) {
    const targetId = PreviewParamSchema.safeParse(previewParam);
    if (!targetId.success) throw data({ message: BAD_REQUEST }, { status: 400 });
    preview = await previewNextDigest(db, petition, targetId.data, { appUrl: env.APP_URL });
    if (!preview) throw data({ message: "That official does not serve this petition's signers." }, { status: 404 });
  }
  const notice = DeliveredNoticeSchema.safeParse({ delivered: search.get("delivered") ?? undefined, signatures: search.get("signatures") ?? undefined });
  const deliveries = await listPetitionDeliveries(db, petition, { defaultIntervalMs: env.DELIVERY_INTERVAL });
  return {
    petition: { slug: petition.slug, title: petition.title },
    ...deliveries,
    preview,
    notice: notice.success ? notice.data : null,
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, context, params }: ActionFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db, env } = context.services;
  const petition = await deliverablePetition(context.services, organizer, params.slug ?? "");
  const form = await readForm(request);
  const parsed = DeliverNowSchema.safeParse({ intent: field(form, "intent"), targetId: field(form, "targetId") });
  if (!parsed.success) throw data({ message: BAD_REQUEST }, { status: 400 });
  const scope = parsed.data.intent === "deliver-all" ? "all" : { targetId: parsed.data.targetId };
  const result = await deliverNow(db, organizer, petition, scope, { defaultIntervalMs: env.DELIVERY_INTERVAL });
  if (!result) throw data({ message: "That official does not serve this petition's signers." }, { status: 404 });
  // The digests are in the outbox; in embedded mode, send them now rather than at the next poll.
  context.services.jobs?.wake();
  const query = new URLSearchParams({ delivered: String(result.deliveryIds.length), signatures: String(result.signatures) });
  return redirect(`/admin/petitions/${encodeURIComponent(petition.slug)}/deliveries?${query}`);
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");
const fmt = (n: number) => n.toLocaleString("en-US");

/** "Nov 25, 2026, 14:03 UTC": the same on the server and in the browser. */
function when(iso: string): string {
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function interval(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n === 1 ? "" : `${fmt(n)} `}${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${fmt(Math.round(seconds * 10) / 10)} seconds`;
}

const STATUS_TEXT = { sent: "Sent", pending: "Queued", failed: "Failed" } as const;

export default function PetitionDeliveries() {
  const { petition, officials, intervalSeconds, preview, notice } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const base = `/admin/petitions/${petition.slug}`;
  const waitingOfficials = officials.filter((o) => o.undelivered > 0).length;
  return (
    <section className="deliveries">
      <p className="eyebrow">
        <Link to="/admin">Petitions</Link> ›
      </p>
      <h1>{petition.title}</h1>
      <nav className="subnav" aria-label="This petition">
        <Link to={base}>Numbers</Link>
        <Link to={`${base}/deliveries`} aria-current="page">
          Delivery
        </Link>
        <Link to={`${base}/edit`}>Edit</Link>
        <Link to={`${base}/moderation`}>Moderation</Link>
        <a href={`${base}/export`}>Export CSV</a>
      </nav>

      {notice ? (
        <p className="notice" role="status">
          {notice.delivered === 0
            ? "Nothing to deliver: every counted signature had already been sent or queued."
            : `Queued ${fmt(notice.delivered)} ${notice.delivered === 1 ? "digest" : "digests"} with ${fmt(notice.signatures)} ${
                notice.signatures === 1 ? "signature" : "signatures"
              }. They go out in a moment; the log below shows when.`}
        </p>
      ) : null}

      <p>
        Each official gets a digest of the confirmed signatures from their constituents, at most once every {interval(intervalSeconds)}.
        “Deliver now” sends one at once, whatever the interval. A signature reaches each official once, however often anyone clicks.
      </p>
      <p data-waiting={waitingOfficials}>
        {waitingOfficials === 0 ? (
          "Nothing is waiting: every counted signature has been sent or queued to its officials."
        ) : (
          <>
            <strong>
              {fmt(waitingOfficials)} of {fmt(officials.length)} {officials.length === 1 ? "official" : "officials"}
            </strong>{" "}
            {waitingOfficials === 1 ? "has" : "have"} signatures waiting.
          </>
        )}
      </p>
      {waitingOfficials > 0 ? (
        <Form method="post">
          <input type="hidden" name="intent" value="deliver-all" />
          <button type="submit" className="button-primary" disabled={busy}>
            Deliver now to all
          </button>
        </Form>
      ) : null}

      {preview ? (
        <section className="panel digest-preview" aria-labelledby="preview-heading" id="preview">
          <h2 id="preview-heading">Next digest to {preview.target.name}</h2>
          {preview.shown === 0 ? (
            <p>Nothing is waiting for this official: the next digest will hold the signatures that arrive from now on.</p>
          ) : (
            <>
              <dl className="preview-meta">
                <dt>To</dt>
                <dd>
                  {preview.target.name}, {preview.target.office} &lt;{preview.target.email}&gt;
                </dd>
                <dt>Subject</dt>
                <dd>{preview.subject}</dd>
                <dt>Attachment</dt>
                <dd>
                  {preview.attachment} ({fmt(preview.undelivered)} {preview.undelivered === 1 ? "row" : "rows"})
                </dd>
              </dl>
              {preview.shown < preview.undelivered ? (
                <p className="hint">
                  The preview lists the first {fmt(preview.shown)} of {fmt(preview.undelivered)} signatures; the digest itself says{" "}
                  {fmt(preview.undelivered)} and its CSV lists them all.
                </p>
              ) : null}
              <pre className="digest-text">{preview.text}</pre>
              {preview.target.active ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="deliver" />
                  <input type="hidden" name="targetId" value={preview.target.id} />
                  <button type="submit" className="button-primary" disabled={busy}>
                    Deliver now to {preview.target.name}
                  </button>
                </Form>
              ) : null}
            </>
          )}
          <p>
            <Link to={`${base}/deliveries`}>Close the preview</Link>
          </p>
        </section>
      ) : null}

      <h2>Officials ({fmt(officials.length)})</h2>
      {officials.length === 0 ? (
        <p>No official serves this petition’s signers yet. Officials appear here once a confirmed signer lives where one serves.</p>
      ) : (
        <ul className="officials">
          {officials.map((o) => (
            <li key={o.id} className="card official" data-target-id={o.id}>
              <h3>{o.name}</h3>
              <p className="hint">
                {o.office}, {o.jurisdiction} ({o.level}){o.active ? "" : " · retired"}
              </p>
              <dl className="official-numbers">
                <div>
                  <dt>Waiting</dt>
                  <dd data-undelivered={o.undelivered}>{fmt(o.undelivered)}</dd>
                </div>
                <div>
                  <dt>Sent</dt>
                  <dd>{fmt(o.sent)}</dd>
                </div>
                {o.queued > 0 ? (
                  <div>
                    <dt>Queued</dt>
                    <dd>{fmt(o.queued)}</dd>
                  </div>
                ) : null}
                {o.failed > 0 ? (
                  <div>
                    <dt>Failed</dt>
                    <dd>{fmt(o.failed)}</dd>
                  </div>
                ) : null}
                <div>
                  <dt>Next scheduled</dt>
                  <dd>{o.undelivered === 0 || !o.active ? "–" : o.nextScheduledAt ? `After ${when(o.nextScheduledAt)}` : "At the next run"}</dd>
                </div>
              </dl>
              {o.undelivered > 0 && o.active ? (
                <div className="official-actions">
                  <Link to={`${base}/deliveries?preview=${o.id}#preview`}>Preview the next digest</Link>
                  <Form method="post">
                    <input type="hidden" name="intent" value="deliver" />
                    <input type="hidden" name="targetId" value={o.id} />
                    <button type="submit" disabled={busy}>
                      Deliver now<span className="visually-hidden"> to {o.name}</span>
                    </button>
                  </Form>
                </div>
              ) : null}
              {o.log.length > 0 ? (
                <details>
                  <summary>
                    Delivery log ({fmt(o.deliveryCount)} {o.deliveryCount === 1 ? "digest" : "digests"})
                  </summary>
                  <div className="table-scroll" role="region" tabIndex={0} aria-label={`Delivery log of ${o.name}`}>
                    <table className="table">
                      <thead>
                        <tr>
                          <th scope="col">Created</th>
                          <th scope="col">Signatures</th>
                          <th scope="col">Status</th>
                          <th scope="col">Sent</th>
                          <th scope="col">Error</th>
                        </tr>
                      </thead>
                      <tbody>
                        {o.log.map((d) => (
                          <tr key={d.id} data-delivery-id={d.id} data-status={d.status}>
                            <td>{when(d.createdAt)}</td>
                            <td>{fmt(d.signatureCount)}</td>
                            <td>{STATUS_TEXT[d.status]}</td>
                            <td>{d.sentAt ? when(d.sentAt) : "–"}</td>
                            <td>{d.error ?? ""}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  {o.deliveryCount > o.log.length ? <p className="hint">The latest {o.log.length} of {fmt(o.deliveryCount)}.</p> : null}
                  {o.sent > 0 ? (
                    <p>
                      <a href={`${base}/officials/${o.id}/export`}>Download what was delivered to {o.name} (CSV)</a>
                    </p>
                  ) : null}
                </details>
              ) : (
                <p className="hint">Nothing delivered yet.</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export const ErrorBoundary = AdminErrorPage;
