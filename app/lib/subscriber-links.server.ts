import { createHmac, timingSafeEqual } from "node:crypto";

// Links in bulk email (unsubscribe, preferences) are signed, not stored: an update to
// 100,000 followers needs no token rows, and the database holds nothing that works as a
// link. The price: replacing SESSION_SECRET retires every such link in mail already sent
// (the preferences page can send a fresh one). See docs/decisions/0006.

const MAC_BYTES = 16;

function mac(secret: string, purpose: string, parts: number[]): string {
  return createHmac("sha256", secret)
    .update(`sanctuary:${purpose}:${parts.join(":")}`)
    .digest()
    .subarray(0, MAC_BYTES)
    .toString("base64url");
}

function matches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const ID = /^[1-9]\d{0,9}$/;
/** Ids are Postgres integers: a larger one can be no row, and must not reach a query. */
const MAX_ID = 2_147_483_647;
const isId = (text: string) => ID.test(text) && Number(text) <= MAX_ID;

/** The token of a subscriber's preferences page (/preferences/:token). */
export function preferencesToken(secret: string, subscriberId: number): string {
  return `${subscriberId}.${mac(secret, "preferences", [subscriberId])}`;
}

/** The subscriber a preferences token belongs to, or null when it is malformed or forged. */
export function readPreferencesToken(secret: string, token: string): { subscriberId: number } | null {
  const [id, given, ...rest] = token.split(".");
  if (rest.length > 0 || !id || !given || !isId(id)) return null;
  const subscriberId = Number(id);
  return matches(mac(secret, "preferences", [subscriberId]), given) ? { subscriberId } : null;
}

/** The token of a one-click unsubscribe link (/unsubscribe/:token): one subscriber, one campaign. */
export function unsubscribeToken(secret: string, subscriberId: number, campaignId: number): string {
  return `${subscriberId}.${campaignId}.${mac(secret, "unsubscribe", [subscriberId, campaignId])}`;
}

export function readUnsubscribeToken(secret: string, token: string): { subscriberId: number; campaignId: number } | null {
  const [id, campaign, given, ...rest] = token.split(".");
  if (rest.length > 0 || !id || !campaign || !given || !isId(id) || !isId(campaign)) return null;
  const subscriberId = Number(id);
  const campaignId = Number(campaign);
  return matches(mac(secret, "unsubscribe", [subscriberId, campaignId]), given) ? { subscriberId, campaignId } : null;
}
