import { z } from "zod";
import { normalizeEmail } from "~/lib/email-normalize";

export const ModerationIntentSchema = z.enum(["hide", "show", "preview", "invalidate"], { error: "Send the form again" });

export const CommentToggleSchema = z.object({
  signatureId: z
    .string({ error: "Choose a comment" })
    .regex(/^\d{1,9}$/, "Choose a comment")
    .transform(Number),
});

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A `datetime-local` value (or with seconds), read as UTC: the page labels both fields "UTC". */
const utcTime = (what: string) =>
  z
    .string({ error: `Enter the ${what} date and time` })
    .trim()
    .min(1, `Enter the ${what} date and time`)
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, `Enter the ${what} as a date and time, like 2026-11-25T14:30`)
    .transform((value, ctx) => {
      const date = new Date(`${value}Z`);
      if (Number.isNaN(date.getTime())) {
        ctx.addIssue({ code: "custom", message: `Enter a real ${what} date, like 2026-11-25T14:30` });
        return z.NEVER;
      }
      return date;
    });

/**
 * What to invalidate: one exact email address (compared as stored for
 * uniqueness, so Gmail dots and +tags match), every address at a domain, or
 * every signature made in a time range.
 */
export const InvalidateSchema = z.discriminatedUnion(
  "by",
  [
    z.object({
      by: z.literal("email"),
      email: z
        .string({ error: "Enter the email address to invalidate" })
        .trim()
        .min(1, "Enter the email address to invalidate")
        .max(254, "Enter an email address of 254 characters or fewer")
        .pipe(z.email({ error: "Enter a valid email address, like name@example.com" }))
        .transform(normalizeEmail),
    }),
    z.object({
      by: z.literal("domain"),
      domain: z
        .string({ error: "Enter the email domain, like spam.example" })
        .transform((value) => value.trim().toLowerCase().replace(/^@/, ""))
        .pipe(z.string().min(1, "Enter the email domain, like spam.example").regex(DOMAIN, "Enter only the part after @, like spam.example")),
    }),
    z
      .object({ by: z.literal("range"), from: utcTime("start"), to: utcTime("end") })
      .refine((value) => value.from < value.to, { path: ["to"], message: "The end must be after the start" }),
  ],
  { error: "Choose how to find the signatures: by email, by domain or by time" },
);
export type InvalidateCriteria = z.output<typeof InvalidateSchema>;

/** The count the organizer saw in the preview; the invalidation goes ahead only if it still holds. */
export const ExpectedCountSchema = z
  .string({ error: "Count the matching signatures first" })
  .regex(/^\d{1,9}$/, "Count the matching signatures first")
  .transform(Number);

export const CommentFilterSchema = z.object({
  show: z.enum(["all", "hidden", "visible"]).catch("all"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
