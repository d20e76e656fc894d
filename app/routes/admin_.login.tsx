import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AdminField } from "~/components/admin-field";
import { getOrganizer, loginLimitKeys, safeNext, startSession } from "~/lib/auth.server";
import { guard, readForm } from "~/lib/http.server";
import { verifyOrganizerLogin } from "~/models/organizers.server";
import { fieldErrors, formFields, LoginSchema } from "~/validation/organizer.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  if (await getOrganizer(request, context)) throw redirect(next);
  return { next };
});

const WRONG = "That email and password do not match an account. Check both and try again.";

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const form = await readForm(request);
  const parsed = LoginSchema.safeParse(formFields(form, ["email", "password", "next"]));
  const email = typeof form.get("email") === "string" ? String(form.get("email")).slice(0, 254) : "";
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), email }, { status: 422 });
  const { loginLimiter, db } = context.services;
  const keys = loginLimitKeys(context, parsed.data.email);
  if (await loginLimiter.isBlocked(keys)) {
    return data(
      { errors: { form: "Too many failed sign-ins. Wait 15 minutes and try again." } as Record<string, string>, email },
      { status: 429, headers: { "Retry-After": "900" } },
    );
  }
  const organizerId = await verifyOrganizerLogin(db, parsed.data.email, parsed.data.password);
  if (organizerId === null) {
    await loginLimiter.recordFailure(keys);
    return data({ errors: { form: WRONG } as Record<string, string>, email }, { status: 401 });
  }
  return redirect(safeNext(parsed.data.next), { headers: { "Set-Cookie": await startSession(context, organizerId) } });
});

export default function Login() {
  const { next } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <section className="panel narrow">
      <h1>Organizer sign-in</h1>
      {errors.form ? (
        <div className="error-summary" role="alert" tabIndex={-1}>
          <p>{errors.form}</p>
        </div>
      ) : null}
      <Form method="post" noValidate>
        <input type="hidden" name="next" value={next} />
        <AdminField name="email" label="Email" type="email" autoComplete="username" defaultValue={result?.email ?? ""} error={errors.email} required />
        <AdminField name="password" label="Password" type="password" autoComplete="current-password" error={errors.password} required />
        <button type="submit" className="button-primary">
          Sign in
        </button>
      </Form>
    </section>
  );
}
