import { z } from "zod";
import { renderOrganizerInvite } from "../../emails/organizer-invite";
import { issuePasswordToken, SET_PASSWORD_HOURS } from "../../app/models/organizers.server";
import type { JobDeps } from "../deps";

export const OrganizerInvitePayload = z.object({
  organizerId: z.number().int().positive(),
  organizationId: z.number().int().positive(),
});

/**
 * Emails an invitation to the organizer workspace. The set-password token is
 * made here, at send time, because only its hash is stored: a retry makes
 * another (each works once, for SET_PASSWORD_HOURS). Someone who already has a
 * password gets a sign-in link instead; someone removed or disabled since the
 * invitation gets nothing.
 */
export async function sendOrganizerInvite(deps: JobDeps, payload: unknown) {
  const { organizerId, organizationId } = OrganizerInvitePayload.parse(payload);
  const invitee = await deps.db
    .selectFrom("memberships as m")
    .innerJoin("organizers as o", "o.id", "m.organizer_id")
    .innerJoin("organizations as g", "g.id", "m.organization_id")
    .select(["o.email", "o.password_hash", "o.disabled_at", "m.role", "g.name as organization_name"])
    .where("m.organizer_id", "=", organizerId)
    .where("m.organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!invitee || invitee.disabled_at) return;
  const setPassword = invitee.password_hash === null;
  const url = setPassword ? `${deps.appUrl}/admin/set-password/${await issuePasswordToken(deps.db, organizerId)}` : `${deps.appUrl}/admin/login`;
  const email = renderOrganizerInvite({
    organizationName: invitee.organization_name,
    role: invitee.role,
    url,
    kind: setPassword ? "set-password" : "sign-in",
    expiresInHours: SET_PASSWORD_HOURS,
  });
  await deps.mailer.send({ to: invitee.email, ...email });
}
