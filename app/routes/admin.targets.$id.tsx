import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { AdminField } from "~/components/admin-field";
import { requireOrganizer } from "~/lib/auth.server";
import { guard, readForm } from "~/lib/http.server";
import type { Organizer } from "~/models/organizers.server";
import { getTarget, setTargetActive, updateTarget } from "~/models/targets-admin.server";
import { fieldErrors, formFields } from "~/validation/organizer.server";
import { TargetEditSchema, TargetIntentSchema } from "~/validation/targets.server";
import type { AppLoadContext } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "Official · Sanctuary" }, { name: "robots", content: "noindex" }];

async function loadTarget(context: AppLoadContext, organizer: Organizer, id: string | undefined) {
  const target = /^\d{1,9}$/.test(id ?? "") ? await getTarget(context.services.db, organizer, Number(id)) : null;
  if (!target) throw data({ message: "There is no such official in your organizations." }, { status: 404 });
  return target;
}

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const target = await loadTarget(context, organizer, params.id);
  return { target, saved: new URL(request.url).searchParams.get("saved") };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const target = await loadTarget(context, organizer, params.id);
  if (!target.canEdit) {
    const message =
      target.organizationId === null
        ? "This official is platform-wide: only a platform administrator can change it."
        : "Changing officials takes the organizer or owner role in their organization.";
    throw data({ message }, { status: 403 });
  }
  const form = await readForm(request);
  const intent = TargetIntentSchema.safeParse(form.get("intent") ?? "save");
  if (!intent.success) return data({ errors: { form: "Send the form again" } as Record<string, string>, values: {} }, { status: 422 });
  const { db } = context.services;
  if (intent.data === "retire" || intent.data === "reinstate") {
    await setTargetActive(db, organizer, target, intent.data === "reinstate");
    return redirect(`/admin/targets/${target.id}?saved=${intent.data}`);
  }
  const fields = formFields(form, ["name", "office", "email", "zipCodes"]);
  const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, (v ?? "").slice(0, 40_000)]));
  const parsed = TargetEditSchema.safeParse(fields);
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values }, { status: 422 });
  const saved = await updateTarget(db, organizer, target, parsed.data);
  if (!saved.ok) return data({ errors: saved.errors, values }, { status: 409 });
  return redirect(`/admin/targets/${target.id}?saved=save`);
});

const SAVED: Record<string, string> = {
  save: "Saved.",
  retire: "Retired: this official gets no more deliveries.",
  reinstate: "Reinstated: this official receives deliveries again.",
};

export default function TargetPage() {
  const { target, saved } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const values: Record<string, string> = result?.values ?? {};
  const value = (name: string, fallback: string) => values[name] ?? fallback;
  return (
    <section>
      <p>
        <Link to="/admin/targets">← Officials</Link>
      </p>
      <h1>{target.name}</h1>
      <p>
        {target.office} · {target.level} · {target.jurisdiction}, {target.state} · {target.owner} · <strong>{target.active ? "Active" : "Retired"}</strong>
      </p>
      {saved && SAVED[saved] ? (
        <p role="status" className="panel">
          {SAVED[saved]}
        </p>
      ) : null}
      {target.canEdit ? (
        <>
          {Object.keys(errors).length > 0 ? (
            <div className="error-summary" role="alert" tabIndex={-1}>
              <h2>There is a problem with what you entered</h2>
              <ul>
                {Object.entries(errors).map(([name, message]) => (
                  <li key={name}>
                    <a href={`#${name}`}>{message}</a>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <Form method="post" noValidate className="panel">
            <AdminField name="name" label="Name" defaultValue={value("name", target.name)} error={errors.name} maxLength={200} required />
            <AdminField name="office" label="Office" hint="Like Mayor or Sheriff." defaultValue={value("office", target.office)} error={errors.office} maxLength={200} required />
            <AdminField name="email" label="Email" type="email" defaultValue={value("email", target.email ?? "")} error={errors.email} maxLength={254} required />
            <div className={`field${errors.zipCodes ? " field-error" : ""}`}>
              <label htmlFor="zipCodes">ZIP codes served</label>
              <p className="hint" id="zipCodes-hint">
                5-digit ZIP codes separated by spaces or semicolons. Signers from these ZIPs reach this official.
              </p>
              {errors.zipCodes ? (
                <p className="error-message" id="zipCodes-error">
                  {errors.zipCodes}
                </p>
              ) : null}
              <textarea
                id="zipCodes"
                name="zipCodes"
                rows={6}
                defaultValue={value("zipCodes", target.zipCodes.join(" "))}
                aria-invalid={errors.zipCodes ? true : undefined}
                aria-describedby={errors.zipCodes ? "zipCodes-hint zipCodes-error" : "zipCodes-hint"}
              />
            </div>
            <button type="submit" name="intent" value="save" className="button-primary">
              Save
            </button>
          </Form>
          <Form method="post">
            {target.active ? (
              <>
                <p>A retired official stays on file but receives no more deliveries.</p>
                <button type="submit" name="intent" value="retire" className="button-secondary">
                  Retire this official
                </button>
              </>
            ) : (
              <button type="submit" name="intent" value="reinstate" className="button-secondary">
                Reinstate this official
              </button>
            )}
          </Form>
        </>
      ) : (
        <>
          <p className="hint">
            {target.organizationId === null
              ? "This official is platform-wide: only a platform administrator can change it."
              : "Your role in this organization lets you read officials, not change them."}
          </p>
          <dl>
            <dt>Email</dt>
            <dd>{target.email ?? "—"}</dd>
            <dt>ZIP codes served</dt>
            <dd>{target.zipCodes.length > 0 ? target.zipCodes.join(" ") : "None"}</dd>
          </dl>
        </>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
