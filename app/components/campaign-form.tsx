import { Form } from "@remix-run/react";
import { AdminField } from "~/components/admin-field";
import { describedBy, EditorButtons, ErrorSummary, FieldMessages, PreviewPanel, TranslationFields, valueOf, type FieldLabels, type TextPreviewData } from "~/components/editor-parts";
import type { OrganizationChoice } from "~/models/petition-editor.server";
import type { FormValues } from "~/validation/content.server";

const LABELS: FieldLabels = {
  organizationId: "Organization",
  slug: "Web address",
  titleEn: "Title",
  summaryEn: "Summary",
  bodyEn: "Text",
  titleEs: "Spanish title",
  summaryEs: "Spanish summary",
  bodyEs: "Spanish text",
  status: "Status",
};

export interface CampaignFormProps {
  mode: "create" | "edit";
  values: FormValues;
  errors: Record<string, string>;
  /** Create: where the organizer may create. Edit: the owning organization only. */
  organizations: OrganizationChoice[];
  /** The home page's campaign stays active, so archiving is not offered. */
  isHome: boolean;
  preview?: TextPreviewData[];
}

/** The campaign editor (new and edit): works as a plain HTML form, Preview included. */
export function CampaignForm({ mode, values, errors, organizations, isHome, preview }: CampaignFormProps) {
  return (
    <div className={preview ? "editor editor-with-preview" : "editor"}>
      <Form method="post" noValidate className="editor-form">
        <ErrorSummary errors={errors} labels={LABELS} />
        {mode === "create" && organizations.length > 1 ? (
          <div className={`field${errors.organizationId ? " field-error" : ""}`}>
            <label htmlFor="organizationId">Organization</label>
            <FieldMessages name="organizationId" error={errors.organizationId} />
            <select
              id="organizationId"
              name="organizationId"
              defaultValue={valueOf(values, "organizationId")}
              aria-invalid={errors.organizationId ? true : undefined}
              aria-describedby={describedBy("organizationId", false, Boolean(errors.organizationId))}
            >
              <option value="">Choose an organization</option>
              {organizations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <p>
            <strong>Organization:</strong> {organizations[0]?.name}
            {mode === "create" && organizations[0] ? <input type="hidden" name="organizationId" value={organizations[0].id} /> : null}
          </p>
        )}
        <AdminField
          name="slug"
          label="Web address"
          hint={
            mode === "create"
              ? "Lowercase letters, digits and hyphens: the campaign will be at /campaigns/<address>."
              : "Changing it breaks the links people have already shared."
          }
          defaultValue={valueOf(values, "slug")}
          error={errors.slug}
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          maxLength={80}
          required
        />
        <TranslationFields values={values} errors={errors} summaryRequired={false} what="campaign" />
        <div className={`field${errors.status ? " field-error" : ""}`}>
          <label htmlFor="status">Status</label>
          <FieldMessages name="status" hint={isHome ? "This campaign's text is the home page, so it stays active." : undefined} error={errors.status} />
          <select
            id="status"
            name="status"
            defaultValue={valueOf(values, "status") || "active"}
            aria-invalid={errors.status ? true : undefined}
            aria-describedby={describedBy("status", isHome, Boolean(errors.status))}
          >
            <option value="active">Active: public at /campaigns/{valueOf(values, "slug") || "<address>"}</option>
            {isHome ? null : <option value="archived">Archived: no longer public</option>}
          </select>
        </div>
        <EditorButtons saveLabel={mode === "create" ? "Create campaign" : "Save changes"} />
      </Form>
      {preview ? <PreviewPanel previews={preview} /> : null}
    </div>
  );
}
