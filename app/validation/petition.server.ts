import { z } from "zod";
import { parseDuration } from "~/lib/duration";
import { fieldErrors } from "./organizer.server";
import {
  allStrings,
  checkTranslations,
  lenientTranslationShape,
  mergedIssues,
  organizationIdSchema,
  slugSchema,
  translationShape,
  typedValues,
  type FormValues,
} from "./content.server";
import { PETITION_STATUSES, TARGET_LEVELS, type PetitionStatus, type TargetLevel } from "../../db/schema";

export const GOAL_MAX = 100_000_000;
/** Bounds of a petition's own delivery interval: no official gets a digest more than once a minute. */
export const INTERVAL_MIN_SECONDS = 60;
export const INTERVAL_MAX_SECONDS = 30 * 86_400;

export const PETITION_SINGLE_FIELDS = [
  "slug",
  "organizationId",
  "titleEn",
  "summaryEn",
  "bodyEn",
  "titleEs",
  "summaryEs",
  "bodyEs",
  "goal",
  "status",
  "campaignId",
  "targetRule",
  "deliveryInterval",
  "milestoneUpdates",
] as const;
export const PETITION_MULTIPLE_FIELDS = ["targetLevels", "targetIds"] as const;

const goal = z
  .string({ error: "Enter a goal, like 1000" })
  .optional()
  .transform((value) => (value ?? "").trim().replace(/[,\s_]/g, ""))
  .pipe(
    z
      .string()
      .min(1, "Enter a goal, like 1000")
      .regex(/^\d+$/, "Enter the goal as a whole number of signatures, like 1000")
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(1, "The goal must be at least 1 signature")
          .max(GOAL_MAX, `The goal must be at most ${GOAL_MAX.toLocaleString("en-US")} signatures`),
      ),
  );

const INTERVAL_MESSAGE = "Enter a duration like 24h, 15m or 2d, or leave it empty for the site default";

const deliveryInterval = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const trimmed = (value ?? "").trim().toLowerCase();
    if (!trimmed) return null;
    const ms = parseDuration(trimmed);
    if (ms === null || ms < 1_000 || ms % 1_000 !== 0) {
      ctx.addIssue({ code: "custom", message: INTERVAL_MESSAGE });
      return z.NEVER;
    }
    const seconds = ms / 1_000;
    if (seconds < INTERVAL_MIN_SECONDS) {
      ctx.addIssue({ code: "custom", message: "Deliver at most once a minute: enter 1m or more" });
      return z.NEVER;
    }
    if (seconds > INTERVAL_MAX_SECONDS) {
      ctx.addIssue({ code: "custom", message: "Deliver at least once every 30 days: enter 30d or less" });
      return z.NEVER;
    }
    return seconds;
  });

const optionalId = (message: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const trimmed = (value ?? "").trim();
      if (!trimmed) return null;
      if (!/^\d{1,9}$/.test(trimmed)) {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      return Number(trimmed);
    });

const PetitionShape = z.object({
  slug: slugSchema,
  ...translationShape,
  goal,
  status: z.enum(PETITION_STATUSES, { error: "Choose a status" }),
  campaignId: optionalId("Choose a campaign from the list"),
  targetRule: z.enum(["local", "fixed"], { error: "Choose who receives the petition" }),
  targetLevels: z.array(z.enum(TARGET_LEVELS, { error: "Choose levels from the list" })).transform((levels) => [...new Set(levels)]),
  targetIds: z
    .array(z.string().regex(/^\d{1,9}$/, "Choose officials from the list").transform(Number))
    .max(500, "Choose at most 500 officials")
    .transform((ids) => [...new Set(ids)]),
  deliveryInterval,
  // A checkbox: posted when ticked, absent when not.
  milestoneUpdates: z
    .string()
    .optional()
    .transform((value) => value !== undefined && value !== "" && value !== "0"),
});

/** Cross-field rules, on fields that never fail themselves (see lenientTranslationShape). */
export const PetitionRulesSchema = z
  .object({
    ...lenientTranslationShape,
    targetRule: z.string().optional(),
    targetLevels: z.array(z.string()),
    targetIds: z.array(z.string()),
  })
  .superRefine((value, ctx) => {
    checkTranslations(value, ctx, { summaryRequired: true });
    if (value.targetRule === "local" && value.targetLevels.length === 0) {
      ctx.addIssue({ code: "custom", path: ["targetLevels"], message: "Tick at least one level: city, county or state" });
    }
    if (value.targetRule === "fixed" && value.targetIds.length === 0) {
      ctx.addIssue({ code: "custom", path: ["targetIds"], message: "Choose at least one official" });
    }
  });

export const PetitionEditSchema = PetitionShape;
export const PetitionCreateSchema = PetitionShape.extend({ organizationId: organizationIdSchema });

export interface PetitionInput {
  slug: string;
  titleEn: string;
  summaryEn: string;
  bodyEn: string;
  titleEs: string;
  summaryEs: string;
  bodyEs: string;
  goal: number;
  status: PetitionStatus;
  campaignId: number | null;
  targetRule: "local" | "fixed";
  targetLevels: TargetLevel[];
  targetIds: number[];
  /** null: the site's DELIVERY_INTERVAL. */
  deliveryIntervalSeconds: number | null;
  /** Email the campaign's followers at 25/50/75/100 % of the goal. */
  milestoneUpdates: boolean;
}

export type ParsedPetition<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; values: FormValues };

function raw(form: FormData, options: { slug?: string }) {
  const fields: Record<string, unknown> = {};
  for (const name of PETITION_SINGLE_FIELDS) {
    const value = form.get(name);
    fields[name] = typeof value === "string" ? value : undefined;
  }
  for (const name of PETITION_MULTIPLE_FIELDS) fields[name] = allStrings(form, name);
  // Once a petition has been opened its address is fixed (people have shared it), so the form does not post it.
  if (options.slug !== undefined) fields.slug = options.slug;
  return fields;
}

function toInput(data: z.output<typeof PetitionShape>): PetitionInput {
  const { deliveryInterval: seconds, ...rest } = data;
  return { ...rest, deliveryIntervalSeconds: seconds };
}

/** What was typed into the petition form, to show it again. */
export function petitionFormValues(form: FormData): FormValues {
  return typedValues(form, PETITION_SINGLE_FIELDS, PETITION_MULTIPLE_FIELDS);
}

/** The new-petition form: every field, and the organization that will own it. */
export function parsePetitionCreate(form: FormData): ParsedPetition<PetitionInput & { organizationId: number }> {
  const fields = raw(form, {});
  const parsed = PetitionCreateSchema.safeParse(fields);
  const error = mergedIssues(parsed, PetitionRulesSchema.safeParse(fields));
  if (error || !parsed.success) return { ok: false, errors: error ? fieldErrors(error) : {}, values: petitionFormValues(form) };
  return { ok: true, data: { ...toInput(parsed.data), organizationId: parsed.data.organizationId } };
}

/** The edit form; `fixedSlug` replaces the posted slug when the address may no longer change. */
export function parsePetitionEdit(form: FormData, fixedSlug?: string): ParsedPetition<PetitionInput> {
  const fields = raw(form, { slug: fixedSlug });
  const parsed = PetitionEditSchema.safeParse(fields);
  const error = mergedIssues(parsed, PetitionRulesSchema.safeParse(fields));
  if (error || !parsed.success) return { ok: false, errors: error ? fieldErrors(error) : {}, values: petitionFormValues(form) };
  return { ok: true, data: toInput(parsed.data) };
}
