import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { AdminField } from "~/components/admin-field";
import { AdminTextarea, describedBy, EditorButtons, EditorErrorBoundary, ErrorSummary, FieldMessages, PreviewPanel, valueOf, type TextPreviewData } from "~/components/editor-parts";
import { requireOrganizer } from "~/lib/auth.server";
import { field, guard, readForm } from "~/lib/http.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { confirmedFollowerCount, createCampaignUpdate, requireUpdatesCampaign } from "~/models/campaign-updates.server";
import { campaignUpdateFormValues, parseCampaignUpdate, UPDATE_BODY_MAX, UPDATE_TITLE_MAX } from "~/validation/campaign-update.server";
import type { FormValues } from "~/validation/content.server";

// Writing a campaign update: organizers and owners of the campaign's organization
// (a viewer gets a 403, another organization a 404). Publishing mails every
// confirmed follower, now or at the chosen time.

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: `${loaded ? `New update: ${loaded.campaign.title}` : "New update"} · Sanctuary` },
  { name: "robots", content: "noindex" },
];

const LABELS = {
  title: "Title",
  body: "Text",
  titleEs: "Spanish title",
  bodyEs: "Spanish text",
  when: "When",
  sendAt: "Date and time (UTC)",
};

const noStore = { "Cache-Control": "no-store" };

export const loader = /* @__PURE__ */ guard(async ({ request, params, context }: LoaderFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const campaign = await requireUpdatesCampaign(db, organizer, params.slug ?? "", "organizer");
  return {
    campaign: { slug: campaign.slug, title: campaign.title },
    followers: await confirmedFollowerCount(db, campaign.id),
    values: { when: "now" } as FormValues,
    nowUtc: new Date().toISOString(),
  };
});

export const action = /* @__PURE__ */ guard(async ({ request, params, context }: ActionFunctionArgs) => {
  const { db } = context.services;
  const organizer = await requireOrganizer(request, context);
  const form = await readForm(request);
  const campaign = await requireUpdatesCampaign(db, organizer, params.slug ?? "", "organizer");
  if (field(form, "intent") === "preview") {
    // Rendered here, with the sanitizer the campaign page and the email use; nothing is stored.
    const text = (name: string) => (field(form, name) ?? "").slice(0, UPDATE_BODY_MAX * 2);
    const preview: TextPreviewData[] = [{ locale: "en", title: text("title").trim(), summary: "", bodyHtml: renderMarkdown(text("body")) }];
    if (text("titleEs").trim() || text("bodyEs").trim()) preview.push({ locale: "es", title: text("titleEs").trim(), summary: "", bodyHtml: renderMarkdown(text("bodyEs")) });
    return data({ preview, values: campaignUpdateFormValues(form), errors: {} as Record<string, string> }, { headers: noStore });
  }
  const parsed = parseCampaignUpdate(form);
  if (!parsed.ok) return data({ errors: parsed.errors, values: parsed.values, preview: undefined }, { status: 422, headers: noStore });
  const updateId = await createCampaignUpdate(db, organizer, campaign, parsed.data);
  // Sent now: in embedded mode, start the fan-out at once rather than at the next poll.
  if (parsed.data.sendAt === null) context.services.jobs?.wake();
  return redirect(`/admin/campaigns/${encodeURIComponent(campaign.slug)}/updates?${parsed.data.sendAt ? "scheduled" : "published"}=${updateId}`);
});

function WhenFields({ values, errors, nowUtc }: { values: FormValues; errors: Record<string, string>; nowUtc: string }) {
  const when = valueOf(values, "when") || (valueOf(values, "sendAt") ? "later" : "now");
  return (
    <fieldset className={`editor-group${errors.when ? " field-error" : ""}`} aria-describedby={describedBy("when", false, Boolean(errors.when))}>
      <legend>When</legend>
      <FieldMessages name="when" error={errors.when} />
      <div className="choice">
        <input type="radio" id="when" name="when" value="now" defaultChecked={when !== "later"} />
        <label htmlFor="when">Send now</label>
      </div>
      <div className="choice">
        <input type="radio" id="when-later" name="when" value="later" defaultChecked={when === "later"} />
        <label htmlFor="when-later">At a set time</label>
      </div>
      <div className="editor-subgroup">
        <AdminField
          name="sendAt"
          type="datetime-local"
          label="Date and time (UTC)"
          hint={`In UTC, not your local time: it is now ${nowUtc.slice(0, 16).replace("T", " ")} UTC. Within the next year. Until then you can cancel it from the list.`}
          defaultValue={valueOf(values, "sendAt")}
          error={errors.sendAt}
        />
      </div>
    </fieldset>
  );
}

export default function NewCampaignUpdate() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const values = result?.values ?? loaded.values;
  const errors = result?.errors ?? {};
  const base = `/admin/campaigns/${loaded.campaign.slug}`;
  return (
    <section>
      <p className="eyebrow">
        <Link to="/admin/campaigns">Campaigns</Link> › <Link to={`${base}/updates`}>Updates</Link>
      </p>
      <h1>New update: {loaded.campaign.title}</h1>
      <p>
        Published on the campaign page and in its feed, and emailed once to each of its{" "}
        <strong>{loaded.followers.toLocaleString("en-US")}</strong> confirmed {loaded.followers === 1 ? "follower" : "followers"}, in their language.
      </p>
      <div className={result?.preview ? "editor editor-with-preview" : "editor"}>
        <Form method="post" noValidate className="editor-form">
          <ErrorSummary errors={errors} labels={LABELS} />
          <fieldset className="editor-group">
            <legend>English</legend>
            <AdminField name="title" label="Title" defaultValue={valueOf(values, "title")} error={errors.title} maxLength={UPDATE_TITLE_MAX} required />
            <AdminTextarea
              name="body"
              label="Text"
              hint="Markdown: **bold**, *italic*, [a link](https://example.org), lists with -, headings with ##. Press Preview to see it."
              rows={14}
              maxLength={UPDATE_BODY_MAX}
              defaultValue={valueOf(values, "body")}
              error={errors.body}
              required
            />
          </fieldset>
          <fieldset className="editor-group">
            <legend>
              <span lang="es">Español</span> (optional)
            </legend>
            <p className="hint">Leave both empty to send the English text to Spanish-speaking followers too.</p>
            <AdminField name="titleEs" label="Spanish title" lang="es" defaultValue={valueOf(values, "titleEs")} error={errors.titleEs} maxLength={UPDATE_TITLE_MAX} />
            <AdminTextarea name="bodyEs" label="Spanish text (Markdown)" lang="es" rows={14} maxLength={UPDATE_BODY_MAX} defaultValue={valueOf(values, "bodyEs")} error={errors.bodyEs} />
          </fieldset>
          <WhenFields values={values} errors={errors} nowUtc={loaded.nowUtc} />
          <EditorButtons saveLabel="Publish update" />
        </Form>
        {result?.preview ? <PreviewPanel previews={result.preview} /> : null}
      </div>
    </section>
  );
}

export function ErrorBoundary() {
  return <EditorErrorBoundary />;
}
