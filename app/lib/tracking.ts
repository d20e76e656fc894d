export const TRACKING_FIELDS = ["source", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;

/** Where a signer came from (`?source=`, `utm_*`): short tokens only; anything else is dropped, not stored. */
export function readTracking(get: (name: string) => unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TRACKING_FIELDS) {
    const value = get(name);
    if (typeof value === "string" && /^[\w.~+-]{1,100}$/.test(value)) out[name] = value;
  }
  return out;
}
