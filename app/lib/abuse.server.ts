import { createHmac } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { parseDuration } from "./duration";

export interface RateLimit {
  count: number;
  windowSeconds: number;
}

/**
 * "1/1m,5/5m" → at most 1 signature a minute and 5 per 5 minutes from one IP
 * on one petition (the UK Parliament petitions site's limits); "off" → none.
 * Returns null for text that is not such a list.
 */
export function parseRateLimits(text: string): RateLimit[] | null {
  if (text.trim() === "off") return [];
  const limits: RateLimit[] = [];
  for (const part of text.split(",")) {
    const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(part);
    const ms = match ? parseDuration(match[2]) : null;
    if (!match || ms === null || Number(match[1]) < 1) return null;
    limits.push({ count: Number(match[1]), windowSeconds: Math.ceil(ms / 1000) });
  }
  return limits;
}

/** IPs and CIDR ranges whose signers share one connection (libraries, community centres): never limited. */
export function parseAllowList(text: string): BlockList | null {
  const list = new BlockList();
  for (const entry of text.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0) return null;
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) return null;
    list.addSubnet(address, bits, type);
  }
  return list;
}

export function isAllowListed(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return list.check(ip, family === 6 ? "ipv6" : "ipv4");
}

/** A keyed hash of something counted (an IP, an account): enough to count by, useless to anyone without the secret. */
export function keyedHash(kind: "ip" | "account", value: string, secret: string): string {
  return createHmac("sha256", secret).update(`${kind}:${value}`).digest("hex").slice(0, 32);
}

/** A keyed hash of the IP: enough to count signatures from one address. */
export function hashIp(ip: string, secret: string): string {
  return keyedHash("ip", ip, secret);
}

/**
 * The key the signing limit counts by: a hash of the client's IP, or null
 * (no limit) for allow-listed addresses — and, outside production, for this
 * machine itself, so a developer can sign a demo petition twice in a minute.
 */
export function rateLimitKey(
  ip: string,
  env: { SIGN_RATE_ALLOWLIST: BlockList; SESSION_SECRET: string; NODE_ENV: string },
): string | null {
  if (!ip) return null;
  const bare = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isAllowListed(env.SIGN_RATE_ALLOWLIST, bare)) return null;
  if (env.NODE_ENV !== "production" && (bare === "127.0.0.1" || bare === "::1")) return null;
  return hashIp(bare, env.SESSION_SECRET);
}
