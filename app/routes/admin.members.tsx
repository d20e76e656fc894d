import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { AdminField } from "~/components/admin-field";
import { requireOrganizer } from "~/lib/auth.server";
import { guard, readForm } from "~/lib/http.server";
import {
  changeMemberRole,
  inviteMember,
  listMembers,
  manageableOrganizations,
  removeMember,
  requireManagedOrganization,
  resendInvite,
  stillManages,
  type MemberChange,
} from "~/models/members.server";
import { InviteSchema, MemberIntentSchema, MemberRefSchema, OrganizationSlugSchema, RoleChangeSchema } from "~/validation/members.server";
import { fieldErrors, formFields } from "~/validation/organizer.server";
import { ROLES } from "../../db/schema";

export const meta: MetaFunction = () => [{ title: "Members · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db } = context.services;
  const url = new URL(request.url);
  const organization = await requireManagedOrganization(db, organizer, OrganizationSlugSchema.parse(url.searchParams.get("org") ?? undefined));
  const [members, organizations] = await Promise.all([listMembers(db, organization.id), manageableOrganizations(db, organizer)]);
  return {
    organization,
    organizations,
    me: organizer.id,
    members: members.map((m) => ({ ...m, since: m.since.toISOString(), lastLoginAt: m.lastLoginAt?.toISOString() ?? null })),
    done: url.searchParams.get("done"),
  };
});

const DONE: Record<string, string> = {
  invite: "Invitation sent. The link in it works once, for 24 hours.",
  resend: "Invitation sent again with a new link.",
  role: "Role changed.",
  remove: "Member removed.",
};

interface MembersActionResult {
  intent: string;
  errors: Record<string, string>;
  values: { email?: string; role?: string };
  organizerId?: string | null;
}

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db } = context.services;
  const url = new URL(request.url);
  const organization = await requireManagedOrganization(db, organizer, OrganizationSlugSchema.parse(url.searchParams.get("org") ?? undefined));
  const form = await readForm(request);
  const intent = MemberIntentSchema.safeParse(form.get("intent"));
  if (!intent.success) return data({ intent: "invite", errors: { form: "Send the form again" } as Record<string, string>, values: {} }, { status: 422 });
  const fields = formFields(form, ["email", "role", "organizerId"]);
  const values = { email: (fields.email ?? "").slice(0, 254), role: fields.role ?? "" };
  let outcome: MemberChange;
  let change: { organizerId: number; role: (typeof ROLES)[number] | null } | null = null;
  switch (intent.data) {
    case "invite": {
      const parsed = InviteSchema.safeParse(fields);
      if (!parsed.success) return data({ intent: intent.data, errors: fieldErrors(parsed.error), values }, { status: 422 });
      outcome = await inviteMember(db, organizer, organization.id, parsed.data);
      break;
    }
    case "role": {
      const parsed = RoleChangeSchema.safeParse(fields);
      if (!parsed.success) return data({ intent: intent.data, errors: fieldErrors(parsed.error), values }, { status: 422 });
      outcome = await changeMemberRole(db, organizer, organization.id, parsed.data.organizerId, parsed.data.role);
      change = parsed.data;
      break;
    }
    case "remove":
    case "resend": {
      const parsed = MemberRefSchema.safeParse(fields);
      if (!parsed.success) return data({ intent: intent.data, errors: fieldErrors(parsed.error), values }, { status: 422 });
      if (intent.data === "remove") {
        outcome = await removeMember(db, organizer, organization.id, parsed.data.organizerId);
        change = { organizerId: parsed.data.organizerId, role: null };
      } else {
        outcome = await resendInvite(db, organizer, organization.id, parsed.data.organizerId);
      }
      break;
    }
  }
  if (!outcome.ok) {
    return data(
      { intent: intent.data, errors: { [outcome.field]: outcome.message } as Record<string, string>, values, organizerId: fields.organizerId ?? null },
      { status: 409 },
    );
  }
  // Someone who just gave up their own ownership no longer manages this page.
  if (change && !stillManages(organizer, organization.id, change)) return redirect("/admin");
  return redirect(`/admin/members?org=${organization.slug}&done=${intent.data}`);
});

