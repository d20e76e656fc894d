import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDevMail } from "~/models/dev-mail.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox · Sanctuary" }, { name: "robots", content: "noindex" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { db, env, mailer } = context.services;
  const id = Number(params.id);
  if (env.NODE_ENV === "production" || mailer.kind !== "dev" || !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) {
    throw data({ messageKey: "notFound.body" }, { status: 404 });
  }
  const message = await getDevMail(db, id);
  if (!message) throw data({ messageKey: "notFound.body" }, { status: 404 });
  return data(
    {
      to: message.to_address,
      subject: message.subject,
      headers: message.headers as Record<string, string>,
      // Links in the message open in the whole window, as they would from a mail client.
      html: message.html.replace(/<head>/i, '<head><base target="_top">'),
      text: message.text,
      attachments: (message.attachments as { filename: string }[]).map((a) => a.filename),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function DevMailMessage() {
  const message = useLoaderData<typeof loader>();
  return (
    <section className="dev-mail">
      <p>
        <Link to="/dev/mail">← Dev mailbox</Link>
      </p>
      <h1>{message.subject}</h1>
      <dl className="mail-headers">
        <dt>To</dt>
        <dd>{message.to}</dd>
        {Object.entries(message.headers).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        {message.attachments.length > 0 ? (
          <>
            <dt>Attachments</dt>
            <dd>{message.attachments.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      <h2>HTML</h2>
      <iframe
        title="HTML version of the email"
        className="mail-frame"
        sandbox="allow-top-navigation-by-user-activation allow-popups"
        srcDoc={message.html}
      />
      <h2>Text</h2>
      <pre className="mail-text">{message.text}</pre>
    </section>
  );
}
