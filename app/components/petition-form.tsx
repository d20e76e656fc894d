import { Form } from "@remix-run/react";
import { AdminField } from "~/components/admin-field";
import {
  describedBy,
  EditorButtons,
  ErrorSummary,
  FieldMessages,
  PreviewPanel,
  TranslationFields,
  valueOf,
  valuesOf,
  type FieldLabels,
  type TextPreviewData,
} from "~/components/editor-parts";
import type { CampaignChoice, OrganizationChoice, TargetChoice } from "~/models/petition-editor.server";
import type { FormValues } from "~/validation/content.server";
import type { PetitionStatus, TargetLevel } from "../../db/schema";

const STATUS_LABELS: Record<PetitionStatus, string> = {
  draft: "Draft: only the workspace sees it",
  open: "Open: public, takes signatures",
  closed: "Closed: public, shows its result, takes no signatures",
  archived: "Archived: no longer public",
};

const LEVEL_LABELS: Record<TargetLevel, string> = {
  city: "City (the mayor)",
  county: "County (the sheriff or county executive)",
  state: "State (the governor)",
};

const LABELS: FieldLabels = {
  organizationId: "Organization",
  slug: "Web address",
  titleEn: "Title",
  summaryEn: "Summary",
  bodyEn: "Text",
  titleEs: "Spanish title",
  summaryEs: "Spanish summary",
  bodyEs: "Spanish text",
  goal: "Goal",
  status: "Status",
  campaignId: "Campaign",
  targetRule: "Who receives the signatures",
  targetLevels: "Levels",
  targetIds: "Officials",
  deliveryInterval: "Delivery interval",
  milestoneUpdates: "Milestone updates",
};

export interface PetitionFormProps {
  mode: "create" | "edit";
  values: FormValues;
  errors: Record<string, string>;
  /** Create: where the organizer may create. Edit: the owning organization only. */
  organizations: OrganizationChoice[];
  campaigns: CampaignChoice[];
  targets: TargetChoice[];
  /** The current status and where it may go (only these are offered). */
  statuses: PetitionStatus[];
  /** The current address when it can no longer change; null while it can. */
  fixedSlug: string | null;
  /** The site's DELIVERY_INTERVAL, e.g. "24h". */
  defaultInterval: string;
  preview?: TextPreviewData[];
}