export default function Members() {
  const { organization, organizations, me, members, done } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as MembersActionResult | undefined;
  const errors: Record<string, string> = result?.errors ?? {};
  const inviteErrors = result?.intent === "invite" ? errors : {};
  const rowError = result && result.intent !== "invite" ? Object.values(errors)[0] : undefined;
  const rowErrorFor = result?.organizerId ?? null;
  const action = `/admin/members?org=${organization.slug}`;
  return (
    <section>
      <h1>Members of {organization.name}</h1>
      {organizations.length > 1 ? (
        <Form method="get" className="filters">
          <div className="field">
            <label htmlFor="org">Organization</label>
            <select id="org" name="org" defaultValue={organization.slug}>
              {organizations.map((o) => (
                <option key={o.slug} value={o.slug}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button-secondary">
            Show
          </button>
        </Form>
      ) : null}
      {done && DONE[done] ? (
        <p role="status" className="panel">
          {DONE[done]}
        </p>
      ) : null}
      {rowError && !rowErrorFor ? (
        <div className="error-summary" role="alert">
          <p>{rowError}</p>
        </div>
      ) : null}
      <p className="hint">Owners manage members; organizers write, deliver and export; viewers see numbers only. An organization always keeps at least one owner.</p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.email}
                  {m.id === me ? " (you)" : ""}
                  {m.isAdmin ? " (platform admin)" : ""}
                </td>
                <td>
                  <Form method="post" action={action} className="inline-form">
                    <input type="hidden" name="organizerId" value={m.id} />
                    <select id={`role-${m.id}`} name="role" defaultValue={m.role} aria-label={`Role of ${m.email}`}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>{" "}
                    <button type="submit" name="intent" value="role" className="link-button">
                      Change role
                    </button>
                  </Form>
                  {rowError && rowErrorFor === String(m.id) ? (
                    <p className="error-message" role="alert">
                      {rowError}
                    </p>
                  ) : null}
                </td>
                <td>{m.disabled ? "Disabled" : m.invited ? "Invited (no password yet)" : m.lastLoginAt ? `Last sign-in ${m.lastLoginAt.slice(0, 10)}` : "Never signed in"}</td>
                <td>
                  {m.invited && !m.disabled ? (
                    <Form method="post" action={action} className="inline-form">
                      <input type="hidden" name="organizerId" value={m.id} />
                      <button type="submit" name="intent" value="resend" className="link-button">
                        Send the invitation again
                      </button>
                    </Form>
                  ) : null}
                  <Form method="post" action={action} className="inline-form">
                    <input type="hidden" name="organizerId" value={m.id} />
                    <button type="submit" name="intent" value="remove" className="link-button" aria-label={`Remove ${m.email}`}>
                      Remove
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Invite someone</h2>
      <p className="hint">They get an email with a link to choose a password (it works once, for 24 hours). Someone who already has an account gets a note to sign in.</p>
      <Form method="post" action={action} noValidate className="panel admin-form">
        {inviteErrors.form ? (
          <div className="error-summary" role="alert">
            <p>{inviteErrors.form}</p>
          </div>
        ) : null}
        <AdminField
          name="email"
          label="Email address"
          type="email"
          autoComplete="off"
          defaultValue={result?.intent === "invite" ? result.values.email : ""}
          error={inviteErrors.email}
          maxLength={254}
          required
        />
        <div className={`field${inviteErrors.role ? " field-error" : ""}`}>
          <label htmlFor="invite-role">Role</label>
          {inviteErrors.role ? (
            <p className="error-message" id="invite-role-error">
              {inviteErrors.role}
            </p>
          ) : null}
          <select
            id="invite-role"
            name="role"
            defaultValue={result?.intent === "invite" && result.values.role ? result.values.role : "organizer"}
            aria-describedby={inviteErrors.role ? "invite-role-error" : undefined}
          >
            <option value="viewer">Viewer: sees numbers only</option>
            <option value="organizer">Organizer: writes, delivers, exports</option>
            <option value="owner">Owner: also manages members</option>
          </select>
        </div>
        <button type="submit" name="intent" value="invite" className="button-primary">
          Send invitation
        </button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
