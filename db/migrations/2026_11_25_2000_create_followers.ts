import { sql, type Kysely } from "kysely";

// Frozen in time: this file imports no app code, so later changes to the app cannot change what it did.

export async function up(db: Kysely<any>): Promise<void> {
  const id = (col: any) => col.primaryKey().generatedAlwaysAsIdentity();
  const now = sql`now()`;

  // One row per person who follows anything, keyed by normalized email. Erasure blanks the
  // personal columns and keeps the row, so update send records keep their meaning.
  await db.schema
    .createTable("subscribers")
    .addColumn("id", "integer", id)
    .addColumn("email", "text")
    .addColumn("email_normalized", "text", (c) => c.unique())
    .addColumn("first_name", "text")
    .addColumn("postal_code", "text")
    .addColumn("zip5", "text")
    .addColumn("locale", "text", (c) => c.notNull().defaultTo("en"))
    // active | undeliverable | erased
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("emails_sent", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_emailed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("undeliverable_at", "timestamptz")
    .addColumn("erased_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("follows")
    .addColumn("id", "integer", id)
    .addColumn("subscriber_id", "integer", (c) => c.notNull().references("subscribers.id").onDelete("cascade"))
    .addColumn("campaign_id", "integer", (c) => c.notNull().references("campaigns.id"))
    // pending | confirmed | unsubscribed
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    // form | signature
    .addColumn("source", "text", (c) => c.notNull().defaultTo("form"))
    .addColumn("emails_sent", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_emailed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("confirmed_at", "timestamptz")
    .addColumn("unsubscribed_at", "timestamptz")
    .addUniqueConstraint("follows_subscriber_campaign", ["subscriber_id", "campaign_id"])
    .execute();
  // The fan-out pages through a campaign's confirmed followers by subscriber id.
  await db.schema.createIndex("follows_campaign_status_subscriber").on("follows").columns(["campaign_id", "status", "subscriber_id"]).execute();

  await db.schema
    .createTable("follow_tokens")
    .addColumn("id", "integer", id)
    .addColumn("follow_id", "integer", (c) => c.notNull().references("follows.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("follow_tokens_follow").on("follow_tokens").column("follow_id").execute();

  await db.schema
    .createTable("erasure_tokens")
    .addColumn("id", "integer", id)
    .addColumn("subscriber_id", "integer", (c) => c.notNull().references("subscribers.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("campaign_updates")
    .addColumn("id", "integer", id)
    .addColumn("campaign_id", "integer", (c) => c.notNull().references("campaigns.id"))
    // post | milestone
    .addColumn("kind", "text", (c) => c.notNull().defaultTo("post"))
    .addColumn("petition_id", "integer", (c) => c.references("petitions.id"))
    .addColumn("milestone_percent", "integer")
    // active | cancelled | skipped (a milestone passed together with a higher one)
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("publish_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("created_by", "integer", (c) => c.references("organizers.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    // The fan-out's keyset position: the last subscriber id already given a send record.
    .addColumn("fanout_cursor", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("fanout_batches", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("fanout_done_at", "timestamptz")
    .addUniqueConstraint("campaign_updates_milestone", ["petition_id", "milestone_percent"])
    .execute();
  await db.schema.createIndex("campaign_updates_campaign_publish").on("campaign_updates").columns(["campaign_id", "publish_at"]).execute();

  await db.schema
    .createTable("campaign_update_translations")
    .addColumn("update_id", "integer", (c) => c.notNull().references("campaign_updates.id").onDelete("cascade"))
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("campaign_update_translations_pk", ["update_id", "locale"])
    .execute();

  // One row per update and recipient: the primary key is what makes an update go to each follower once.
  await db.schema
    .createTable("update_sends")
    .addColumn("update_id", "integer", (c) => c.notNull().references("campaign_updates.id").onDelete("cascade"))
    .addColumn("subscriber_id", "integer", (c) => c.notNull().references("subscribers.id").onDelete("cascade"))
    .addColumn("batch", "integer", (c) => c.notNull())
    // pending | sent | failed | skipped
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("sent_at", "timestamptz")
    .addColumn("error", "text")
    .addPrimaryKeyConstraint("update_sends_pk", ["update_id", "subscriber_id"])
    .execute();
  await db.schema.createIndex("update_sends_batch").on("update_sends").columns(["update_id", "batch", "status"]).execute();

  // Addresses a mail server refused for good, as a hash of the normalized address so erasure leaves no address here.
  await db.schema
    .createTable("undeliverable_addresses")
    .addColumn("email_hash", "text", (c) => c.primaryKey())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .alterTable("petitions")
    .addColumn("milestone_updates", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable("signatures").addColumn("erased_at", "timestamptz").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("signatures").dropColumn("erased_at").execute();
  await db.schema.alterTable("petitions").dropColumn("milestone_updates").execute();
  for (const table of [
    "undeliverable_addresses",
    "update_sends",
    "campaign_update_translations",
    "campaign_updates",
    "erasure_tokens",
    "follow_tokens",
    "follows",
    "subscribers",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
