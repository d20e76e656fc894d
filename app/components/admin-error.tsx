import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/**
 * The error page of workspace routes (targets, members, moderation, queues).
 * A thrown 4xx may carry `{ message }`: plain English saying what to do next,
 * never personal data.
 */
export function AdminErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const message = typeof (error.data as { message?: unknown } | null)?.message === "string" ? (error.data as { message: string }).message : null;
    const title =
      error.status === 403
        ? "Your role does not allow this"
        : error.status === 404
          ? "Page not found"
          : error.status === 503
            ? "Temporarily unavailable"
            : error.status === 413
              ? "That is too large"
              : "Something went wrong";
    const fallback =
      error.status === 403
        ? "Ask an owner of the organization if you need a different role."
        : error.status === 404
          ? "There is no such page in your organizations."
          : error.status === 503
            ? "The database is not answering. Try again in a few seconds."
            : error.status === 413
              ? "Send at most 2 MB. Split a bigger file into several."
              : "We could not read what was sent. Go back, check the form and send it again.";
    return (
      <section className="panel" role="alert">
        <h1>{title}</h1>
        <p>{message ?? fallback}</p>
        <p>
          <Link to="/admin">Back to the workspace</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="panel" role="alert">
      <h1>Something went wrong</h1>
      <p>Nothing was saved. Try again; if it keeps happening, tell the site&apos;s operator.</p>
    </section>
  );
}
