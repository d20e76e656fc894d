import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { listTargets, TARGETS_PAGE_SIZE } from "~/models/targets-admin.server";
import { TargetFilterSchema } from "~/validation/targets.server";

export const meta: MetaFunction = () => [{ title: "Officials · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const params = new URL(request.url).searchParams;
  const filter = TargetFilterSchema.parse(Object.fromEntries(["level", "state", "q", "status", "page"].map((k) => [k, params.get(k) ?? undefined])));
  const { targets, total } = await listTargets(context.services.db, organizer, filter);
  const imported = params.get("imported");
  return {
    filter,
    targets,
    total,
    pages: Math.max(1, Math.ceil(total / TARGETS_PAGE_SIZE)),
    canImport: organizer.isAdmin || organizer.memberships.some((m) => m.role !== "viewer"),
    notice: imported && /^\d+,\d+$/.test(imported) ? imported.split(",").map(Number) : null,
  };
});

function pageLink(filter: { level?: string; state?: string; q?: string; status: string }, page: number): string {
  const params = new URLSearchParams();
  if (filter.q) params.set("q", filter.q);
  if (filter.level) params.set("level", filter.level);
  if (filter.state) params.set("state", filter.state);
  if (filter.status !== "active") params.set("status", filter.status);
  if (page > 1) params.set("page", String(page));
  return `?${params.toString()}`;
}

export default function Targets() {
  const { filter, targets, total, pages, canImport, notice } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Officials</h1>
      <p className="hint">The decision makers who receive digests of their constituents&apos; signatures, matched by ZIP code.</p>
      {notice ? (
        <p role="status" className="panel">
          Imported: {notice[0].toLocaleString("en-US")} new {notice[0] === 1 ? "official" : "officials"}, {notice[1].toLocaleString("en-US")} updated.
        </p>
      ) : null}
      {canImport ? (
        <p>
          <Link to="/admin/targets/import" className="button-secondary">
            Import officials from CSV
          </Link>
        </p>
      ) : null}
      <Form method="get" className="filters" aria-label="Filter officials">
        <div className="field">
          <label htmlFor="q">Search name, office or jurisdiction</label>
          <input id="q" name="q" type="search" defaultValue={filter.q ?? ""} maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="level">Level</label>
          <select id="level" name="level" defaultValue={filter.level ?? ""}>
            <option value="">Any</option>
            <option value="city">City</option>
            <option value="county">County</option>
            <option value="state">State</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="state">State (2 letters)</label>
          <input id="state" name="state" defaultValue={filter.state ?? ""} maxLength={2} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filter.status}>
            <option value="active">Active</option>
            <option value="retired">Retired</option>
            <option value="all">All</option>
          </select>
        </div>
        <button type="submit" className="button-secondary">
          Filter
        </button>
      </Form>
      <p>
        {total.toLocaleString("en-US")} {total === 1 ? "official" : "officials"}
        {pages > 1 ? ` · page ${filter.page} of ${pages}` : ""}
      </p>
      {targets.length === 0 ? (
        <p>No officials match.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Office</th>
                <th scope="col">Level</th>
                <th scope="col">Jurisdiction</th>
                <th scope="col">Email</th>
                <th scope="col">ZIP codes</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {targets.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/admin/targets/${t.id}`}>{t.name}</Link>
                  </td>
                  <td>{t.office}</td>
                  <td>{t.level}</td>
                  <td>
                    {t.jurisdiction}, {t.state}
                  </td>
                  <td>{t.email ?? "—"}</td>
                  <td>{t.zipCount.toLocaleString("en-US")}</td>
                  <td>{t.owner}</td>
                  <td>{t.active ? "Active" : "Retired"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav aria-label="Pages" className="pager">
          {filter.page > 1 ? <Link to={pageLink(filter, filter.page - 1)}>Previous page</Link> : null}{" "}
          {filter.page < pages ? <Link to={pageLink(filter, filter.page + 1)}>Next page</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
