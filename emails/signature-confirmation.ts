import { button, escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import { oneLine, signatureStrings, type Locale } from "./i18n";

export type SignatureEmailVariant = "confirmation" | "reminder" | "already-confirmed";

export interface SignatureEmailInput {
  locale: Locale;
  /** confirmation: first signing; reminder: signed again while pending; already-confirmed: signed again after confirming. */
  variant: SignatureEmailVariant;
  firstName: string;
  petitionTitle: string;
  petitionUrl: string;
  /** Required for "confirmation" and "reminder"; ignored for "already-confirmed". */
  confirmUrl?: string;
  expiresInDays: number;
}

/** Renders the email a signer gets after signing, in their locale. */
export function renderSignatureEmail(input: SignatureEmailInput): RenderedEmail {
  const s = signatureStrings[input.locale];
  const title = oneLine(input.petitionTitle);
  const firstName = oneLine(input.firstName);

  if (input.variant === "already-confirmed") {
    const v = s.alreadyConfirmed;
    const bodyHtml = [
      heading(v.heading),
      paragraph(escapeHtml(s.greeting(firstName))),
      paragraph(escapeHtml(v.signedAgain(title))),
      paragraph(escapeHtml(v.nothingToDo)),
      paragraph(escapeHtml(v.share)),
      button(input.petitionUrl, v.shareButton),
      paragraph(urlLink(input.petitionUrl)),
    ].join("\n");
    const text = [
      s.greeting(firstName),
      v.signedAgain(title),
      v.nothingToDo,
      `${v.share}\n${input.petitionUrl}`,
      "--",
      s.signerFooter,
    ].join("\n\n");
    return {
      subject: v.subject(title),
      html: layout({
        locale: input.locale,
        title: v.subject(title),
        preheader: v.preheader,
        bodyHtml,
        footerHtml: escapeHtml(s.signerFooter),
      }),
      text: `${text}\n`,
    };
  }

  // A pending signature without a way to confirm it would be a dead end for the signer.
  if (!input.confirmUrl) {
    throw new Error(`renderSignatureEmail: confirmUrl is required for the "${input.variant}" variant`);
  }
  const confirmUrl = input.confirmUrl;
  const v = input.variant === "confirmation" ? s.confirmation : s.reminder;
  const opening = input.variant === "confirmation" ? s.confirmation.thanks(title) : s.reminder.signedAgain(title);
  const ask = input.variant === "confirmation" ? s.confirmation.onlyCounts : s.reminder.notConfirmed;

  const bodyHtml = [
    heading(v.heading),
    paragraph(escapeHtml(s.greeting(firstName))),
    paragraph(escapeHtml(opening)),
    paragraph(escapeHtml(ask)),
    button(confirmUrl, s.confirmButton),
    paragraph(escapeHtml(s.expires(input.expiresInDays))),
    paragraph(`${escapeHtml(s.copyLink)}<br>${urlLink(confirmUrl)}`),
    paragraph(escapeHtml(s.notYou)),
  ].join("\n");
  const text = [
    s.greeting(firstName),
    opening,
    ask,
    `${s.confirmButton}:\n${confirmUrl}`,
    s.expires(input.expiresInDays),
    s.notYou,
    "--",
    s.signerFooter,
  ].join("\n\n");

  return {
    subject: v.subject(title),
    html: layout({
      locale: input.locale,
      title: v.subject(title),
      preheader: v.preheader,
      bodyHtml,
      footerHtml: escapeHtml(s.signerFooter),
    }),
    text: `${text}\n`,
  };
}
