import { hash, verify, type Algorithm } from "@node-rs/argon2";

// OWASP's Argon2id minimum: 19 MiB of memory, 2 passes, 1 lane. (2 is Algorithm.Argon2id, a const enum
// that isolatedModules cannot read.)
const OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** A hash of nothing in particular: verifying against it makes "no such account" take as long as "wrong password". */
let decoy: Promise<string> | null = null;

/** Checks a password against a stored hash; with no hash, spends the same time and says no. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hashPassword("decoy password that matches nothing");
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
