import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";

export const meta: MetaFunction = () => [{ title: "Workspace · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  return {
    organizer: { email: organizer.email, isAdmin: organizer.isAdmin, memberships: organizer.memberships },
    // bull-board with Redis, the outbox counts without: either way a page for admins.
    queues: organizer.isAdmin,
  };
});

export default function AdminLayout() {
  const { organizer, queues } = useLoaderData<typeof loader>();
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label="Workspace">
        <NavLink to="/admin" end>
          Petitions
        </NavLink>
        {organizer.isAdmin || organizer.memberships.some((m) => m.role !== "viewer") ? <NavLink to="/admin/petitions/new">New petition</NavLink> : null}
        <NavLink to="/admin/campaigns">Campaigns</NavLink>
        <NavLink to="/admin/targets">Officials</NavLink>
        {organizer.isAdmin || organizer.memberships.some((m) => m.role === "owner") ? <NavLink to="/admin/members">Members</NavLink> : null}
        {queues ? <a href="/admin/queues">Queues</a> : null}
        {organizer.isAdmin || organizer.memberships.some((m) => m.role === "owner") ? <NavLink to="/admin/audit">Audit log</NavLink> : null}
        <span className="admin-who">
          {organizer.email}
          {organizer.isAdmin ? " (admin)" : ""}
        </span>
        <Form method="post" action="/admin/logout" reloadDocument>
          <button type="submit" className="link-button">
            Sign out
          </button>
        </Form>
      </nav>
      <Outlet />
    </div>
  );
}
