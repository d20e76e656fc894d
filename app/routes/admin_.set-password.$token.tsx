import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AdminField } from "~/components/admin-field";
import { guard, readForm } from "~/lib/http.server";
import { isPasswordTokenUsable, setPasswordWithToken } from "~/models/organizers.server";
import { fieldErrors, formFields, SetPasswordSchema } from "~/validation/organizer.server";

export const meta: MetaFunction = () => [{ title: "Set your password · Sanctuary" }, { name: "robots", content: "noindex" }];

const headers = { "Referrer-Policy": "no-referrer" };

export const loader = /* @__PURE__ */ guard(async ({ params, context }: LoaderFunctionArgs) => {
  const usable = await isPasswordTokenUsable(context.services.db, params.token ?? "");
  return data({ usable }, { status: usable ? 200 : 410, headers });
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const form = await readForm(request);
  const parsed = SetPasswordSchema.safeParse(formFields(form, ["password", "confirm"]));
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error) }, { status: 422, headers });
  const { outcome } = await setPasswordWithToken(context.services.db, params.token ?? "", parsed.data.password);
  if (outcome !== "ok") return data({ errors: { form: "This link has expired or was already used. Ask an owner for a new one." } as Record<string, string> }, { status: 410, headers });
  return redirect("/admin/login?set=1");
});

export default function SetPassword() {
  const { usable } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  if (!usable) {
    return (
      <section className="panel narrow">
        <h1>This link no longer works</h1>
        <p>Links to set a password work once, for 24 hours. Ask an owner of your organization (or an administrator) for a new one.</p>
      </section>
    );
  }
  return (
    <section className="panel narrow">
      <h1>Set your password</h1>
      {errors.form ? (
        <div className="error-summary" role="alert">
          <p>{errors.form}</p>
        </div>
      ) : null}
      <Form method="post" noValidate>
        <input type="text" name="username" autoComplete="username" hidden readOnly />
        <AdminField name="password" label="New password" hint="At least 10 characters. A few unrelated words make a strong one." type="password" autoComplete="new-password" error={errors.password} required />
        <AdminField name="confirm" label="Type it again" type="password" autoComplete="new-password" error={errors.confirm} required />
        <button type="submit" className="button-primary">
          Set password
        </button>
      </Form>
    </section>
  );
}
