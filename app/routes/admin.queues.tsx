import { data, redirectDocument, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { outboxCounts } from "~/models/outbox-stats.server";

export const meta: MetaFunction = () => [{ title: "Jobs · Sanctuary" }, { name: "robots", content: "noindex" }];

/**
 * The queues page when jobs run in-process (no REDIS_URL). With Redis,
 * http.server.ts serves bull-board at this path before Remix sees the request;
 * a client-side navigation here (/admin/queues.data) is sent to it as a full page load.
 */
export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  if (!organizer.isAdmin) throw data({ message: "There is no such page in your organizations." }, { status: 404 });
  if (context.services.redis) throw redirectDocument("/admin/queues");
  return outboxCounts(context.services.db);
});

export default function Queues() {
  const { statuses, byKind, totals, oldestWaitingSeconds } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Jobs</h1>
      <p>
        Jobs run inside the web process from the outbox table: there is no Redis (REDIS_URL is not set), so there is no queue dashboard. Set REDIS_URL and
        run <code>npm run worker</code> to use BullMQ; this page then shows bull-board.
      </p>
      {oldestWaitingSeconds !== null ? <p>The oldest waiting job was written {oldestWaitingSeconds.toLocaleString("en-US")} seconds ago.</p> : null}
      <div className="table-scroll">
        <table className="table">
          <caption>Outbox rows by kind and status</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              {statuses.map((s) => (
                <th scope="col" key={s}>
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {byKind.map((row) => (
              <tr key={row.kind}>
                <th scope="row">{row.kind}</th>
                {statuses.map((s) => (
                  <td key={s}>{row.counts[s].toLocaleString("en-US")}</td>
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row">All</th>
              {statuses.map((s) => (
                <td key={s}>{totals[s].toLocaleString("en-US")}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
