import { button, escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import { formatCount, type Locale } from "./i18n";

export interface ErasureEmailInput {
  locale: Locale;
  /** The one-use link whose page erases (on a button press, never on opening). */
  erasureUrl: string;
  expiresInHours: number;
}

function hours(locale: Locale, n: number): string {
  if (locale === "es") return n === 1 ? "1 hora" : `${formatCount(locale, n)} horas`;
  return n === 1 ? "1 hour" : `${formatCount(locale, n)} hours`;
}

/** Strings of the email that confirms a "delete my data" request. */
export const erasureStrings = {
  en: {
    subject: "Confirm that you want your data deleted",
    heading: "Delete your data?",
    preheader: "Nothing is deleted until you confirm.",
    opening: "Someone, probably you, asked Sanctuary to delete the data it holds about this email address.",
    what: "That is your email address, name and ZIP code; the campaigns you follow; and your name, email address, ZIP code and comment on every petition you signed with this address. Your signatures still count in each petition's total, without your name. This cannot be undone.",
    ask: "Nothing is deleted until you open this link and press the button on its page:",
    button: "Delete my data",
    copyLink: "If the button does not work, copy this address into your browser:",
    expires: (n: number) => `This link works once, for ${hours("en", n)}.`,
    notYou: "If you did not ask for this, ignore this email: nothing is deleted.",
    footer: "You received this because someone asked, on Sanctuary's email preferences page, to delete the data held about this address.",
  },
  es: {
    subject: "Confirme que quiere borrar sus datos",
    heading: "¿Borrar sus datos?",
    preheader: "No se borra nada hasta que lo confirme.",
    opening: "Alguien, probablemente usted, pidió a Sanctuary que borre los datos que guarda sobre esta dirección de correo electrónico.",
    what: "Son su dirección de correo, su nombre y su código postal; las campañas que sigue; y su nombre, correo, código postal y comentario en cada petición que firmó con esta dirección. Sus firmas siguen contando en el total de cada petición, sin su nombre. Esto no se puede deshacer.",
    ask: "No se borra nada hasta que abra este enlace y pulse el botón de su página:",
    button: "Borrar mis datos",
    copyLink: "Si el botón no funciona, copie esta dirección en su navegador:",
    expires: (n: number) => `Este enlace funciona una sola vez, durante ${hours("es", n)}.`,
    notYou: "Si usted no lo pidió, ignore este correo: no se borra nada.",
    footer: "Recibió este mensaje porque alguien pidió, en la página de preferencias de correo de Sanctuary, que se borren los datos de esta dirección.",
  },
} satisfies Record<Locale, unknown>;

/** Renders the email that confirms a "delete my data" request, in the subscriber's language. */
export function renderErasureEmail(input: ErasureEmailInput): RenderedEmail {
  const s = erasureStrings[input.locale];
  const bodyHtml = [
    heading(s.heading),
    paragraph(escapeHtml(s.opening)),
    paragraph(escapeHtml(s.what)),
    paragraph(escapeHtml(s.ask)),
    button(input.erasureUrl, s.button),
    paragraph(escapeHtml(s.expires(input.expiresInHours))),
    paragraph(`${escapeHtml(s.copyLink)}<br>${urlLink(input.erasureUrl)}`),
    paragraph(escapeHtml(s.notYou)),
  ].join("\n");
  const text = [
    s.opening,
    s.what,
    `${s.ask}\n${input.erasureUrl}`,
    s.expires(input.expiresInHours),
    s.notYou,
    "--",
    s.footer,
  ].join("\n\n");
  return {
    subject: s.subject,
    html: layout({ locale: input.locale, title: s.subject, preheader: s.preheader, bodyHtml, footerHtml: escapeHtml(s.footer) }),
    text: `${text}\n`,
  };
}
