const DOTLESS_PLUS_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

/**
 * The form of an email address used for "one signature per person": case
 * folded, and for Gmail the dots and +tags removed, since Gmail ignores them
 * and they are the cheapest way to sign twice.
 */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  if (DOTLESS_PLUS_DOMAINS.has(domain)) {
    local = local.split("+")[0].replaceAll(".", "");
    domain = "gmail.com";
  }
  return `${local}@${domain}`;
}
