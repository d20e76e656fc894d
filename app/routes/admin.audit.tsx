import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, useLoaderData, useRouteError } from "@remix-run/react";
import { requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { auditReadableOrganizationIds, listAuditLog } from "~/models/export.server";
import { parseAuditQuery } from "~/validation/export.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Sanctuary" }, { name: "robots", content: "noindex" }];

/**
 * /admin/audit — who did what to people's data (exports, invalidations,
 * deliveries), newest first, 50 a page. Owners read their organizations'
 * entries; admins read all; organizers and viewers get a 403.
 */
export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const readable = auditReadableOrganizationIds(organizer);
  if (readable !== null && readable.length === 0) {
    throw data({ message: "Only owners of an organization read its audit log." }, { status: 403, headers: { "Cache-Control": "no-store" } });
  }
  const query = parseAuditQuery(new URL(request.url).searchParams);
  if (!query.ok) throw data({ message: `${query.message}.` }, { status: 400, headers: { "Cache-Control": "no-store" } });
  const page = await listAuditLog(context.services.db, organizer, { before: query.value.before });
  return {
    first: !query.value.before,
    nextBefore: page.nextBefore,
    entries: page.entries.map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString() })),
    everyOrganization: readable === null,
  };
});

/** Details as "key: value" lines; nested values (an export's filters) as compact JSON. */
function detailLines(details: Record<string, unknown>): string[] {
  return Object.entries(details).map(([key, value]) => `${key}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)}`);
}

export default function AuditLog() {
  const { entries, nextBefore, first, everyOrganization } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Audit log</h1>
      <p className="hint">
        Every action that touched signers&apos; data, newest first{everyOrganization ? ", across all organizations" : ", for the organizations you own"}. Times
        are UTC.
      </p>
      {entries.length === 0 ? (
        <p>{first ? "Nothing has been logged yet." : "No older entries."}</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Organization</th>
                <th scope="col">Action</th>
                <th scope="col">Subject</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <time dateTime={entry.createdAt}>{entry.createdAt.slice(0, 19).replace("T", " ")}</time>
                  </td>
                  <td>{entry.organizerEmail ?? "(system or deleted account)"}</td>
                  <td>{entry.organizationName ?? "—"}</td>
                  <td>{entry.action}</td>
                  <td>{entry.subject ?? "—"}</td>
                  <td>
                    {detailLines(entry.details).map((line) => (
                      <div key={line}>{line}</div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label="Audit log pages">
        {first ? null : <Link to="/admin/audit">Newest entries</Link>}
        {first || !nextBefore ? null : " · "}
        {nextBefore ? <Link to={`/admin/audit?before=${nextBefore}`}>Older entries</Link> : null}
      </nav>
    </section>
  );
}

/** Workspace pages are English-only, so they answer errors in English too. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = isRouteErrorResponse(error) ? (error.data as { message?: string } | null)?.message : undefined;
  return (
    <section className="panel" role="alert">
      <h1>{status === 403 ? "Not for your role" : status === 400 ? "That page does not exist" : status === 503 ? "Temporarily unavailable" : "Something went wrong"}</h1>
      <p>
        {message ??
          (status === 503 ? "The database is not answering right now. Try again in a few seconds." : "We could not show the audit log. Try again in a moment.")}
      </p>
      <p>
        <Link to="/admin">All petitions</Link>
      </p>
    </section>
  );
}
