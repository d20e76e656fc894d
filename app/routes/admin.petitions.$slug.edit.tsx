import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { EditorErrorBoundary } from "~/components/editor-parts";
import { PetitionForm } from "~/components/petition-form";
import { requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import {
  allowedStatuses,
  formatInterval,
  petitionFormChoices,
  petitionSlugErrors,
  previewText,
  requireEditablePetition,
  updatePetition,
} from "~/models/petition-editor.server";
import { previewFields, type FormValues } from "~/validation/content.server";
import { parsePetitionEdit, petitionFormValues } from "~/validation/petition.server";

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: `${loaded ? `Edit ${loaded.title}` : "Edit petition"} · Sanctuary` },
  { name: "robots", content: "noindex" },
];

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const organizer = await requireOrganizer(request, context);
  const petition = await requireEditablePetition(db, organizer, params.slug ?? "");
  const choices = await petitionFormChoices(db, [petition.organizationId], petition.campaignId);
  const en = petition.text.en;
  const es = petition.text.es;
  const values: FormValues = {
    slug: petition.slug,
    titleEn: en?.title ?? "",
    summaryEn: en?.summary ?? "",
    bodyEn: en?.body ?? "",
    titleEs: es?.title ?? "",
    summaryEs: es?.summary ?? "",
    bodyEs: es?.body ?? "",
    goal: String(petition.goal),
    status: petition.status,
    campaignId: petition.campaignId === null ? "" : String(petition.campaignId),
    targetRule: petition.targetRule,
    targetLevels: petition.targetLevels,
    targetIds: petition.targetIds.map(String),
    deliveryInterval: formatInterval(petition.deliveryIntervalSeconds),
    milestoneUpdates: petition.milestoneUpdates ? "1" : "",
  };
  return {
    slug: petition.slug,
    title: en?.title ?? petition.slug,
    status: petition.status,
    organizations: [{ id: petition.organizationId, name: petition.organizationName }],
    ...choices,
    values,
    statuses: allowedStatuses(petition.status),
    fixedSlug: petition.slugEditable ? null : petition.slug,
    defaultInterval: formatInterval(Math.round(env.DELIVERY_INTERVAL / 1000)),
    saved: new URL(request.url).searchParams.get("saved"),
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db, counts } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  const petition = await requireEditablePetition(db, organizer, params.slug ?? "");
  const noStore = { "Cache-Control": "no-store" };
  if (field(form, "intent") === "preview") {
    return data({ preview: previewText(previewFields(form)), values: petitionFormValues(form), errors: {} as Record<string, string> }, { headers: noStore });
  }
  const parsed = parsePetitionEdit(form, petition.slugEditable ? undefined : petition.slug);
  if (!parsed.ok) {
    const slugErrors = petition.slugEditable ? await petitionSlugErrors(db, field(form, "slug"), petition.id) : {};
    return data({ errors: { ...slugErrors, ...parsed.errors }, values: parsed.values, preview: undefined }, { status: 422, headers: noStore });
  }
  const result = await updatePetition(db, organizer, petition.slug, parsed.data);
  if (!result.ok) return data({ errors: result.errors, values: petitionFormValues(form), preview: undefined }, { status: 422, headers: noStore });
  // A petition that just closed shows its result: make that number exact rather than up to two seconds old.
  counts.invalidate(petition.id);
  return redirect(`/admin/petitions/${result.slug}/edit?saved=1`);
});

export default function EditPetition() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const isPublic = loaded.status === "open" || loaded.status === "closed";
  return (
    <section>
      <p className="eyebrow">
        <Link to="/admin">Petitions</Link>
      </p>
      <h1>Edit: {loaded.title}</h1>
      {loaded.saved && !result ? (
        <div className="notice" role="status">
          <p>
            {loaded.saved === "created" ? "Petition created." : "Changes saved."}{" "}
            {isPublic ? (
              <>
                It is public at <a href={`/petitions/${loaded.slug}`}>/petitions/{loaded.slug}</a>.
              </>
            ) : loaded.status === "draft" ? (
              "It is a draft: only the workspace sees it until you open it."
            ) : (
              "It is archived: no longer public."
            )}
          </p>
        </div>
      ) : null}
      <PetitionForm
        mode="edit"
        values={result?.values ?? loaded.values}
        errors={result?.errors ?? {}}
        organizations={loaded.organizations}
        campaigns={loaded.campaigns}
        targets={loaded.targets}
        statuses={loaded.statuses}
        fixedSlug={loaded.fixedSlug}
        defaultInterval={loaded.defaultInterval}
        preview={result?.preview}
      />
    </section>
  );
}

export function ErrorBoundary() {
  return <EditorErrorBoundary />;
}
