import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CampaignForm } from "~/components/campaign-form";
import { EditorErrorBoundary } from "~/components/editor-parts";
import { requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import { campaignSlugErrors, createCampaign } from "~/models/campaign-editor.server";
import { forbidden, previewText, writableOrganizations } from "~/models/petition-editor.server";
import { campaignFormValues, parseCampaignCreate } from "~/validation/campaign.server";
import { previewFields, type FormValues } from "~/validation/content.server";

export const meta: MetaFunction = () => [{ title: "New campaign · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const organizations = await writableOrganizations(context.services.db, organizer);
  if (organizations.length === 0) throw forbidden();
  const values: FormValues = { organizationId: organizations.length === 1 ? String(organizations[0].id) : "", status: "active" };
  return { organizations, values };
});

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  if ((await writableOrganizations(db, organizer)).length === 0) throw forbidden();
  const noStore = { "Cache-Control": "no-store" };
  if (field(form, "intent") === "preview") {
    return data({ preview: previewText(previewFields(form)), values: campaignFormValues(form), errors: {} as Record<string, string> }, { headers: noStore });
  }
  const parsed = parseCampaignCreate(form);
  if (!parsed.ok) {
    const errors = { ...(await campaignSlugErrors(db, field(form, "slug"), null)), ...parsed.errors };
    return data({ errors, values: parsed.values, preview: undefined }, { status: 422, headers: noStore });
  }
  const result = await createCampaign(db, organizer, parsed.data);
  if (!result.ok) return data({ errors: result.errors, values: campaignFormValues(form), preview: undefined }, { status: 422, headers: noStore });
  return redirect(`/admin/campaigns/${result.slug}/edit?saved=created`);
});

export default function NewCampaign() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section>
      <h1>New campaign</h1>
      <CampaignForm
        mode="create"
        values={result?.values ?? loaded.values}
        errors={result?.errors ?? {}}
        organizations={loaded.organizations}
        isHome={false}
        preview={result?.preview}
      />
    </section>
  );
}

export function ErrorBoundary() {
  return <EditorErrorBoundary />;
}
