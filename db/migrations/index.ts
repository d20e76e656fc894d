import type { Migration } from "kysely/migration";
import * as createCoreTables from "./2026_11_25_1600_create_core_tables";
import * as addSignatureAbuseFlags from "./2026_11_25_1700_add_signature_abuse_flags";
import * as createOrganizerAccounts from "./2026_11_25_1800_create_organizer_accounts";
import * as addSignaturesCreatedIndex from "./2026_11_25_1940_add_signatures_created_index";
import * as createFollowers from "./2026_11_25_2000_create_followers";
import * as addUpdateSendClaims from "./2026_11_25_2130_add_update_send_claims";

/**
 * A fixed, imported list: FileMigrationProvider cannot find .ts files after a
 * build, and a list keeps the order explicit. Append new migrations here.
 */
export const migrations: Record<string, Migration> = {
  "2026_11_25_1600_create_core_tables": createCoreTables,
  "2026_11_25_1700_add_signature_abuse_flags": addSignatureAbuseFlags,
  "2026_11_25_1800_create_organizer_accounts": createOrganizerAccounts,
  "2026_11_25_1940_add_signatures_created_index": addSignaturesCreatedIndex,
  "2026_11_25_2000_create_followers": createFollowers,
  "2026_11_25_2130_add_update_send_claims": addUpdateSendClaims,
};
