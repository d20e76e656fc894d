import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { Mailer } from "../emails/transport";

/** Wraps a mailer so undeliverable addresses get nothing more. (Being built: passes mail through for now.) */
export function withSuppression(mailer: Mailer, _db: Kysely<DB>): Mailer {
  return mailer;
}
