import { createHash } from "node:crypto";
import { normalizeEmail } from "./email-normalize";

/**
 * The form in which an address is kept after a mail server refused it for good
 * (undeliverable_addresses): SHA-256 hex of the normalized address. It can be
 * checked against but not read back, and erasure has no address to remove from
 * anywhere else. Normalizing here means every caller gets the same hash for
 * "Ana.Lopez@Gmail.com" and "analopez@gmail.com", which reach one mailbox.
 */
export function hashAddress(email: string): string {
  return createHash("sha256").update(normalizeEmail(email)).digest("hex");
}
