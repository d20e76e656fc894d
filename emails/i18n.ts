import type { Locale } from "../db/schema";

export type { Locale };

// es-419 (Latin American Spanish) groups thousands with a comma, as signers in the US expect.
const NUMBER_LOCALES: Record<Locale, string> = { en: "en-US", es: "es-419" };

export function formatCount(locale: Locale, n: number): string {
  return new Intl.NumberFormat(NUMBER_LOCALES[locale]).format(n);
}

/** Collapses line breaks and runs of spaces, so organizer-written titles stay on one subject line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function days(locale: Locale, n: number): string {
  if (locale === "es") return n === 1 ? "1 día" : `${formatCount(locale, n)} días`;
  return n === 1 ? "1 day" : `${formatCount(locale, n)} days`;
}

/** Strings of the signer emails. Functions receive plain text; callers escape for HTML. */
export const signatureStrings = {
  en: {
    signerFooter: "You received this because this address was used to sign a petition on Sanctuary.",
    greeting: (firstName: string) => `Hi ${firstName},`,
    confirmButton: "Confirm my signature",
    copyLink: "If the button does not work, copy this address into your browser:",
    expires: (n: number) => `This link expires in ${days("en", n)}.`,
    notYou: "If you did not sign this petition, ignore this email: nothing happens.",
    confirmation: {
      subject: (title: string) => `Confirm your signature: ${title}`,
      heading: "One more step",
      preheader: "Your signature only counts once you confirm it.",
      thanks: (title: string) => `Thank you for signing “${title}”.`,
      onlyCounts: "Your signature only counts once you confirm this email address. Please confirm it now:",
    },
    reminder: {
      subject: (title: string) => `Your signature is not confirmed yet: ${title}`,
      heading: "Your signature is not confirmed yet",
      preheader: "Confirm your signature so that it counts.",
      signedAgain: (title: string) =>
        `Someone, probably you, signed “${title}” again with this email address.`,
      notConfirmed: "Your signature has not been confirmed yet, so it does not count. Please confirm it now:",
    },
    alreadyConfirmed: {
      subject: (title: string) => `Your signature is already confirmed: ${title}`,
      heading: "Your signature is already confirmed",
      preheader: "There is nothing you need to do. Thank you!",
      signedAgain: (title: string) =>
        `Someone, probably you, tried to sign “${title}” again with this email address.`,
      nothingToDo: "Your signature was already confirmed, so there is nothing you need to do. Thank you!",
      share: "Help the petition grow: share it with your friends and family.",
      shareButton: "View and share the petition",
    },
  },
  es: {
    signerFooter: "Recibió este mensaje porque esta dirección se usó para firmar una petición en Sanctuary.",
    greeting: (firstName: string) => `Hola, ${firstName}:`,
    confirmButton: "Confirmar mi firma",
    copyLink: "Si el botón no funciona, copie esta dirección en su navegador:",
    expires: (n: number) => `Este enlace vence en ${days("es", n)}.`,
    notYou: "Si usted no firmó esta petición, ignore este correo: no pasará nada.",
    confirmation: {
      subject: (title: string) => `Confirme su firma: ${title}`,
      heading: "Solo falta un paso",
      preheader: "Su firma solo cuenta una vez que la confirme.",
      thanks: (title: string) => `Gracias por firmar “${title}”.`,
      onlyCounts:
        "Su firma solo cuenta una vez que confirme esta dirección de correo electrónico. Por favor, confírmela ahora:",
    },
    reminder: {
      subject: (title: string) => `Su firma aún no está confirmada: ${title}`,
      heading: "Su firma aún no está confirmada",
      preheader: "Confirme su firma para que cuente.",
      signedAgain: (title: string) =>
        `Alguien, probablemente usted, volvió a firmar “${title}” con esta dirección de correo electrónico.`,
      notConfirmed: "Su firma todavía no está confirmada, así que aún no cuenta. Por favor, confírmela ahora:",
    },
    alreadyConfirmed: {
      subject: (title: string) => `Su firma ya está confirmada: ${title}`,
      heading: "Su firma ya está confirmada",
      preheader: "No tiene que hacer nada más. ¡Gracias!",
      signedAgain: (title: string) =>
        `Alguien, probablemente usted, intentó volver a firmar “${title}” con esta dirección de correo electrónico.`,
      nothingToDo: "Su firma ya estaba confirmada, así que no tiene que hacer nada más. ¡Gracias!",
      share: "Ayude a que la petición crezca: compártala con sus amigos y familiares.",
      shareButton: "Ver y compartir la petición",
    },
  },
} satisfies Record<Locale, unknown>;

function constituents(locale: Locale, n: number): string {
  if (locale === "es") return n === 1 ? "1 residente" : `${formatCount(locale, n)} residentes`;
  return n === 1 ? "1 constituent" : `${formatCount(locale, n)} constituents`;
}

/** Strings of the digest sent to officials. */
export const digestStrings = {
  en: {
    subject: (n: number, jurisdiction: string, title: string) =>
      `${constituents("en", n)} of ${jurisdiction} signed “${title}”`,
    greeting: (name: string, office: string) => `Dear ${name}, ${office},`,
    intro: (n: number, jurisdiction: string, title: string) =>
      `${constituents("en", n)} of ${jurisdiction} signed the petition “${title}” and confirmed their email address${n === 1 ? "" : "es"}.`,
    total: (n: number) => `In total, ${constituents("en", n)} of yours ${n === 1 ? "has" : "have"} signed so far.`,
    summaryHeading: "The petition",
    signaturesHeading: "New signatures",
    columns: { name: "Name", postalCode: "ZIP code", city: "City", comment: "Comment" },
    more: (n: number) => `and ${formatCount("en", n)} more — see the attached CSV.`,
    readPetition: "Read the petition:",
    footer:
      "Sent by Sanctuary on behalf of the signers of this petition. Every signer confirmed their email address; addresses are never shared.",
  },
  es: {
    subject: (n: number, jurisdiction: string, title: string) =>
      `${constituents("es", n)} de ${jurisdiction} ${n === 1 ? "firmó" : "firmaron"} “${title}”`,
    greeting: (name: string, office: string) => `Estimado/a ${name}, ${office}:`,
    intro: (n: number, jurisdiction: string, title: string) =>
      `${constituents("es", n)} de ${jurisdiction} ${n === 1 ? "firmó" : "firmaron"} la petición “${title}” y ${n === 1 ? "confirmó su dirección" : "confirmaron sus direcciones"} de correo electrónico.`,
    total: (n: number) =>
      `En total, ${constituents("es", n)} de su jurisdicción ${n === 1 ? "ha" : "han"} firmado hasta ahora.`,
    summaryHeading: "La petición",
    signaturesHeading: "Nuevas firmas",
    columns: { name: "Nombre", postalCode: "Código postal", city: "Ciudad", comment: "Comentario" },
    more: (n: number) => `y ${formatCount("es", n)} más: consulte el archivo CSV adjunto.`,
    readPetition: "Lea la petición:",
    footer:
      "Enviado por Sanctuary en nombre de quienes firmaron esta petición. Cada firmante confirmó su dirección de correo electrónico; las direcciones nunca se comparten.",
  },
} satisfies Record<Locale, unknown>;
