import { button, escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import { formatCount, oneLine, type Locale } from "./i18n";

export type FollowEmailVariant = "confirmation" | "reminder" | "already-following";

export interface FollowEmailInput {
  locale: Locale;
  /** confirmation: first request; reminder: asked again while pending; already-following: asked again after confirming. */
  variant: FollowEmailVariant;
  /** Optional on the follow form; the greeting does without it. */
  firstName: string | null;
  campaignTitle: string;
  campaignUrl: string;
  /** Required for "confirmation" and "reminder"; ignored for "already-following". */
  confirmUrl?: string;
  /** The person's preferences page: what they follow, stop any of it, delete their data. */
  preferencesUrl: string;
  /** One-click stop for this campaign; shown to someone who already follows it. */
  unsubscribeUrl?: string;
  expiresInDays: number;
}

function days(locale: Locale, n: number): string {
  if (locale === "es") return n === 1 ? "1 día" : `${formatCount(locale, n)} días`;
  return n === 1 ? "1 day" : `${formatCount(locale, n)} days`;
}

/** Strings of the follower emails. Functions receive plain text; callers escape for HTML. */
export const followStrings = {
  en: {
    greeting: (firstName: string | null) => (firstName ? `Hi ${firstName},` : "Hi,"),
    confirmButton: "Yes, follow this campaign",
    copyLink: "If the button does not work, copy this address into your browser:",
    expires: (n: number) => `This link expires in ${days("en", n)}.`,
    notYou: "If you did not ask for this, ignore this email: you will not get any updates.",
    preferences: "Manage what you follow or delete your data:",
    footer: "You received this because this address was entered to follow a campaign on Sanctuary.",
    confirmation: {
      subject: (title: string) => `Confirm that you want to follow: ${title}`,
      heading: "Confirm that you want to follow",
      preheader: "One click and the campaign's updates come to your inbox.",
      opening: (title: string) => `Someone, probably you, asked to get the updates of “${title}” by email.`,
      ask: "Updates start only once you confirm this address. Press the button to confirm:",
    },
    reminder: {
      subject: (title: string) => `You have not confirmed yet: ${title}`,
      heading: "You have not confirmed yet",
      preheader: "Confirm to get the campaign's updates.",
      opening: (title: string) => `Someone, probably you, asked again to follow “${title}” with this email address.`,
      ask: "You have not confirmed yet, so you get no updates. Press the button to confirm:",
    },
    alreadyFollowing: {
      subject: (title: string) => `You already follow: ${title}`,
      heading: "You already follow this campaign",
      preheader: "There is nothing you need to do.",
      opening: (title: string) => `Someone, probably you, asked again to follow “${title}” with this email address.`,
      nothingToDo: "You already follow it, so there is nothing you need to do: its updates come to this inbox.",
      visit: "Visit the campaign",
      stop: "To stop getting its updates, open this link:",
    },
  },
  es: {
    greeting: (firstName: string | null) => (firstName ? `Hola, ${firstName}:` : "Hola:"),
    confirmButton: "Sí, seguir esta campaña",
    copyLink: "Si el botón no funciona, copie esta dirección en su navegador:",
    expires: (n: number) => `Este enlace vence en ${days("es", n)}.`,
    notYou: "Si usted no lo pidió, ignore este correo: no recibirá ninguna novedad.",
    preferences: "Administre lo que sigue o borre sus datos:",
    footer: "Recibió este mensaje porque esta dirección se escribió para seguir una campaña en Sanctuary.",
    confirmation: {
      subject: (title: string) => `Confirme que quiere seguir: ${title}`,
      heading: "Confirme que quiere seguir la campaña",
      preheader: "Con un clic, las novedades de la campaña llegarán a su correo.",
      opening: (title: string) => `Alguien, probablemente usted, pidió recibir por correo las novedades de “${title}”.`,
      ask: "Las novedades empiezan solo cuando confirme esta dirección. Pulse el botón para confirmar:",
    },
    reminder: {
      subject: (title: string) => `Todavía no ha confirmado: ${title}`,
      heading: "Todavía no ha confirmado",
      preheader: "Confirme para recibir las novedades de la campaña.",
      opening: (title: string) =>
        `Alguien, probablemente usted, volvió a pedir seguir “${title}” con esta dirección de correo electrónico.`,
      ask: "Todavía no ha confirmado, así que no recibe novedades. Pulse el botón para confirmar:",
    },
    alreadyFollowing: {
      subject: (title: string) => `Ya sigue: ${title}`,
      heading: "Usted ya sigue esta campaña",
      preheader: "No tiene que hacer nada más.",
      opening: (title: string) =>
        `Alguien, probablemente usted, volvió a pedir seguir “${title}” con esta dirección de correo electrónico.`,
      nothingToDo: "Usted ya la sigue, así que no tiene que hacer nada: sus novedades llegan a este correo.",
      visit: "Visitar la campaña",
      stop: "Para dejar de recibir sus novedades, abra este enlace:",
    },
  },
} satisfies Record<Locale, unknown>;

/** Renders the email a person gets after asking to follow a campaign, in their locale. */
export function renderFollowEmail(input: FollowEmailInput): RenderedEmail {
  const s = followStrings[input.locale];
  const title = oneLine(input.campaignTitle);
  const greeting = s.greeting(input.firstName ? oneLine(input.firstName) : null);
  const preferencesHtml = paragraph(`${escapeHtml(s.preferences)}<br>${urlLink(input.preferencesUrl)}`);
  const footerHtml = escapeHtml(s.footer);

  if (input.variant === "already-following") {
    const v = s.alreadyFollowing;
    const stopHtml = input.unsubscribeUrl ? [paragraph(`${escapeHtml(v.stop)}<br>${urlLink(input.unsubscribeUrl)}`)] : [];
    const bodyHtml = [
      heading(v.heading),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(v.opening(title))),
      paragraph(escapeHtml(v.nothingToDo)),
      button(input.campaignUrl, v.visit),
      ...stopHtml,
      preferencesHtml,
    ].join("\n");
    const text = [
      greeting,
      v.opening(title),
      v.nothingToDo,
      `${v.visit}:\n${input.campaignUrl}`,
      ...(input.unsubscribeUrl ? [`${v.stop}\n${input.unsubscribeUrl}`] : []),
      `${s.preferences}\n${input.preferencesUrl}`,
      "--",
      s.footer,
    ].join("\n\n");
    return {
      subject: v.subject(title),
      html: layout({ locale: input.locale, title: v.subject(title), preheader: v.preheader, bodyHtml, footerHtml }),
      text: `${text}\n`,
    };
  }

  // A pending follow without a way to confirm it would be a dead end.
  if (!input.confirmUrl) throw new Error(`renderFollowEmail: confirmUrl is required for the "${input.variant}" variant`);
  const confirmUrl = input.confirmUrl;
  const v = input.variant === "confirmation" ? s.confirmation : s.reminder;
  const bodyHtml = [
    heading(v.heading),
    paragraph(escapeHtml(greeting)),
    paragraph(escapeHtml(v.opening(title))),
    paragraph(escapeHtml(v.ask)),
    button(confirmUrl, s.confirmButton),
    paragraph(escapeHtml(s.expires(input.expiresInDays))),
    paragraph(`${escapeHtml(s.copyLink)}<br>${urlLink(confirmUrl)}`),
    paragraph(escapeHtml(s.notYou)),
    preferencesHtml,
  ].join("\n");
  const text = [
    greeting,
    v.opening(title),
    v.ask,
    `${s.confirmButton}:\n${confirmUrl}`,
    s.expires(input.expiresInDays),
    s.notYou,
    `${s.preferences}\n${input.preferencesUrl}`,
    "--",
    s.footer,
  ].join("\n\n");
  return {
    subject: v.subject(title),
    html: layout({ locale: input.locale, title: v.subject(title), preheader: v.preheader, bodyHtml, footerHtml }),
    text: `${text}\n`,
  };
}
