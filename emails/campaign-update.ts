import { renderMarkdown } from "../app/lib/markdown.server";
import { assertHttpUrl, button, escapeHtml, heading, layout, paragraph, type RenderedEmail } from "./html";
import { oneLine, type Locale } from "./i18n";

// The bulk email of a campaign update (organizers' posts and milestones alike), sent
// to every confirmed follower. An update to 100,000 followers renders its Markdown and
// layout once per language (prepareCampaignUpdateEmail); each recipient then costs a
// few string joins: the greeting and their two signed links.

/** Strings of the campaign update email. Functions receive plain text; callers escape for HTML. */
export const campaignUpdateStrings = {
  en: {
    greeting: (firstName: string | null) => (firstName ? `Hi ${firstName},` : "Hi,"),
    preheader: (campaign: string) => `News from “${campaign}”`,
    readOnline: "Read it on the campaign page",
    footer: (campaign: string) => `You received this because you follow “${campaign}” on Sanctuary.`,
    unsubscribe: "Unsubscribe from this campaign",
    preferences: "Manage what you follow or delete your data",
  },
  es: {
    greeting: (firstName: string | null) => (firstName ? `Hola, ${firstName}:` : "Hola:"),
    preheader: (campaign: string) => `Novedades de “${campaign}”`,
    readOnline: "Leer en la página de la campaña",
    footer: (campaign: string) => `Recibió este mensaje porque sigue “${campaign}” en Sanctuary.`,
    unsubscribe: "Dejar de seguir esta campaña",
    preferences: "Administrar lo que sigue o borrar sus datos",
  },
} satisfies Record<Locale, unknown>;

export interface CampaignUpdateContent {
  /** The follower's language: greeting, footer and links. */
  locale: Locale;
  /** The update in that language (or English when it has no translation). */
  title: string;
  /** Markdown as the organizer wrote it; rendered and sanitized here. */
  body: string;
  campaignTitle: string;
  /** Absolute http(s) URL of the campaign page, in the follower's language. */
  campaignUrl: string;
  /** The site's base URL: links in the body written as "/petitions/…" are made absolute with it. */
  appUrl: string;
}

export interface CampaignUpdateRecipient {
  firstName: string | null;
  /** One-click unsubscribe (RFC 8058): also the List-Unsubscribe header. */
  unsubscribeUrl: string;
  preferencesUrl: string;
}

export interface CampaignUpdateEmail extends RenderedEmail {
  headers: Record<string, string>;
}

export interface PreparedCampaignUpdate {
  render(recipient: CampaignUpdateRecipient): CampaignUpdateEmail;
}

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INLINE_STYLES: Record<string, string> = {
  p: `margin:0 0 16px;${FONT};font-size:16px;line-height:1.5;color:#1f2933`,
  li: `margin:0 0 8px;${FONT};font-size:16px;line-height:1.5;color:#1f2933`,
  h2: `margin:24px 0 12px;${FONT};font-size:19px;line-height:1.3;color:#1f2933`,
  h3: `margin:20px 0 8px;${FONT};font-size:17px;line-height:1.3;color:#1f2933`,
  h4: `margin:16px 0 8px;${FONT};font-size:16px;line-height:1.3;color:#1f2933`,
  blockquote: "margin:0 0 16px;padding:0 0 0 12px;border-left:3px solid #d1d5db;color:#4b5563",
};

/**
 * The organizer's Markdown as email HTML: sanitized as on the site, with inline styles
 * (many mail clients drop <style>), and site-relative links made absolute, since a
 * relative link leads nowhere from a mailbox. The sanitizer leaves these tags without
 * attributes, so the plain `<p>` forms are the only ones to style.
 */
