import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { CampaignForm } from "~/components/campaign-form";
import { EditorErrorBoundary } from "~/components/editor-parts";
import { requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import { campaignSlugErrors, requireEditableCampaign, updateCampaign } from "~/models/campaign-editor.server";
import { previewText } from "~/models/petition-editor.server";
import { campaignFormValues, parseCampaignEdit } from "~/validation/campaign.server";
import { previewFields, type FormValues } from "~/validation/content.server";

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: `${loaded ? `Edit ${loaded.title}` : "Edit campaign"} · Sanctuary` },
  { name: "robots", content: "noindex" },
];

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const campaign = await requireEditableCampaign(context.services.db, organizer, params.slug ?? "");
  const { en, es } = campaign.text;
  const values: FormValues = {
    slug: campaign.slug,
    titleEn: en?.title ?? "",
    summaryEn: en?.summary ?? "",
    bodyEn: en?.body ?? "",
    titleEs: es?.title ?? "",
    summaryEs: es?.summary ?? "",
    bodyEs: es?.body ?? "",
    status: campaign.status,
  };
  return {
    slug: campaign.slug,
    title: en?.title ?? campaign.slug,
    status: campaign.status,
    isHome: campaign.isHome,
    organizations: [{ id: campaign.organizationId, name: campaign.organizationName }],
    values,
    saved: new URL(request.url).searchParams.get("saved"),
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  const campaign = await requireEditableCampaign(db, organizer, params.slug ?? "");
  const noStore = { "Cache-Control": "no-store" };
  if (field(form, "intent") === "preview") {
    return data({ preview: previewText(previewFields(form)), values: campaignFormValues(form), errors: {} as Record<string, string> }, { headers: noStore });
  }
  const parsed = parseCampaignEdit(form);
  if (!parsed.ok) {
    const errors = { ...(await campaignSlugErrors(db, field(form, "slug"), campaign.id)), ...parsed.errors };
    return data({ errors, values: parsed.values, preview: undefined }, { status: 422, headers: noStore });
  }
  const result = await updateCampaign(db, organizer, campaign.slug, parsed.data);
  if (!result.ok) return data({ errors: result.errors, values: campaignFormValues(form), preview: undefined }, { status: 422, headers: noStore });
  return redirect(`/admin/campaigns/${result.slug}/edit?saved=1`);
});

export default function EditCampaign() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section>
      <p className="eyebrow">
        <Link to="/admin/campaigns">Campaigns</Link>
      </p>
      <h1>Edit: {loaded.title}</h1>
      <nav className="subnav" aria-label="This campaign">
        <Link to={`/admin/campaigns/${loaded.slug}/updates`}>Updates</Link>
        <Link to={`/admin/campaigns/${loaded.slug}/edit`} aria-current="page">
          Edit
        </Link>
      </nav>
      {loaded.saved && !result ? (
        <div className="notice" role="status">
          <p>
            {loaded.saved === "created" ? "Campaign created." : "Changes saved."}{" "}
            {loaded.status === "active" ? (
              <>
                It is public at <a href={`/campaigns/${loaded.slug}`}>/campaigns/{loaded.slug}</a>.
              </>
            ) : (
              "It is archived: no longer public."
            )}
          </p>
        </div>
      ) : null}
      <CampaignForm
        mode="edit"
        values={result?.values ?? loaded.values}
        errors={result?.errors ?? {}}
        organizations={loaded.organizations}
        isHome={loaded.isHome}
        preview={result?.preview}
      />
    </section>
  );
}

export function ErrorBoundary() {
  return <EditorErrorBoundary />;
}
