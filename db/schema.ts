import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

// The database as the migrations in db/migrations leave it. Keep in step with them.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | T, string | T>;

export type Locale = "en" | "es";
export const LOCALES: readonly Locale[] = ["en", "es"] as const;

export const PETITION_STATUSES = ["draft", "open", "closed", "archived"] as const;
export type PetitionStatus = (typeof PETITION_STATUSES)[number];
/** Petitions anyone may read; drafts are for organizers only. */
export const PUBLIC_PETITION_STATUSES: readonly PetitionStatus[] = ["open", "closed"];

export const SIGNATURE_STATUSES = ["pending", "confirmed", "invalidated"] as const;
export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];
/** Only these count towards a petition's total and reach officials. */
export const COUNTED_SIGNATURE_STATUSES: readonly SignatureStatus[] = ["confirmed"];

export const TARGET_LEVELS = ["city", "county", "state"] as const;
export type TargetLevel = (typeof TARGET_LEVELS)[number];

export type OutboxStatus = "pending" | "queued" | "done" | "failed";
export type DeliveryStatus = "pending" | "sent" | "failed";

export interface OrganizationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: Generated<Date>;
}

export interface CampaignsTable {
  id: Generated<number>;
  organization_id: number;
  slug: string;
  status: Generated<string>;
  is_home: Generated<boolean>;
  position: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CampaignTranslationsTable {
  campaign_id: number;
  locale: Locale;
  title: string;
  summary: Generated<string>;
  body: Generated<string>;
}

export interface ResourcesTable {
  id: Generated<number>;
  campaign_id: number;
  /** "link" (reading) or "organization" (a partner) */
  kind: string;
  url: string | null;
  position: Generated<number>;
  /** Stable name within its campaign, so the seed can upsert. */
  key: string;
}

export interface ResourceTranslationsTable {
  resource_id: number;
  locale: Locale;
  title: string;
  description: Generated<string>;
}

export interface TargetsTable {
  id: Generated<number>;
  organization_id: number | null;
  name: string;
  office: string;
  level: TargetLevel;
  jurisdiction: string;
  state: string;
  email: string;
  active: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface TargetZipCodesTable {
  target_id: number;
  zip_code: string;
}

export interface PetitionsTable {
  id: Generated<number>;
  organization_id: number;
  campaign_id: number | null;
  slug: string;
  status: ColumnType<PetitionStatus, PetitionStatus | undefined, PetitionStatus>;
  goal: Generated<number>;
  /** "local": the signer's officials at target_levels; "fixed": petition_targets */
  target_rule: ColumnType<"local" | "fixed", "local" | "fixed" | undefined, "local" | "fixed">;
  target_levels: ColumnType<TargetLevel[], TargetLevel[] | undefined, TargetLevel[]>;
  delivery_interval_seconds: number | null;
  position: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  opened_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  /** The organizer's switch: followers of the campaign get an update at 25, 50, 75 and 100 % of the goal. */
  milestone_updates: Generated<boolean>;
}

export interface PetitionTranslationsTable {
  petition_id: number;
  locale: Locale;
  title: string;
  summary: Generated<string>;
  body: Generated<string>;
}

export interface PetitionTargetsTable {
  petition_id: number;
  target_id: number;
}

export interface SignaturesTable {
  id: Generated<number>;
  petition_id: number;
  first_name: string;
  last_name: string;
  email: string;
  email_normalized: string;
  postal_code: string;
  zip5: string;
  city: string | null;
  county: string | null;
  state: string | null;
  comment: string | null;
  comment_hidden: Generated<boolean>;
  anonymous: Generated<boolean>;
  opt_in: Generated<boolean>;
  consent_text: string | null;
  consent_at: NullableTimestamp;
  locale: Locale;
  source: string | null;
  utm: Json<Record<string, string>> | null;
  status: ColumnType<SignatureStatus, SignatureStatus | undefined, SignatureStatus>;
  emails_sent: Generated<number>;
  last_emailed_at: NullableTimestamp;
  /** HMAC of the signer's IP (never the IP itself), for the per-IP rate limit; null when allow-listed. */
  ip_hash: string | null;
  /** Why a signature does not count although it may be confirmed, e.g. "rate-limit". */
  flagged_reason: string | null;
  /** Set when the signer asked to delete their data: names, email and comment are blanked, the signature still counts. */
  erased_at: NullableTimestamp;
  created_at: Generated<Date>;
  confirmed_at: NullableTimestamp;
}

export interface SignatureTokensTable {
  id: Generated<number>;
  signature_id: number;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface DeliveriesTable {
  id: Generated<number>;
  petition_id: number;
  target_id: number;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  signature_count: number;
  created_at: Generated<Date>;
  sent_at: NullableTimestamp;
  error: string | null;
}

export interface DeliverySignaturesTable {
  target_id: number;
  signature_id: number;
  delivery_id: number;
}

export interface OutboxTable {
  /** bigint: a string from pg, so treat ids as strings everywhere. */
  id: ColumnType<string, never, never>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: Generated<number>;
  run_after: Generated<Date>;
  last_error: string | null;
  created_at: Generated<Date>;
  relayed_at: NullableTimestamp;
  done_at: NullableTimestamp;
}

export interface DevMailTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  html: string;
  text: string;
  headers: Json<Record<string, string>>;
  attachments: Json<{ filename: string; contentType: string; content: string }[]>;
  created_at: Generated<Date>;
}

export const ROLES = ["owner", "organizer", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface OrganizersTable {
  id: Generated<number>;
  /** Lower-cased. */
  email: string;
  name: Generated<string>;
  /** Argon2id; null until the person sets a password through their one-time link. */
  password_hash: string | null;
  is_admin: Generated<boolean>;
  created_at: Generated<Date>;
  last_login_at: NullableTimestamp;
  disabled_at: NullableTimestamp;
}

export interface MembershipsTable {
  organizer_id: number;
  organization_id: number;
  role: Role;
  created_at: Generated<Date>;
}

export interface OrganizerSessionsTable {
  /** SHA-256 of the cookie's token: a leaked table holds no usable session. */
  id: string;
  organizer_id: number;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface OrganizerTokensTable {
  id: Generated<number>;
  organizer_id: number;
  token_hash: string;
  /** "set-password" (new account or invitation) or "reset-password" */
  purpose: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface LoginFailuresTable {
  id: ColumnType<string, never, never>;
  key: string;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: ColumnType<string, never, never>;
  organizer_id: number | null;
  organization_id: number | null;
  action: string;
  subject: string | null;
  details: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export const SUBSCRIBER_STATUSES = ["active", "undeliverable", "erased"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];
export const FOLLOW_STATUSES = ["pending", "confirmed", "unsubscribed"] as const;
export type FollowStatus = (typeof FOLLOW_STATUSES)[number];
export type UpdateKind = "post" | "milestone";
/** active: shown once publish_at has passed, and mailed; cancelled: withdrawn before it went out; skipped: a milestone passed together with a higher one. */
export type UpdateStatus = "active" | "cancelled" | "skipped";
export type UpdateSendStatus = "pending" | "sent" | "failed" | "skipped";
export const MILESTONE_PERCENTS = [25, 50, 75, 100] as const;

/** A person who follows campaigns; one row per normalized email. Erasure blanks the personal columns. */
export interface SubscribersTable {
  id: Generated<number>;
  email: string | null;
  email_normalized: string | null;
  first_name: string | null;
  postal_code: string | null;
  zip5: string | null;
  locale: ColumnType<Locale, Locale | undefined, Locale>;
  status: ColumnType<SubscriberStatus, SubscriberStatus | undefined, SubscriberStatus>;
  emails_sent: Generated<number>;
  last_emailed_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  undeliverable_at: NullableTimestamp;
  erased_at: NullableTimestamp;
}

export interface FollowsTable {
  id: Generated<number>;
  subscriber_id: number;
  campaign_id: number;
  status: ColumnType<FollowStatus, FollowStatus | undefined, FollowStatus>;
  source: ColumnType<"form" | "signature", "form" | "signature" | undefined, "form" | "signature">;
  emails_sent: Generated<number>;
  last_emailed_at: NullableTimestamp;
  created_at: Generated<Date>;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
}

export interface FollowTokensTable {
  id: Generated<number>;
  follow_id: number;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface ErasureTokensTable {
  id: Generated<number>;
  subscriber_id: number;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface CampaignUpdatesTable {
  id: Generated<number>;
  campaign_id: number;
  kind: ColumnType<UpdateKind, UpdateKind | undefined, UpdateKind>;
  petition_id: number | null;
  milestone_percent: number | null;
  status: ColumnType<UpdateStatus, UpdateStatus | undefined, UpdateStatus>;
  publish_at: Timestamp;
  created_by: number | null;
  created_at: Generated<Date>;
  /** The fan-out's keyset position: the last subscriber id already given a send record. */
  fanout_cursor: Generated<number>;
  fanout_batches: Generated<number>;
  fanout_done_at: NullableTimestamp;
}

export interface CampaignUpdateTranslationsTable {
  update_id: number;
  locale: Locale;
  title: string;
  body: Generated<string>;
}

/** One row per update and recipient; the primary key (update_id, subscriber_id) makes each follower get an update once. */
export interface UpdateSendsTable {
  update_id: number;
  subscriber_id: number;
  batch: number;
  status: ColumnType<UpdateSendStatus, UpdateSendStatus | undefined, UpdateSendStatus>;
  sent_at: NullableTimestamp;
  error: string | null;
  /** A batch run holds a pending send until then (jobs/handlers/update-batch.ts). */
  claimed_until: NullableTimestamp;
}

/** Addresses refused for good by a mail server, as hashAddress() of the normalized address. */
export interface UndeliverableAddressesTable {
  email_hash: string;
  reason: string;
  created_at: Generated<Date>;
}

export interface DB {
  subscribers: SubscribersTable;
  follows: FollowsTable;
  follow_tokens: FollowTokensTable;
  erasure_tokens: ErasureTokensTable;
  campaign_updates: CampaignUpdatesTable;
  campaign_update_translations: CampaignUpdateTranslationsTable;
  update_sends: UpdateSendsTable;
  undeliverable_addresses: UndeliverableAddressesTable;
  organizers: OrganizersTable;
  memberships: MembershipsTable;
  organizer_sessions: OrganizerSessionsTable;
  organizer_tokens: OrganizerTokensTable;
  login_failures: LoginFailuresTable;
  audit_log: AuditLogTable;
  organizations: OrganizationsTable;
  campaigns: CampaignsTable;
  campaign_translations: CampaignTranslationsTable;
  resources: ResourcesTable;
  resource_translations: ResourceTranslationsTable;
  targets: TargetsTable;
  target_zip_codes: TargetZipCodesTable;
  petitions: PetitionsTable;
  petition_translations: PetitionTranslationsTable;
  petition_targets: PetitionTargetsTable;
  signatures: SignaturesTable;
  signature_tokens: SignatureTokensTable;
  deliveries: DeliveriesTable;
  delivery_signatures: DeliverySignaturesTable;
  outbox: OutboxTable;
  dev_mail: DevMailTable;
}

export type Petition = Selectable<PetitionsTable>;
export type NewPetition = Insertable<PetitionsTable>;
export type PetitionUpdate = Updateable<PetitionsTable>;
export type Signature = Selectable<SignaturesTable>;
export type Target = Selectable<TargetsTable>;
export type OutboxRow = Selectable<OutboxTable>;
