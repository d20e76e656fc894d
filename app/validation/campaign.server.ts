import { z } from "zod";
import { fieldErrors, formFields } from "./organizer.server";
import {
  checkTranslations,
  lenientTranslationShape,
  mergedIssues,
  organizationIdSchema,
  slugSchema,
  translationShape,
  typedValues,
  type FormValues,
} from "./content.server";

export const CAMPAIGN_STATUSES = ["active", "archived"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_FIELDS = ["slug", "organizationId", "titleEn", "summaryEn", "bodyEn", "titleEs", "summaryEs", "bodyEs", "status"] as const;

const CampaignShape = z.object({
  slug: slugSchema,
  ...translationShape,
  status: z.enum(CAMPAIGN_STATUSES, { error: "Choose active or archived" }),
});

/** Cross-field rules, on fields that never fail themselves (see lenientTranslationShape). */
export const CampaignRulesSchema = z.object(lenientTranslationShape).superRefine((value, ctx) => checkTranslations(value, ctx, { summaryRequired: false }));

export const CampaignEditSchema = CampaignShape;
export const CampaignCreateSchema = CampaignShape.extend({ organizationId: organizationIdSchema });

export type CampaignInput = z.output<typeof CampaignShape>;

export type ParsedCampaign<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; values: FormValues };

/** What was typed into the campaign form, to show it again. */
export function campaignFormValues(form: FormData): FormValues {
  return typedValues(form, CAMPAIGN_FIELDS);
}

function parse<T>(schema: z.ZodType<T>, form: FormData): ParsedCampaign<T> {
  const fields = formFields(form, CAMPAIGN_FIELDS);
  const parsed = schema.safeParse(fields);
  const error = mergedIssues(parsed, CampaignRulesSchema.safeParse(fields));
  if (error || !parsed.success) return { ok: false, errors: error ? fieldErrors(error) : {}, values: campaignFormValues(form) };
  return { ok: true, data: parsed.data };
}

export function parseCampaignCreate(form: FormData): ParsedCampaign<CampaignInput & { organizationId: number }> {
  return parse(CampaignCreateSchema, form);
}

export function parseCampaignEdit(form: FormData): ParsedCampaign<CampaignInput> {
  return parse(CampaignEditSchema, form);
}
