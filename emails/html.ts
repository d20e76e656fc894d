import type { Locale } from "./i18n";

/** What every template returns; the transport adds the addresses. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for use in HTML element content and in quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * Returns the URL unchanged if it is an absolute http(s) URL, and throws otherwise:
 * a relative link is useless in a mailbox, and a `javascript:` one must never get in.
 */
export function assertHttpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("email link is not an absolute URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error("email link must use http or https");
  }
  return url;
}

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const TEXT_COLOR = "#1f2933";
const ACCENT = "#1d4ed8";

/** A paragraph of already-escaped HTML. */
export function paragraph(innerHtml: string): string {
  return `<p style="margin:0 0 16px;${FONT};font-size:16px;line-height:1.5;color:${TEXT_COLOR}">${innerHtml}</p>`;
}

/** A heading of plain text (escaped here). */
export function heading(text: string): string {
  return `<h1 style="margin:0 0 16px;${FONT};font-size:22px;line-height:1.3;color:${TEXT_COLOR}">${escapeHtml(text)}</h1>`;
}

/** A link whose visible text is the URL itself, so it can be copied when buttons are stripped. */
export function urlLink(url: string): string {
  const href = escapeHtml(assertHttpUrl(url));
  return `<a href="${href}" style="color:${ACCENT};word-break:break-all">${href}</a>`;
}

/**
 * A large call-to-action link. Built from a table cell rather than CSS padding on
 * the anchor because Outlook ignores padding on inline elements.
 */
export function button(url: string, label: string): string {
  const href = escapeHtml(assertHttpUrl(url));
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px"><tr><td style="border-radius:6px;background:${ACCENT}"><a href="${href}" style="display:inline-block;padding:14px 28px;${FONT};font-size:18px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(label)}</a></td></tr></table>`;
}

export interface LayoutInput {
  locale: Locale;
  /** Plain text; escaped here. */
  title: string;
  /** Plain text shown by mail clients next to the subject; escaped here. */
  preheader: string;
  /** Trusted HTML: every interpolated value in it must already be escaped. */
  bodyHtml: string;
  /** Trusted HTML, as bodyHtml. */
  footerHtml: string;
}

/**
 * Wraps a message body in a single-column, 600px-max layout with inline styles only,
 * since many mail clients drop `<style>` blocks and external stylesheets.
 */
export function layout({ locale, title, preheader, bodyHtml, footerHtml }: LayoutInput): string {
  return `<!DOCTYPE html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${escapeHtml(title)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent">${escapeHtml(preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;border-radius:8px">
<tr><td style="padding:32px 24px">
${bodyHtml}
</td></tr>
</table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px">
<tr><td style="padding:16px 24px;${FONT};font-size:13px;line-height:1.5;color:#6b7280">
${footerHtml}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
