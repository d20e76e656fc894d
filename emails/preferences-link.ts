import { button, escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import type { Locale } from "./i18n";

export interface PreferencesLinkEmailInput {
  locale: Locale;
  /** The person's preferences page (a signed link). */
  preferencesUrl: string;
}

/** Strings of the "here is your preferences link" email. */
export const preferencesLinkStrings = {
  en: {
    subject: "Your link to manage your Sanctuary emails",
    heading: "Manage your emails",
    preheader: "See what you follow, stop any of it, or delete your data.",
    opening: "Someone, probably you, asked for a link to manage the emails this address gets from Sanctuary.",
    what: "On that page you can see the campaigns you follow, stop any or all of them, choose the language of your emails, or delete your data.",
    button: "Manage my emails",
    copyLink: "If the button does not work, copy this address into your browser:",
    keep: "Anyone who has this link can change your email settings, so do not forward this email.",
    notYou: "If you did not ask for this, ignore this email: nothing changes.",
    footer: "You received this because someone asked for this link on Sanctuary's email preferences page.",
  },
  es: {
    subject: "Su enlace para administrar sus correos de Sanctuary",
    heading: "Administre sus correos",
    preheader: "Vea lo que sigue, deje de seguir lo que quiera o borre sus datos.",
    opening: "Alguien, probablemente usted, pidió un enlace para administrar los correos que esta dirección recibe de Sanctuary.",
    what: "En esa página puede ver las campañas que sigue, dejar de seguir una o todas, elegir el idioma de sus correos o borrar sus datos.",
    button: "Administrar mis correos",
    copyLink: "Si el botón no funciona, copie esta dirección en su navegador:",
    keep: "Cualquier persona que tenga este enlace puede cambiar sus preferencias de correo, así que no reenvíe este mensaje.",
    notYou: "Si usted no lo pidió, ignore este correo: no cambia nada.",
    footer: "Recibió este mensaje porque alguien pidió este enlace en la página de preferencias de correo de Sanctuary.",
  },
} satisfies Record<Locale, unknown>;

/** Renders the email that carries a fresh preferences link, in the subscriber's language. */
export function renderPreferencesLinkEmail(input: PreferencesLinkEmailInput): RenderedEmail {
  const s = preferencesLinkStrings[input.locale];
  const bodyHtml = [
    heading(s.heading),
    paragraph(escapeHtml(s.opening)),
    paragraph(escapeHtml(s.what)),
    button(input.preferencesUrl, s.button),
    paragraph(`${escapeHtml(s.copyLink)}<br>${urlLink(input.preferencesUrl)}`),
    paragraph(escapeHtml(s.keep)),
    paragraph(escapeHtml(s.notYou)),
  ].join("\n");
  const text = [s.opening, s.what, `${s.button}:\n${input.preferencesUrl}`, s.keep, s.notYou, "--", s.footer].join("\n\n");
  return {
    subject: s.subject,
    html: layout({ locale: input.locale, title: s.subject, preheader: s.preheader, bodyHtml, footerHtml: escapeHtml(s.footer) }),
    text: `${text}\n`,
  };
}
