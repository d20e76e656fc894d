import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { Mailer } from "../emails/transport";
import type { MailRateLimiter } from "./mail-rate";

/** What a job handler may use. Built once per process (web in embedded mode, or the worker) by createJobDeps. */
export interface JobDeps {
  db: Kysely<DB>;
  /** Refuses addresses recorded as undeliverable and records new permanent refusals (see jobs/suppression.ts). */
  mailer: Mailer;
  appUrl: string;
  deliveryIntervalMs: number;
  /** Signs unsubscribe and preferences links (SESSION_SECRET). */
  linkSecret: string;
  /** Paces bulk mail (campaign updates) to MAIL_RATE_PER_MINUTE across every worker. */
  bulkMailLimiter: MailRateLimiter;
}
