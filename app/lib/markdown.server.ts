import { marked } from "marked";
import sanitizeHtml from "sanitize-html";

const ALLOWED = {
  allowedTags: ["p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "hr", "code", "pre"],
  allowedAttributes: { a: ["href", "title"] },
  allowedSchemes: ["https", "http", "mailto"],
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow" }),
  },
};

/** Markdown to HTML that is safe to put in a page: whatever an organizer types, no script survives. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true, breaks: false });
  return sanitizeHtml(html, { ...ALLOWED, allowedAttributes: { a: ["href", "title", "rel"] } });
}

/** Rendered bodies by the caller's key (a petition and language), with the Markdown they were rendered from. */
const rendered = new Map<string, { markdown: string; html: string }>();
/** Keys are petitions × languages; the bound only guards against a caller keying by something unbounded. */
const MAX_RENDERED = 2_000;

/**
 * renderMarkdown, remembered per key: a petition page view re-rendered the same
 * body each time (marked and sanitize-html, about a millisecond for a long
 * petition). The entry is used only while the Markdown is the same text, so an
 * organizer's edit shows on the next view, whichever process renders it.
 */
export function renderMarkdownCached(key: string, markdown: string): string {
  const hit = rendered.get(key);
  if (hit && hit.markdown === markdown) return hit.html;
  const html = renderMarkdown(markdown);
  if (rendered.size >= MAX_RENDERED) rendered.clear();
  rendered.set(key, { markdown, html });
  return html;
}
