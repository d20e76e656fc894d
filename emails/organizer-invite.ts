import { button, escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import { oneLine } from "./i18n";

export interface OrganizerInviteInput {
  organizationName: string;
  role: "owner" | "organizer" | "viewer";
  /**
   * The one-time set-password link for someone without a password yet;
   * the sign-in page for an existing account that was added to one more organization.
   */
  url: string;
  kind: "set-password" | "sign-in";
  /** How long a set-password link works. */
  expiresInHours: number;
}

const ROLE_TEXT: Record<OrganizerInviteInput["role"], string> = {
  owner: "an owner (you can manage its petitions, officials and members)",
  organizer: "an organizer (you can write petitions, deliver them and export signatures)",
  viewer: "a viewer (you can see its numbers)",
};

const FOOTER = "You received this because an owner of this organization on Sanctuary invited this address. If you did not expect it, ignore this email: nothing happens unless you use the link.";

/** The invitation to the organizer workspace (English only, like the workspace). */
export function renderOrganizerInvite(input: OrganizerInviteInput): RenderedEmail {
  const organization = oneLine(input.organizationName);
  const subject = `You are invited to ${organization} on Sanctuary`;
  const intro = `You have been added to ${organization} on Sanctuary as ${ROLE_TEXT[input.role]}.`;
  const ask =
    input.kind === "set-password"
      ? "To start, choose a password:"
      : "You already have an account: sign in with your email address and password to find the organization in your workspace.";
  const action = input.kind === "set-password" ? "Choose my password" : "Sign in";
  const expiry = input.kind === "set-password" ? `The link works once, for ${input.expiresInHours} hours. If it has expired, ask an owner to send the invitation again.` : null;
  const bodyHtml = [
    heading(subject),
    paragraph(escapeHtml(intro)),
    paragraph(escapeHtml(ask)),
    button(input.url, action),
    ...(expiry ? [paragraph(escapeHtml(expiry))] : []),
    paragraph(`${escapeHtml("If the button does not work, copy this address into your browser:")}<br>${urlLink(input.url)}`),
  ].join("\n");
  const text = [intro, ask, `${action}:\n${input.url}`, ...(expiry ? [expiry] : []), "--", FOOTER].join("\n\n");
  return {
    subject,
    html: layout({ locale: "en", title: subject, preheader: intro, bodyHtml, footerHtml: escapeHtml(FOOTER) }),
    text: `${text}\n`,
  };
}
