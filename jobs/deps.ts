import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { Mailer } from "../emails/transport";

/** What a job handler may use. Built once per process (web in embedded mode, or the worker). */
export interface JobDeps {
  db: Kysely<DB>;
  mailer: Mailer;
  appUrl: string;
  deliveryIntervalMs: number;
}
