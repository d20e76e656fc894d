import { z } from "zod";
import { fieldErrors, formFields } from "./organizer.server";
import { typedValues, type FormValues } from "./content.server";

// The organizer's update form: English title and Markdown body, an optional
// Spanish translation, and when it goes out. Admin pages are English only.

export const UPDATE_TITLE_MAX = 200;
export const UPDATE_BODY_MAX = 20_000;
/** A scheduled update goes out within a year; anything later is most likely a typo in the year. */
export const SCHEDULE_MAX_MS = 365 * 86_400_000;

export const UPDATE_FIELDS = ["title", "body", "titleEs", "bodyEs", "when", "sendAt"] as const;

// Control characters other than tab and newlines never belong in text a person typed.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const text = z
  .string()
  .optional()
  .transform((value) => (value ?? "").normalize("NFC").trim());

/** A field's problem, or null: checked by hand so that every field's problem shows at once (see schema()). */
function textProblem(value: string, max: number, what: string): string | null {
  if (value.length > max) return `${what} must be ${max.toLocaleString("en-US")} characters or fewer`;
  if (CONTROL_CHARACTERS.test(value)) return `${what} has a character we can't accept; remove it`;
  return null;
}

/** A datetime-local value (no offset: read as UTC, as the form says) or an ISO 8601 time with Z or an offset. */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;
const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * The instant a sendAt value names, or null when it is not a real date and time.
 * Date.parse rolls "February 30" over into March, so the fields are checked against what it read.
 */
export function parseSendAt(value: string): Date | null {
  const trimmed = value.trim();
  const local = LOCAL.exec(trimmed);
  const offset = local ? null : WITH_OFFSET.exec(trimmed);
  const parts = local ?? offset;
  if (!parts) return null;
  const [, year, month, day, hour, minute, second] = parts.map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || (second ?? 0) > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const date = new Date(local ? `${trimmed}Z` : trimmed);
  return Number.isNaN(date.getTime()) ? null : date;
}

export interface CampaignUpdateInput {
  en: { title: string; body: string };
  es: { title: string; body: string } | null;
  /** null: send now. */
  sendAt: Date | null;
}

export type ParsedCampaignUpdate = { ok: true; data: CampaignUpdateInput } | { ok: false; errors: Record<string, string>; values: FormValues };

/**
 * The fields never fail on their own: zod skips an object's transform once a field has failed, and the
 * form should list every problem in one round. Every rule is in the transform.
 */
function schema(now: Date) {
  return z
    .object({ title: text, body: text, titleEs: text, bodyEs: text, when: text, sendAt: text })
    .transform((value, ctx): CampaignUpdateInput => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      const check = (name: "title" | "body" | "titleEs" | "bodyEs", max: number, what: string) => {
        const problem = textProblem(value[name], max, what);
        if (problem) issue(name, problem);
      };
      check("title", UPDATE_TITLE_MAX, "The title");
      check("body", UPDATE_BODY_MAX, "The text");
      check("titleEs", UPDATE_TITLE_MAX, "The Spanish title");
      check("bodyEs", UPDATE_BODY_MAX, "The Spanish text");
      if (!value.title) issue("title", "Enter a title");
      if (!value.body) issue("body", "Write the text");
      const spanish = Boolean(value.titleEs || value.bodyEs);
      const missing = "or leave both Spanish fields empty to send the English text to everyone";
      if (spanish && !value.titleEs) issue("titleEs", `Enter the Spanish title, ${missing}`);
      if (spanish && !value.bodyEs) issue("bodyEs", `Write the Spanish text, ${missing}`);
      if (value.when !== "" && value.when !== "now" && value.when !== "later") issue("when", "Choose to send it now or at a set time");
      // Without a choice, a filled-in time means "at that time" (a form posted by a script, say).
      const later = value.when === "later" || (value.when === "" && value.sendAt !== "");
      let sendAt: Date | null = null;
      if (later) {
        if (!value.sendAt) {
          issue("sendAt", "Enter the date and time to send it (UTC), or choose to send it now");
        } else {
          sendAt = parseSendAt(value.sendAt);
          if (!sendAt) issue("sendAt", "Enter a date and time like 2026-12-01T09:00 (UTC)");
          else if (sendAt.getTime() <= now.getTime()) issue("sendAt", "That time has passed: choose a time in the future, or send it now");
          else if (sendAt.getTime() > now.getTime() + SCHEDULE_MAX_MS) issue("sendAt", "Choose a time within the next year");
        }
      }
      return {
        en: { title: value.title, body: value.body },
        es: spanish ? { title: value.titleEs, body: value.bodyEs } : null,
        sendAt,
      };
    });
}

/** What was typed into the update form, to show it again. */
export function campaignUpdateFormValues(form: FormData): FormValues {
  return typedValues(form, UPDATE_FIELDS);
}

/** The update form; `now` decides what "in the future" means. */
export function parseCampaignUpdate(form: FormData, now = new Date()): ParsedCampaignUpdate {
  const parsed = schema(now).safeParse(formFields(form, UPDATE_FIELDS));
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error), values: campaignUpdateFormValues(form) };
  return { ok: true, data: parsed.data };
}

/** The update a cancel button names. */
export const CancelUpdateSchema = z.object({
  intent: z.literal("cancel"),
  updateId: z.string().regex(/^\d{1,9}$/).transform(Number),
});
