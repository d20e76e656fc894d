import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { listOrganizerCampaigns } from "~/models/campaign-editor.server";
import { writableOrganizations } from "~/models/petition-editor.server";

export const meta: MetaFunction = () => [{ title: "Campaigns · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const [campaigns, writable] = await Promise.all([listOrganizerCampaigns(db, organizer), writableOrganizations(db, organizer)]);
  return { campaigns, canCreate: writable.length > 0 };
});

export default function AdminCampaigns() {
  const { campaigns, canCreate } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Campaigns</h1>
      {canCreate ? (
        <p>
          <Link to="/admin/campaigns/new" className="button-secondary">
            New campaign
          </Link>
        </p>
      ) : null}
      {campaigns.length === 0 ? (
        <p>No campaigns yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Organization</th>
                <th scope="col">Status</th>
                <th scope="col">Petitions</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    {c.status === "active" ? <a href={`/campaigns/${c.slug}`}>{c.title}</a> : c.title}
                    {c.isHome ? " (home page)" : ""}
                  </td>
                  <td>{c.organizationName}</td>
                  <td>{c.status}</td>
                  <td>{c.petitions.toLocaleString("en-US")}</td>
                  <td>
                    <Link to={`/admin/campaigns/${c.slug}/updates`} aria-label={`Updates of ${c.title}`}>
                      Updates
                    </Link>
                    {c.canEdit ? (
                      <>
                        {" · "}
                        <Link to={`/admin/campaigns/${c.slug}/edit`} aria-label={`Edit ${c.title}`}>
                          Edit
                        </Link>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