function OrganizationField({ organizations, values, error }: { organizations: OrganizationChoice[]; values: FormValues; error?: string }) {
  if (organizations.length === 1) {
    return (
      <div className="field">
        <p>
          <strong>Organization:</strong> {organizations[0].name}
        </p>
        <input type="hidden" name="organizationId" value={organizations[0].id} />
      </div>
    );
  }
  return (
    <div className={`field${error ? " field-error" : ""}`}>
      <label htmlFor="organizationId">Organization</label>
      <FieldMessages name="organizationId" hint="The organization that owns the petition and sees its signers." error={error} />
      <select
        id="organizationId"
        name="organizationId"
        defaultValue={valueOf(values, "organizationId")}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy("organizationId", true, Boolean(error))}
        required
      >
        <option value="">Choose an organization</option>
        {organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function CampaignField({ campaigns, values, error, grouped }: { campaigns: CampaignChoice[]; values: FormValues; error?: string; grouped: boolean }) {
  const option = (c: CampaignChoice) => (
    <option key={c.id} value={c.id}>
      {c.title}
      {c.archived ? " (archived)" : ""}
    </option>
  );
  const organizations = [...new Set(campaigns.map((c) => c.organizationName))];
  return (
    <div className={`field${error ? " field-error" : ""}`}>
      <label htmlFor="campaignId">Campaign (optional)</label>
      <FieldMessages name="campaignId" hint={grouped ? "Only a campaign of the organization that owns the petition." : undefined} error={error} />
      <select
        id="campaignId"
        name="campaignId"
        defaultValue={valueOf(values, "campaignId")}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy("campaignId", grouped, Boolean(error))}
      >
        <option value="">No campaign</option>
        {grouped
          ? organizations.map((name) => (
              <optgroup key={name} label={name}>
                {campaigns.filter((c) => c.organizationName === name).map(option)}
              </optgroup>
            ))
          : campaigns.map(option)}
      </select>
    </div>
  );
}

function TargetFields({ targets, values, errors }: { targets: TargetChoice[]; values: FormValues; errors: Record<string, string> }) {
  const rule = valueOf(values, "targetRule") || "local";
  const levels = valuesOf(values, "targetLevels");
  const chosen = new Set(valuesOf(values, "targetIds"));
  return (
    <fieldset className={`editor-group${errors.targetRule ? " field-error" : ""}`} aria-describedby={describedBy("targetRule", false, Boolean(errors.targetRule))}>
      <legend>Who receives the signatures</legend>
      <FieldMessages name="targetRule" error={errors.targetRule} />
      <div className="choice">
        <input type="radio" id="targetRule" name="targetRule" value="local" defaultChecked={rule === "local"} />
        <label htmlFor="targetRule">The signer&apos;s local officials, found from their ZIP code</label>
      </div>
      <fieldset
        className={`editor-subgroup${errors.targetLevels ? " field-error" : ""}`}
        aria-describedby={describedBy("targetLevels", true, Boolean(errors.targetLevels))}
      >
        <legend>Levels</legend>
        <FieldMessages name="targetLevels" hint="Used with local officials." error={errors.targetLevels} />
        {(["city", "county", "state"] as const).map((level, index) => (
          <div className="choice" key={level}>
            <input
              type="checkbox"
              id={index === 0 ? "targetLevels" : `targetLevels-${level}`}
              name="targetLevels"
              value={level}
              defaultChecked={levels.includes(level)}
            />
            <label htmlFor={index === 0 ? "targetLevels" : `targetLevels-${level}`}>{LEVEL_LABELS[level]}</label>
          </div>
        ))}
      </fieldset>
      <div className="choice">
        <input type="radio" id="targetRule-fixed" name="targetRule" value="fixed" defaultChecked={rule === "fixed"} />
        <label htmlFor="targetRule-fixed">Fixed officials, the same for every signer</label>
      </div>
      <fieldset
        className={`editor-subgroup${errors.targetIds ? " field-error" : ""}`}
        aria-describedby={describedBy("targetIds", true, Boolean(errors.targetIds))}
      >
        <legend>Officials</legend>
        <FieldMessages name="targetIds" hint="Used with fixed officials. Only active officials are listed." error={errors.targetIds} />
        {targets.length === 0 ? (
          <p>No officials yet. Import them under Targets first.</p>
        ) : (
          <div className="checkbox-list">
            {targets.map((target, index) => {
              const id = index === 0 ? "targetIds" : `targetIds-${target.id}`;
              return (
                <div className="choice" key={target.id}>
                  <input type="checkbox" id={id} name="targetIds" value={target.id} defaultChecked={chosen.has(String(target.id))} />
                  <label htmlFor={id}>
                    {target.name}, {target.office} ({target.jurisdiction}, {target.state})
                  </label>
                </div>
              );
            })}
          </div>
        )}
      </fieldset>
    </fieldset>
  );
}

/** The petition editor (new and edit): works as a plain HTML form, Preview included. */
export function PetitionForm(props: PetitionFormProps) {
  const { mode, values, errors, organizations, campaigns, targets, statuses, fixedSlug, defaultInterval, preview } = props;
  const status = valueOf(values, "status") || statuses[0];
  return (
    <div className={preview ? "editor editor-with-preview" : "editor"}>
      <Form method="post" noValidate className="editor-form">
        <ErrorSummary errors={errors} labels={LABELS} />
        {mode === "create" ? (
          <OrganizationField organizations={organizations} values={values} error={errors.organizationId} />
        ) : (
          <p>
            <strong>Organization:</strong> {organizations[0]?.name}
          </p>
        )}
        {fixedSlug === null ? (
          <AdminField
            name="slug"
            label="Web address"
            hint="Lowercase letters, digits and hyphens: the petition will be at /petitions/<address>. It can't change once the petition has been opened."
            defaultValue={valueOf(values, "slug")}
            error={errors.slug}
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            maxLength={80}
            required
          />
        ) : (
          <p>
            <strong>Web address:</strong> <a href={`/petitions/${fixedSlug}`}>/petitions/{fixedSlug}</a> (fixed since the petition was opened)
          </p>
        )}
        <TranslationFields values={values} errors={errors} summaryRequired what="petition" />
        <AdminField
          name="goal"
          label="Goal"
          hint="The number of confirmed signatures to aim for."
          inputMode="numeric"
          defaultValue={valueOf(values, "goal")}
          error={errors.goal}
          maxLength={12}
          required
        />
        <div className={`field${errors.status ? " field-error" : ""}`}>
          <label htmlFor="status">Status</label>
          <FieldMessages
            name="status"
            hint={mode === "edit" ? "Only the changes allowed from the current status are offered. An opened petition never returns to draft." : undefined}
            error={errors.status}
          />
          <select
            id="status"
            name="status"
            defaultValue={status}
            aria-invalid={errors.status ? true : undefined}
            aria-describedby={describedBy("status", mode === "edit", Boolean(errors.status))}
          >
            {statuses.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <CampaignField campaigns={campaigns} values={values} error={errors.campaignId} grouped={new Set(campaigns.map((c) => c.organizationId)).size > 1} />
        <div className="field">
          <div className="choice">
            <input
              type="checkbox"
              id="milestoneUpdates"
              name="milestoneUpdates"
              value="1"
              defaultChecked={Boolean(valueOf(values, "milestoneUpdates"))}
              aria-describedby="milestoneUpdates-hint"
            />
            <label htmlFor="milestoneUpdates">Email campaign followers at 25/50/75/100 % of the goal</label>
          </div>
          <FieldMessages name="milestoneUpdates" hint="Only for a petition in a campaign: an automatic update goes to the campaign's followers as each milestone is reached." />
        </div>
        <TargetFields targets={targets} values={values} errors={errors} />
        <AdminField
          name="deliveryInterval"
          label="Delivery interval (optional)"
          hint={`How often each official gets a digest at most, like 24h, 15m or 2d. Leave empty for the site default (${defaultInterval}).`}
          defaultValue={valueOf(values, "deliveryInterval")}
          error={errors.deliveryInterval}
          autoCapitalize="none"
          spellCheck={false}
          maxLength={12}
        />
        <EditorButtons saveLabel={mode === "create" ? "Create petition" : "Save changes"} />
      </Form>
      {preview ? <PreviewPanel previews={preview} /> : null}
    </div>
  );
}
