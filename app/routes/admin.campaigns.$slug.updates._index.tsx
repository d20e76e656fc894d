import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { requireOrganizer } from "~/lib/auth.server";
import { guard, readForm } from "~/lib/http.server";
import { cancelCampaignUpdate, confirmedFollowerCount, listCampaignUpdates, requireUpdatesCampaign, type UpdateState } from "~/models/campaign-updates.server";
import { formFields } from "~/validation/organizer.server";
import { CancelUpdateSchema } from "~/validation/campaign-update.server";

// A campaign's updates and milestones with their send numbers: everyone in the
// organization may read it (counts only, no recipient); organizers and owners
// may cancel a scheduled update.

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: `${loaded ? `Updates: ${loaded.campaign.title}` : "Updates"} · Sanctuary` },
  { name: "robots", content: "noindex" },
];

const NOTICE = /^\d{1,9}$/;

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const campaign = await requireUpdatesCampaign(db, organizer, params.slug ?? "", "viewer");
  const [updates, followers] = await Promise.all([listCampaignUpdates(db, campaign.id), confirmedFollowerCount(db, campaign.id)]);
  const search = new URL(request.url).searchParams;
  const noticeOf = (name: string) => NOTICE.test(search.get(name) ?? "");
  return {
    campaign: { slug: campaign.slug, title: campaign.title },
    canWrite: campaign.canWrite,
    updates: campaign.canWrite ? updates : updates.map((u) => ({ ...u, cancellable: false })),
    followers,
    notice: (["published", "scheduled", "cancelled"] as const).find(noticeOf) ?? null,
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  const campaign = await requireUpdatesCampaign(db, organizer, params.slug ?? "", "organizer");
  const parsed = CancelUpdateSchema.safeParse(formFields(form, ["intent", "updateId"]));
  if (!parsed.success) throw data({ message: "We could not read that request. Go back to the list of updates and use its buttons." }, { status: 400 });
  const result = await cancelCampaignUpdate(db, organizer, campaign, parsed.data.updateId);
  if (result === "not-found") throw data({ message: "There is no such update in this campaign." }, { status: 404 });
  if (result === "already-published") {
    throw data({ message: "This update has already been published (or cancelled), so it can no longer be cancelled." }, { status: 409 });
  }
  return redirect(`/admin/campaigns/${encodeURIComponent(campaign.slug)}/updates?cancelled=${parsed.data.updateId}`);
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");
const fmt = (n: number) => n.toLocaleString("en-US");

/** "Nov 25, 2026, 14:03 UTC": the same on the server and in the browser. */
function when(iso: string): string {
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

const STATE_TEXT: Record<UpdateState, string> = {
  scheduled: "Scheduled",
  sending: "Sending",
  sent: "Sent",
  cancelled: "Cancelled",
  skipped: "Not sent (a higher milestone was reached at the same time)",
};

const NOTICE_TEXT = {
  published: "Update published. It is going out to the campaign's followers now; the numbers below follow it.",
  scheduled: "Update scheduled. It goes out at the time shown; until then you can cancel it.",
  cancelled: "Update cancelled. It will not be published or sent.",
} as const;

export default function CampaignUpdates() {
  const { campaign, canWrite, updates, followers, notice } = useLoaderData<typeof loader>();
  const base = `/admin/campaigns/${campaign.slug}`;
  return (
    <section>
      <p className="eyebrow">
        <Link to="/admin/campaigns">Campaigns</Link> ›
      </p>
      <h1>Updates: {campaign.title}</h1>
      <nav className="subnav" aria-label="This campaign">
        <Link to={`${base}/updates`} aria-current="page">
          Updates
        </Link>
        {canWrite ? <Link to={`${base}/edit`}>Edit</Link> : null}
        <a href={`/campaigns/${campaign.slug}`}>Public page</a>
      </nav>
      {notice ? (
        <p className="notice" role="status">
          {NOTICE_TEXT[notice]}
        </p>
      ) : null}
      <p data-followers={followers}>
        <strong>
          {fmt(followers)} confirmed {followers === 1 ? "follower" : "followers"}
        </strong>{" "}
        would receive an update published now (less any address that has bounced).
      </p>
      {canWrite ? (
        <p>
          <Link to={`${base}/updates/new`} className="button-secondary">
            New update
          </Link>
        </p>
      ) : null}
      {updates.length === 0 ? (
        <p>No updates yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Update</th>
                <th scope="col">Kind</th>
                <th scope="col">Publish time</th>
                <th scope="col">Status</th>
                <th scope="col">Recipients</th>
                <th scope="col">Sent</th>
                <th scope="col">Failed</th>
                <th scope="col">Pending</th>
                {canWrite ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {updates.map((u) => (
                <tr key={u.id} data-update={u.id} data-state={u.state}>
                  <td>
                    {u.title}
                    {u.languages.includes("es") ? " (English and Spanish)" : ""}
                  </td>
                  <td>{u.kind === "milestone" ? `Milestone: ${u.milestonePercent}%${u.petitionTitle ? ` of “${u.petitionTitle}”` : ""}` : "Post"}</td>
                  <td>{when(u.publishAt)}</td>
                  <td>{STATE_TEXT[u.state]}</td>
                  <td>{fmt(u.recipients)}</td>
                  <td>{fmt(u.sent)}</td>
                  <td>{fmt(u.failed)}</td>
                  <td>{fmt(u.pending)}</td>
                  {canWrite ? (
                    <td>
                      {u.cancellable ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="cancel" />
                          <input type="hidden" name="updateId" value={u.id} />
                          <button type="submit" className="link-button" aria-label={`Cancel “${u.title}”`}>
                            Cancel
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
