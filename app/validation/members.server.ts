import { z } from "zod";
import { ROLES } from "../../db/schema";

const role = z.enum(ROLES, { error: "Choose a role: owner, organizer or viewer" });
const organizerId = z
  .string({ error: "Choose a member" })
  .regex(/^\d{1,9}$/, "Choose a member")
  .transform(Number);

export const MemberIntentSchema = z.enum(["invite", "role", "remove", "resend"], { error: "Send the form again" });
export type MemberIntent = z.output<typeof MemberIntentSchema>;

export const InviteSchema = z.object({
  email: z
    .string({ error: "Enter the email address of the person to invite" })
    .trim()
    .min(1, "Enter the email address of the person to invite")
    .max(254, "Enter an email address of 254 characters or fewer")
    .pipe(z.email({ error: "Enter a valid email address, like name@example.org" }))
    .transform((value) => value.toLowerCase()),
  role,
});

export const RoleChangeSchema = z.object({ organizerId, role });
export const MemberRefSchema = z.object({ organizerId });

/**
 * The organization chosen on the members page (?org=slug); none means "the
 * first one you own". A malformed slug becomes one no organization has ("-"),
 * so it is a 404 rather than quietly another organization.
 */
export const OrganizationSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
  .optional()
  .catch("-");
