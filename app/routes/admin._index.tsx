import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { can, requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { listOrganizerPetitions } from "~/models/admin-petitions.server";

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const petitions = await listOrganizerPetitions(context.services.db, organizer);
  return {
    petitions: petitions.map((p) => ({ ...p, canEdit: can(organizer, p.organization_id, "organizer") })),
    memberships: organizer.memberships,
  };
});

export default function AdminHome() {
  const { petitions, memberships } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Petitions</h1>
      {memberships.length > 0 ? (
        <p className="hint">
          Your organizations: {memberships.map((m) => `${m.name} (${m.role})`).join(", ")}
        </p>
      ) : null}
      {petitions.length === 0 ? (
        <p>No petitions yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Petition</th>
              <th scope="col">Organization</th>
              <th scope="col">Status</th>
              <th scope="col">Confirmed</th>
              <th scope="col">Pending</th>
              <th scope="col">Goal</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {petitions.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/admin/petitions/${p.slug}`}>{p.title}</Link>
                </td>
                <td>{p.organization_name}</td>
                <td>{p.status}</td>
                <td>{p.confirmed.toLocaleString("en-US")}</td>
                <td>{p.pending.toLocaleString("en-US")}</td>
                <td>{p.goal.toLocaleString("en-US")}</td>
                <td>
                  {p.canEdit ? (
                    <Link to={`/admin/petitions/${p.slug}/edit`} aria-label={`Edit ${p.title}`}>
                      Edit
                    </Link>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
