import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listDevMail } from "~/models/dev-mail.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox · Sanctuary" }, { name: "robots", content: "noindex" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const { db, env, mailer } = context.services;
  if (env.NODE_ENV === "production" || mailer.kind !== "dev") throw data({ messageKey: "notFound.body" }, { status: 404 });
  const messages = await listDevMail(db);
  return data(
    { messages: messages.map((m) => ({ id: m.id, to: m.to_address, subject: m.subject, at: new Date(m.created_at).toISOString() })) },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function DevMailbox() {
  const { messages } = useLoaderData<typeof loader>();
  return (
    <section className="dev-mail">
      <h1>Dev mailbox</h1>
      <p className="hint">
        Without SMTP_URL, every email the platform sends lands here instead of going out. This page does not exist in production.
      </p>
      {messages.length === 0 ? (
        <p>No messages yet. Sign a petition and the confirmation email appears here.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id}>
                <td>
                  <time dateTime={m.at}>{m.at.replace("T", " ").slice(0, 19)}</time>
                </td>
                <td>{m.to}</td>
                <td>
                  {/* A full page load: the message page has its own CSP (inline style attributes for the email's iframe), which a client-side navigation would not apply. */}
                  <Link to={`/dev/mail/${m.id}`} reloadDocument>
                    {m.subject}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
