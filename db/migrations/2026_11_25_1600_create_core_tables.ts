import { sql, type Kysely } from "kysely";

// Frozen in time: this file imports no app code, so later changes to the app cannot change what it did.

export async function up(db: Kysely<any>): Promise<void> {
  const id = (col: any) => col.primaryKey().generatedAlwaysAsIdentity();
  const now = sql`now()`;

  await db.schema
    .createTable("organizations")
    .addColumn("id", "integer", id)
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("campaigns")
    .addColumn("id", "integer", id)
    .addColumn("organization_id", "integer", (c) => c.notNull().references("organizations.id"))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("is_home", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("campaign_translations")
    .addColumn("campaign_id", "integer", (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("campaign_translations_pk", ["campaign_id", "locale"])
    .execute();

  await db.schema
    .createTable("resources")
    .addColumn("id", "integer", id)
    .addColumn("campaign_id", "integer", (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("url", "text")
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("key", "text", (c) => c.notNull())
    .addUniqueConstraint("resources_campaign_key", ["campaign_id", "key"])
    .execute();

  await db.schema
    .createTable("resource_translations")
    .addColumn("resource_id", "integer", (c) => c.notNull().references("resources.id").onDelete("cascade"))
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("resource_translations_pk", ["resource_id", "locale"])
    .execute();

  await db.schema
    .createTable("targets")
    .addColumn("id", "integer", id)
    .addColumn("organization_id", "integer", (c) => c.references("organizations.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("office", "text", (c) => c.notNull())
    .addColumn("level", "text", (c) => c.notNull())
    .addColumn("jurisdiction", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("targets_level_jurisdiction_state_office", ["level", "jurisdiction", "state", "office"])
    .execute();

  await db.schema
    .createTable("target_zip_codes")
    .addColumn("target_id", "integer", (c) => c.notNull().references("targets.id").onDelete("cascade"))
    .addColumn("zip_code", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("target_zip_codes_pk", ["target_id", "zip_code"])
    .execute();
  await db.schema.createIndex("target_zip_codes_zip").on("target_zip_codes").column("zip_code").execute();

  await db.schema
    .createTable("petitions")
    .addColumn("id", "integer", id)
    .addColumn("organization_id", "integer", (c) => c.notNull().references("organizations.id"))
    .addColumn("campaign_id", "integer", (c) => c.references("campaigns.id"))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft"))
    .addColumn("goal", "integer", (c) => c.notNull().defaultTo(1000))
    .addColumn("target_rule", "text", (c) => c.notNull().defaultTo("local"))
    .addColumn("target_levels", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{city,county}'`))
    .addColumn("delivery_interval_seconds", "integer")
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("opened_at", "timestamptz")
    .addColumn("closed_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("petition_translations")
    .addColumn("petition_id", "integer", (c) => c.notNull().references("petitions.id").onDelete("cascade"))
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("petition_translations_pk", ["petition_id", "locale"])
    .execute();

  await db.schema
    .createTable("petition_targets")
    .addColumn("petition_id", "integer", (c) => c.notNull().references("petitions.id").onDelete("cascade"))
    .addColumn("target_id", "integer", (c) => c.notNull().references("targets.id"))
    .addPrimaryKeyConstraint("petition_targets_pk", ["petition_id", "target_id"])
    .execute();

  await db.schema
    .createTable("signatures")
    .addColumn("id", "integer", id)
    .addColumn("petition_id", "integer", (c) => c.notNull().references("petitions.id"))
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_normalized", "text", (c) => c.notNull())
    .addColumn("postal_code", "text", (c) => c.notNull())
    .addColumn("zip5", "text", (c) => c.notNull())
    .addColumn("city", "text")
    .addColumn("county", "text")
    .addColumn("state", "text")
    .addColumn("comment", "text")
    .addColumn("comment_hidden", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("anonymous", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("opt_in", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("consent_text", "text")
    .addColumn("consent_at", "timestamptz")
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("source", "text")
    .addColumn("utm", "jsonb")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("emails_sent", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_emailed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("confirmed_at", "timestamptz")
    .execute();
  // One signature per petition per normalized email, whatever the application does.
  await db.schema
    .createIndex("signatures_petition_email_unique")
    .on("signatures")
    .columns(["petition_id", "email_normalized"])
    .unique()
    .execute();
  await db.schema
    .createIndex("signatures_petition_status_confirmed")
    .on("signatures")
    .columns(["petition_id", "status", "confirmed_at"])
    .execute();
  await db.schema.createIndex("signatures_petition_zip").on("signatures").columns(["petition_id", "zip5"]).execute();

  await db.schema
    .createTable("signature_tokens")
    .addColumn("id", "integer", id)
    .addColumn("signature_id", "integer", (c) => c.notNull().references("signatures.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("signature_tokens_signature").on("signature_tokens").column("signature_id").execute();

  await db.schema
    .createTable("deliveries")
    .addColumn("id", "integer", id)
    .addColumn("petition_id", "integer", (c) => c.notNull().references("petitions.id"))
    .addColumn("target_id", "integer", (c) => c.notNull().references("targets.id"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("signature_count", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("sent_at", "timestamptz")
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("deliveries_petition_target_created")
    .on("deliveries")
    .columns(["petition_id", "target_id", "created_at"])
    .execute();

  // The primary key is what makes delivery exactly-once: a signature can be claimed for a target only once.
  await db.schema
    .createTable("delivery_signatures")
    .addColumn("target_id", "integer", (c) => c.notNull().references("targets.id"))
    .addColumn("signature_id", "integer", (c) => c.notNull().references("signatures.id").onDelete("cascade"))
    .addColumn("delivery_id", "integer", (c) => c.notNull().references("deliveries.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("delivery_signatures_pk", ["target_id", "signature_id"])
    .execute();
  await db.schema.createIndex("delivery_signatures_delivery").on("delivery_signatures").column("delivery_id").execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "bigint", id)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("run_after", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("relayed_at", "timestamptz")
    .addColumn("done_at", "timestamptz")
    .execute();
  await db.schema.createIndex("outbox_pending").on("outbox").columns(["status", "run_after"]).execute();

  await db.schema
    .createTable("dev_mail")
    .addColumn("id", "integer", id)
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("headers", "jsonb", (c) => c.notNull())
    .addColumn("attachments", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "dev_mail",
    "outbox",
    "delivery_signatures",
    "deliveries",
    "signature_tokens",
    "signatures",
    "petition_targets",
    "petition_translations",
    "petitions",
    "target_zip_codes",
    "targets",
    "resource_translations",
    "resources",
    "campaign_translations",
    "campaigns",
    "organizations",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
