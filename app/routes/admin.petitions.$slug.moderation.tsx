import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { AdminField } from "~/components/admin-field";
import { requireOrganizer } from "~/lib/auth.server";
import { guard, readForm } from "~/lib/http.server";
import { requirePetition } from "~/models/admin-petitions.server";
import { countInvalidation, invalidateSignatures, listComments, setCommentHidden, COMMENTS_PAGE_SIZE } from "~/models/moderation.server";
import { CommentFilterSchema, CommentToggleSchema, ExpectedCountSchema, InvalidateSchema, ModerationIntentSchema } from "~/validation/moderation.server";
import { fieldErrors, formFields } from "~/validation/organizer.server";

export const meta: MetaFunction = () => [{ title: "Moderation · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db } = context.services;
  const petition = await requirePetition(db, organizer, params.slug ?? "", "organizer");
  const search = new URL(request.url).searchParams;
  const filter = CommentFilterSchema.parse({ show: search.get("show") ?? undefined, page: search.get("page") ?? undefined });
  const { comments, total } = await listComments(db, petition.id, filter);
  const invalidated = search.get("invalidated");
  return {
    petition: { slug: petition.slug, title: petition.title },
    filter,
    comments,
    total,
    pages: Math.max(1, Math.ceil(total / COMMENTS_PAGE_SIZE)),
    invalidated: invalidated && /^\d{1,9}$/.test(invalidated) ? Number(invalidated) : null,
  };
});

const CRITERIA_FIELDS = ["by", "email", "domain", "from", "to"] as const;

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db, counts, env } = context.services;
  const petition = await requirePetition(db, organizer, params.slug ?? "", "organizer");
  const form = await readForm(request);
  const intent = ModerationIntentSchema.safeParse(form.get("intent"));
  if (!intent.success) return data({ errors: { form: "Send the form again" } as Record<string, string>, values: {}, preview: null }, { status: 422 });
  const back = new URL(request.url);

  if (intent.data === "hide" || intent.data === "show") {
    const parsed = CommentToggleSchema.safeParse(formFields(form, ["signatureId"]));
    if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values: {}, preview: null }, { status: 422 });
    const found = await setCommentHidden(db, organizer, petition, parsed.data.signatureId, intent.data === "hide");
    if (!found) throw data({ message: "There is no such comment on this petition." }, { status: 404 });
    return redirect(`${back.pathname}${back.search}#comment-${parsed.data.signatureId}`);
  }

  const fields = formFields(form, [...CRITERIA_FIELDS]);
  const values = Object.fromEntries(CRITERIA_FIELDS.map((name) => [name, (fields[name] ?? "").slice(0, 254)]));
  const parsed = InvalidateSchema.safeParse(fields);
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values, preview: null }, { status: 422 });
  if (intent.data === "preview") {
    const count = await countInvalidation(db, petition.id, parsed.data);
    return data({ errors: {} as Record<string, string>, values, preview: { ...count, changed: false } });
  }
  const expected = ExpectedCountSchema.safeParse(formFields(form, ["expected"]).expected);
  if (!expected.success) return data({ errors: { form: expected.error.issues[0].message } as Record<string, string>, values, preview: null }, { status: 422 });
  const done = await invalidateSignatures(db, organizer, petition, parsed.data, { expected: expected.data, secret: env.SESSION_SECRET });
  if (!done.ok) return data({ errors: {} as Record<string, string>, values, preview: { ...done.count, changed: true } }, { status: 409 });
  counts.clear();
  return redirect(`/admin/petitions/${petition.slug}/moderation?invalidated=${done.count}`);
});

function pageLink(show: string, page: number): string {
  const params = new URLSearchParams();
  if (show !== "all") params.set("show", show);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `?${query}` : "?";
}

