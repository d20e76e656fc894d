import { parseArgs } from "node:util";
import { z } from "zod";
import { loadEnvOrExit } from "../app/env.server";
import { createOrganizerAccount, SET_PASSWORD_HOURS } from "../app/models/organizers.server";
import { openDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { HOST_ORGANIZATION_SLUG } from "../db/seed-data";

// `npm run organizer:create -- --email EMAIL [--org SLUG] [--role owner|organizer|viewer|admin]`
// Prints a one-time link where the person sets their password: no password ever goes on a command line.

const Args = z.object({
  email: z.email({ error: "--email must be an email address" }),
  org: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "--org must be a slug: lower-case letters, digits and dashes")
    .default(HOST_ORGANIZATION_SLUG),
  role: z.enum(["owner", "organizer", "viewer", "admin"], { error: "--role must be owner, organizer, viewer or admin" }).default("organizer"),
});

async function main() {
  const { values } = parseArgs({
    options: { email: { type: "string" }, org: { type: "string" }, role: { type: "string" }, name: { type: "string" } },
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(parsed.error.issues.map((issue) => issue.message).join("\n"));
    console.error("usage: npm run organizer:create -- --email EMAIL [--org SLUG] [--role owner|organizer|viewer|admin]");
    process.exit(2);
  }
  const env = loadEnvOrExit();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    await migrateToLatest(handle.db);
    const result = await createOrganizerAccount(handle.db, {
      email: parsed.data.email,
      organizationSlug: parsed.data.org,
      organizationName: values.name,
      role: parsed.data.role,
    });
    console.log(`${result.created ? "Created" : "Updated"} the account (${parsed.data.role} of ${parsed.data.org}).`);
    console.log(`Send this one-time link to the person; it lets them set a password and works for ${SET_PASSWORD_HOURS} hours:`);
    console.log(`${env.APP_URL}/admin/set-password/${result.token}`);
  } finally {
    await handle.close();
  }
}

main().catch((error) => {
  console.error(`organizer:create failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
