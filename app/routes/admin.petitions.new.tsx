import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { EditorErrorBoundary } from "~/components/editor-parts";
import { PetitionForm } from "~/components/petition-form";
import { requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import {
  allowedStatuses,
  createPetition,
  forbidden,
  formatInterval,
  petitionFormChoices,
  petitionSlugErrors,
  previewText,
  writableOrganizations,
} from "~/models/petition-editor.server";
import { previewFields, type FormValues } from "~/validation/content.server";
import { parsePetitionCreate, petitionFormValues } from "~/validation/petition.server";

export const meta: MetaFunction = () => [{ title: "New petition · Sanctuary" }, { name: "robots", content: "noindex" }];

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const { db, env } = context.services;
  const organizer = await requireOrganizer(request, context);
  const organizations = await writableOrganizations(db, organizer);
  if (organizations.length === 0) throw forbidden();
  const choices = await petitionFormChoices(
    db,
    organizations.map((o) => o.id),
  );
  const values: FormValues = {
    organizationId: organizations.length === 1 ? String(organizations[0].id) : "",
    goal: "1000",
    status: "draft",
    targetRule: "local",
    targetLevels: ["city", "county"],
  };
  return { organizations, ...choices, values, statuses: allowedStatuses(null), defaultInterval: formatInterval(Math.round(env.DELIVERY_INTERVAL / 1000)) };
});

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  if ((await writableOrganizations(db, organizer)).length === 0) throw forbidden();
  const noStore = { "Cache-Control": "no-store" };
  if (field(form, "intent") === "preview") {
    return data({ preview: previewText(previewFields(form)), values: petitionFormValues(form), errors: {} as Record<string, string> }, { headers: noStore });
  }
  const parsed = parsePetitionCreate(form);
  if (!parsed.ok) {
    const errors = { ...(await petitionSlugErrors(db, field(form, "slug"), null)), ...parsed.errors };
    return data({ errors, values: parsed.values, preview: undefined }, { status: 422, headers: noStore });
  }
  const result = await createPetition(db, organizer, parsed.data);
  if (!result.ok) return data({ errors: result.errors, values: petitionFormValues(form), preview: undefined }, { status: 422, headers: noStore });
  return redirect(`/admin/petitions/${result.slug}/edit?saved=created`);
});

export default function NewPetition() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section>
      <h1>New petition</h1>
      <PetitionForm
        mode="create"
        values={result?.values ?? loaded.values}
        errors={result?.errors ?? {}}
        organizations={loaded.organizations}
        campaigns={loaded.campaigns}
        targets={loaded.targets}
        statuses={loaded.statuses}
        fixedSlug={null}
        defaultInterval={loaded.defaultInterval}
        preview={result?.preview}
      />
    </section>
  );
}

export function ErrorBoundary() {
  return <EditorErrorBoundary />;
}