export default function Moderation() {
  const { petition, filter, comments, total, pages, invalidated } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const values: Record<string, string> = result?.values ?? {};
  const preview = result?.preview ?? null;
  const by = values.by || "domain";
  return (
    <section>
      <p>
        <Link to={`/admin/petitions/${petition.slug}`}>← {petition.title}</Link>
      </p>
      <h1>Moderation</h1>
      {invalidated !== null ? (
        <p role="status" className="panel">
          {invalidated.toLocaleString("en-US")} {invalidated === 1 ? "signature" : "signatures"} invalidated. They no longer count and will not be delivered.
        </p>
      ) : null}

      <h2 id="invalidate">Invalidate signatures</h2>
      <p className="hint">
        Invalidated signatures stop counting at once, cannot be confirmed and are never delivered. Count first; nothing changes until you confirm. Every
        invalidation is recorded in the audit log.
      </p>
      {errors.form ? (
        <div className="error-summary" role="alert">
          <p>{errors.form}</p>
        </div>
      ) : null}
      <Form method="post" noValidate className="panel">
        <fieldset className={errors.by ? "field-error" : undefined}>
          <legend>Find signatures</legend>
          {errors.by ? <p className="error-message">{errors.by}</p> : null}
          {(
            [
              ["email", "By one email address"],
              ["domain", "By email domain"],
              ["range", "By the time they were made"],
            ] as const
          ).map(([value, label]) => (
            <div className="checkbox" key={value}>
              <input type="radio" id={`by-${value}`} name="by" value={value} defaultChecked={by === value} />
              <label htmlFor={`by-${value}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        <AdminField name="email" label="Email address" type="email" autoComplete="off" defaultValue={values.email ?? ""} error={errors.email} hint="For “by one email address”." />
        <AdminField name="domain" label="Email domain" autoComplete="off" defaultValue={values.domain ?? ""} error={errors.domain} hint="For “by email domain”: the part after @, like spam.example." />
        <AdminField name="from" label="From (UTC)" type="datetime-local" step={1} defaultValue={values.from ?? ""} error={errors.from} hint="For “by time”: signatures made from this moment…" />
        <AdminField name="to" label="To (UTC)" type="datetime-local" step={1} defaultValue={values.to ?? ""} error={errors.to} hint="…up to this one." />
        <button type="submit" name="intent" value="preview" className="button-secondary">
          Count matching signatures
        </button>
      </Form>
      {preview ? (
        <div className="panel" role="status">
          {preview.changed ? <p>The number of matching signatures changed since you counted. Nothing was invalidated; check the new count.</p> : null}
          <p>
            <strong>
              {preview.total.toLocaleString("en-US")} {preview.total === 1 ? "signature matches" : "signatures match"}
            </strong>{" "}
            ({preview.confirmed.toLocaleString("en-US")} confirmed, {preview.pending.toLocaleString("en-US")} pending).
          </p>
          {preview.total > 0 ? (
            <Form method="post">
              {CRITERIA_FIELDS.map((name) => (
                <input key={name} type="hidden" name={name} value={values[name] ?? ""} />
              ))}
              <input type="hidden" name="expected" value={preview.total} />
              <button type="submit" name="intent" value="invalidate" className="button-primary">
                Invalidate {preview.total.toLocaleString("en-US")} {preview.total === 1 ? "signature" : "signatures"}
              </button>
            </Form>
          ) : null}
        </div>
      ) : null}

      <h2 id="comments">Comments</h2>
      <p className="hint">A hidden comment disappears from the petition page and from digests to officials; the signature still counts.</p>
      <nav aria-label="Which comments" className="filters">
        {(["all", "visible", "hidden"] as const).map((show) =>
          show === filter.show ? (
            <strong key={show}>{show}</strong>
          ) : (
            <Link key={show} to={pageLink(show, 1)}>
              {show}
            </Link>
          ),
        )}
      </nav>
      <p>
        {total.toLocaleString("en-US")} {total === 1 ? "comment" : "comments"}
        {pages > 1 ? ` · page ${filter.page} of ${pages}` : ""}
      </p>
      {comments.length === 0 ? (
        <p>No comments here.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Signer</th>
                <th scope="col">Signed</th>
                <th scope="col">Status</th>
                <th scope="col">Comment</th>
                <th scope="col">Shown</th>
              </tr>
            </thead>
            <tbody>
              {comments.map((c) => (
                <tr key={c.id} id={`comment-${c.id}`}>
                  <td>
                    {c.signer}
                    {c.place ? `, ${c.place}` : ""}
                    <br />
                    <span className="hint">@{c.domain}</span>
                  </td>
                  <td>{c.createdAt.slice(0, 16).replace("T", " ")} UTC</td>
                  <td>{c.status}</td>
                  <td>{c.comment}</td>
                  <td>
                    <Form method="post">
                      <input type="hidden" name="signatureId" value={c.id} />
                      {c.hidden ? (
                        <>
                          Hidden{" "}
                          <button type="submit" name="intent" value="show" className="link-button" aria-label={`Show the comment of ${c.signer}`}>
                            Show
                          </button>
                        </>
                      ) : (
                        <>
                          Shown{" "}
                          <button type="submit" name="intent" value="hide" className="link-button" aria-label={`Hide the comment of ${c.signer}`}>
                            Hide
                          </button>
                        </>
                      )}
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav aria-label="Pages" className="pager">
          {filter.page > 1 ? <Link to={pageLink(filter.show, filter.page - 1)}>Previous page</Link> : null}{" "}
          {filter.page < pages ? <Link to={pageLink(filter.show, filter.page + 1)}>Next page</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