function bodyHtml(markdown: string, appUrl: string): string {
  const base = escapeHtml(appUrl);
  return renderMarkdown(markdown)
    .replace(/<(p|li|h2|h3|h4|blockquote)>/g, (_, tag: string) => `<${tag} style="${INLINE_STYLES[tag]}">`)
    .replace(/href="\/(?!\/)/g, `href="${base}/`);
}

// Per-recipient values go into the pre-rendered message at these marks. NUL cannot
// come from the organizer's text (it is removed below) nor from the escaping helpers.
const SLOT = (n: number) => `\u0000${n}\u0000`;
const GREETING = 0;
const UNSUBSCRIBE = 1;
const PREFERENCES = 2;
const withoutNul = (text: string) => text.replaceAll("\u0000", "");

/** Splits a template at its slots once, so filling it in is a join. */
function compile(template: string): (values: string[]) => string {
  // "a\u00000\u0000b" splits into ["a", "0", "b"]: literal text, then slot number, alternately.
  const parts = template.split("\u0000");
  return (values) => {
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2) out += values[Number(parts[i])] + parts[i + 1];
    return out;
  };
}

// The signed links are the app's URL plus a token of digits, letters, "-", "_" and ".":
// nothing that could break out of a header's <…>.
const SAFE_URL = /^https?:\/\/[^\s<>"'\\]+$/;

function checkedUrl(url: string): string {
  if (!SAFE_URL.test(url)) throw new Error("campaign update link is not a plain absolute URL");
  return url;
}

/** Renders everything but the recipient once; render() then fills in a greeting and two links. */
export function prepareCampaignUpdateEmail(content: CampaignUpdateContent): PreparedCampaignUpdate {
  const s = campaignUpdateStrings[content.locale] ?? campaignUpdateStrings.en;
  const subject = oneLine(withoutNul(content.title));
  const campaign = oneLine(withoutNul(content.campaignTitle));
  const campaignUrl = assertHttpUrl(content.campaignUrl);
  const markdown = withoutNul(content.body).trim();

  const html = compile(
    layout({
      locale: content.locale,
      title: subject,
      preheader: s.preheader(campaign),
      bodyHtml: [
        heading(subject),
        paragraph(SLOT(GREETING)),
        bodyHtml(markdown, assertHttpUrl(content.appUrl)),
        button(campaignUrl, s.readOnline),
      ].join("\n"),
      footerHtml: [
        escapeHtml(s.footer(campaign)),
        `<a href="${SLOT(UNSUBSCRIBE)}" style="color:#6b7280">${escapeHtml(s.unsubscribe)}</a> · <a href="${SLOT(PREFERENCES)}" style="color:#6b7280">${escapeHtml(s.preferences)}</a>`,
      ].join("<br>\n"),
    }),
  );
  const text = compile(
    [
      SLOT(GREETING),
      subject,
      markdown,
      `${s.readOnline}:\n${campaignUrl}`,
      "--",
      `${s.footer(campaign)}\n${s.unsubscribe}: ${SLOT(UNSUBSCRIBE)}\n${s.preferences}: ${SLOT(PREFERENCES)}`,
    ].join("\n\n") + "\n",
  );

  return {
    render(recipient) {
      const unsubscribeUrl = checkedUrl(recipient.unsubscribeUrl);
      const preferencesUrl = checkedUrl(recipient.preferencesUrl);
      const greeting = s.greeting(recipient.firstName ? oneLine(withoutNul(recipient.firstName)) || null : null);
      return {
        subject,
        html: html([escapeHtml(greeting), escapeHtml(unsubscribeUrl), escapeHtml(preferencesUrl)]),
        text: text([greeting, unsubscribeUrl, preferencesUrl]),
        headers: {
          "List-Unsubscribe": `<${unsubscribeUrl}>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
      };
    },
  };
}

/** One recipient's email, for previews and tests; a send to many uses prepareCampaignUpdateEmail. */
export function renderCampaignUpdateEmail(content: CampaignUpdateContent, recipient: CampaignUpdateRecipient): CampaignUpdateEmail {
  return prepareCampaignUpdateEmail(content).render(recipient);
}
