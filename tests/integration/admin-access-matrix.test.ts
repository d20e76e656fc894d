import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishUpdate } from "../../app/models/campaign-updates.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

// Every /admin route × six personas: what each may see and do, that nobody
// outside an organization learns its signers' email addresses, and that a
// refused request changes nothing. One Postgres database; a second app on
// the same database with Redis serves bull-board at /admin/queues.

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const PERSONAS = ["anonymous", "viewer", "otherOrg", "organizer", "owner", "admin"] as const;
type Persona = (typeof PERSONAS)[number];
type Signed = Exclude<Persona, "anonymous">;

const EMAILS: Record<Signed, string> = {
  viewer: "viewer@matrix.example",
  otherOrg: "organizer@other-org.example",
  organizer: "organizer@matrix.example",
  owner: "owner@matrix.example",
  admin: "admin@platform.example",
};

/** Signers of the seeded petition (organization "sanctuary") and of the other organization's petition. */
const SANCTUARY_SIGNER = "matrix-signer@example.com";
const SANCTUARY_PENDING = "matrix-pending@example.com";
/** One address per persona that may invalidate, so each invalidation has something to do. */
const SPAM_SIGNERS: Record<"organizer" | "owner" | "admin", string> = {
  organizer: "spam-organizer@spam.example",
  owner: "spam-owner@spam.example",
  admin: "spam-admin@spam.example",
};
const SANCTUARY_EMAILS = [SANCTUARY_SIGNER, SANCTUARY_PENDING, ...Object.values(SPAM_SIGNERS)];
const OTHER_SIGNER = "other-signer@example.net";

const PETITION = SEEDED_PETITION;
const OTHER_PETITION = "other-org-petition";
const OTHER_CAMPAIGN = "other-org-campaign";
const HOME_CAMPAIGN = "sanctuary-cities-and-counties";
const SF_MAYOR = "mayor.san-francisco-ca@example.org";
const KEPT_UPDATE = "Matrix scheduled update";

let database: TestDatabase;
let app: TestApp;
let redisApp: TestApp;
const cookies = {} as Record<Signed, string>;
const ids = {
  sanctuary: 0,
  otherOrg: 0,
  viewer: 0,
  /** The San Francisco mayor (seeded, owned by sanctuary): serves the signers at 94110. */
  target: 0,
  otherTarget: 0,
  signature: 0,
  /** Scheduled updates of the home campaign: one for each persona that may cancel, and one nobody cancels. */
  updates: { organizer: 0, owner: 0, admin: 0 },
  keptUpdate: 0,
};

function form(fields: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return body.toString();
}

async function request(
  server: TestApp,
  method: "GET" | "POST",
  path: string,
  persona: Persona,
  fields?: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(server.url + path, {
    method,
    redirect: "manual",
    headers: {
      ...(persona === "anonymous" ? {} : { Cookie: cookies[persona] }),
      ...(method === "POST" ? { Origin: server.url, "Content-Type": "application/x-www-form-urlencoded" } : {}),
      ...headers,
    },
    body: method === "POST" ? form(fields ?? {}) : undefined,
  });
}

const TABLES = [
  "organizations",
  "memberships",
  "organizers",
  "organizer_tokens",
  "campaigns",
  "campaign_translations",
  "petitions",
  "petition_translations",
  "petition_targets",
  "targets",
  "target_zip_codes",
  "signatures",
  "deliveries",
  "delivery_signatures",
  "outbox",
  "audit_log",
  "campaign_updates",
  "campaign_update_translations",
] as const;

/**
 * A fingerprint of every table a workspace action writes (sessions and
 * login failures aside: reading a page touches the session). Jobs do not run
 * in this app, so nothing changes in the background between two fingerprints.
 */
async function fingerprint(): Promise<Record<string, string>> {
  const result = await sql<Record<string, string>>`select ${sql.join(
    TABLES.map((table) => sql`(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ${sql.table(table)} t) as ${sql.ref(table)}`),
  )}`.execute(database.db);
  return result.rows[0];
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;

/** Email addresses in a body, decoded the way React escapes them. */
function emailsIn(body: string): string[] {
  return [...new Set(body.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").match(EMAIL) ?? [])].map((e) => e.toLowerCase());
}

async function petitionFields(slug: string, goal: number): Promise<Record<string, string | string[]>> {
  const petition = await database.db.selectFrom("petitions").selectAll().where("slug", "=", slug).executeTakeFirstOrThrow();
  const text = await database.db.selectFrom("petition_translations").selectAll().where("petition_id", "=", petition.id).execute();
  const en = text.find((t) => t.locale === "en")!;
  const es = text.find((t) => t.locale === "es");
  return {
    intent: "save",
    slug,
    titleEn: en.title,
    summaryEn: en.summary,
    bodyEn: en.body,
    titleEs: es?.title ?? "",
    summaryEs: es?.summary ?? "",
    bodyEs: es?.body ?? "",
    goal: String(goal),
    status: petition.status,
    campaignId: petition.campaign_id === null ? "" : String(petition.campaign_id),
    targetRule: petition.target_rule,
    targetLevels: petition.target_levels,
    deliveryInterval: "",
  };
}

async function campaignFields(slug: string): Promise<Record<string, string>> {
  const campaign = await database.db.selectFrom("campaigns").selectAll().where("slug", "=", slug).executeTakeFirstOrThrow();
  const text = await database.db.selectFrom("campaign_translations").selectAll().where("campaign_id", "=", campaign.id).execute();
  const en = text.find((t) => t.locale === "en")!;
  const es = text.find((t) => t.locale === "es");
  return {
    intent: "save",
    slug,
    titleEn: en.title,
    summaryEn: en.summary,
    bodyEn: en.body,
    titleEs: es?.title ?? "",
    summaryEs: es?.summary ?? "",
    bodyEs: es?.body ?? "",
    status: campaign.status,
  };
}

function newPetitionFields(persona: Persona, organizationId: number, slug = `matrix-${persona.toLowerCase()}`) {
  return {
    intent: "save",
    organizationId: String(organizationId),
    slug,
    titleEn: `Matrix petition of ${persona}`,
    summaryEn: "Keep ICE out of city services.",
    bodyEn: "We ask the **city council** to adopt a sanctuary ordinance.",
    titleEs: "",
    summaryEs: "",
    bodyEs: "",
    goal: "500",
    status: "open",
    campaignId: "",
    targetRule: "local",
    targetLevels: ["city", "county"],
    deliveryInterval: "",
  };
}

function newCampaignFields(persona: Persona, organizationId: number, slug = `matrix-campaign-${persona.toLowerCase()}`) {
  return {
    intent: "save",
    organizationId: String(organizationId),
    slug,
    titleEn: `Matrix campaign of ${persona}`,
    summaryEn: "A campaign.",
    bodyEn: "Campaign text.",
    titleEs: "",
    summaryEs: "",
    bodyEs: "",
    status: "active",
  };
}

function targetCsv(office: string, zip = "94110"): string {
  return `name,office,level,jurisdiction,state,email,zip_codes\nPat Official,${office},city,San Francisco,CA,pat.${office.toLowerCase()}@example.org,${zip}\n`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  // No in-process jobs: nothing may change the database between a refused request's two fingerprints.
  [app, redisApp] = await Promise.all([
    startTestApp({ DATABASE_URL: database.url }, { runJobsInProcess: false }),
    startTestApp(
      { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: `test-matrix-${randomBytes(4).toString("hex")}` },
      { runJobsInProcess: false },
    ),
  ]);
  const signed = await Promise.all([
    signedInOrganizer(app, { email: EMAILS.viewer, role: "viewer" }),
    signedInOrganizer(app, { email: EMAILS.otherOrg, org: "other-org", role: "organizer" }),
    signedInOrganizer(app, { email: EMAILS.organizer, role: "organizer" }),
    signedInOrganizer(app, { email: EMAILS.owner, role: "owner" }),
    // The admin belongs to an organization of its own: what it may do in "sanctuary" comes from being an admin.
    signedInOrganizer(app, { email: EMAILS.admin, org: "platform-ops", role: "admin" }),
  ]);
  (["viewer", "otherOrg", "organizer", "owner", "admin"] as const).forEach((persona, i) => (cookies[persona] = signed[i].cookie));
  ids.sanctuary = signed[0].organizationId;
  ids.viewer = signed[0].organizerId;
  ids.otherOrg = signed[1].organizationId;

  // The other organization's petition, campaign and official, made through the workspace by its organizer.
  expect((await request(app, "POST", "/admin/petitions/new", "otherOrg", newPetitionFields("otherOrg", ids.otherOrg, OTHER_PETITION))).status).toBe(302);
  expect((await request(app, "POST", "/admin/campaigns/new", "otherOrg", newCampaignFields("otherOrg", ids.otherOrg, OTHER_CAMPAIGN))).status).toBe(302);
  const imported = await request(app, "POST", "/admin/targets/import", "otherOrg", { owner: String(ids.otherOrg), intent: "import", csv: targetCsv("Otherofficer", "10001") });
  expect(imported.status).toBe(302);
  ids.otherTarget = (await database.db.selectFrom("targets").select("id").where("organization_id", "=", ids.otherOrg).executeTakeFirstOrThrow()).id;
  ids.target = (await database.db.selectFrom("targets").select("id").where("email", "=", SF_MAYOR).executeTakeFirstOrThrow()).id;
  // The seed's officials are platform-wide; this one is made sanctuary's own, to test an organization's officials.
  await database.db.updateTable("targets").set({ organization_id: ids.sanctuary }).where("id", "=", ids.target).execute();

  const petitions = await database.db.selectFrom("petitions").select(["id", "slug"]).where("slug", "in", [PETITION, OTHER_PETITION]).execute();
  const petitionId = (slug: string) => petitions.find((p) => p.slug === slug)!.id;
  const signature = (petition: string, email: string, status: "confirmed" | "pending", comment: string | null = null) => ({
    petition_id: petitionId(petition),
    first_name: "Matrix",
    last_name: "Signer",
    email,
    email_normalized: email,
    postal_code: "94110",
    zip5: "94110",
    city: "San Francisco",
    county: "San Francisco",
    state: "CA",
    comment,
    locale: "en" as const,
    source: "matrix",
    status,
    confirmed_at: status === "confirmed" ? new Date(Date.now() - 60_000) : null,
  });
  const inserted = await database.db
    .insertInto("signatures")
    .values([
      signature(PETITION, SANCTUARY_SIGNER, "confirmed", "Protect our neighbors"),
      signature(PETITION, SANCTUARY_PENDING, "pending"),
      ...Object.values(SPAM_SIGNERS).map((email) => signature(PETITION, email, "confirmed")),
      signature(OTHER_PETITION, OTHER_SIGNER, "confirmed", "Other comment"),
    ])
    .returning(["id", "email"])
    .execute();
  ids.signature = inserted.find((s) => s.email === SANCTUARY_SIGNER)!.id;

  const home = await database.db.selectFrom("campaigns").select("id").where("slug", "=", HOME_CAMPAIGN).executeTakeFirstOrThrow();
  const scheduled = (title: string) =>
    publishUpdate(database.db, { campaignId: home.id, translations: { en: { title, body: "Text." } }, publishAt: new Date(Date.now() + 7 * 86_400_000) });
  for (const persona of ["organizer", "owner", "admin"] as const) ids.updates[persona] = await scheduled(`Matrix update to cancel (${persona})`);
  ids.keptUpdate = await scheduled(KEPT_UPDATE);
});

afterAll(async () => {
  await app?.close();
  await redisApp?.close();
  await database?.drop();
});

type Expected = Record<Persona, number>;

interface Route {
  method: "GET" | "POST";
  /** The route file, for the report. */
  route: string;
  path: () => string;
  body?: (persona: Persona) => Record<string, string | string[]> | Promise<Record<string, string | string[]>>;
  expect: Expected;
  /** Served by the app with Redis (bull-board). */
  redis?: boolean;
  /** Outside the workspace layout (sign-in, sign-out, set-password): an anonymous 302 need not go to the login page. */
  public?: boolean;
  /** Personas whose answer must contain this text (so the checks for its absence elsewhere are not vacuous). */
  contains?: { text: string; for: Persona[] };
}

/** Statuses in persona order: anonymous, viewer, other organization's organizer, organizer, owner, admin. */
function statuses(...codes: [number, number, number, number, number, number]): Expected {
  return Object.fromEntries(PERSONAS.map((p, i) => [p, codes[i]])) as Expected;
}

const P = `/admin/petitions/${PETITION}`;
const OTHER_P = `/admin/petitions/${OTHER_PETITION}`;

const MATRIX: Route[] = [
  // The workspace layout and its pages.
  { method: "GET", route: "admin._index", path: () => "/admin", expect: statuses(302, 200, 200, 200, 200, 200) },
  { method: "GET", route: "admin.petitions.new", path: () => "/admin/petitions/new", expect: statuses(302, 403, 200, 200, 200, 200) },
  { method: "GET", route: "admin.petitions.$slug._index", path: () => P, expect: statuses(302, 200, 404, 200, 200, 200) },
  // A client-side navigation's data request: single fetch answers a redirect as 202 with X-Remix-Redirect.
  { method: "GET", route: "admin.petitions.$slug._index (.data)", path: () => `${P}.data`, expect: statuses(202, 200, 404, 200, 200, 200) },
  { method: "GET", route: "admin.petitions.$slug.moderation (.data)", path: () => `${P}/moderation.data`, expect: statuses(202, 404, 404, 200, 200, 200) },
  { method: "GET", route: "admin.petitions.$slug.edit", path: () => `${P}/edit`, expect: statuses(302, 403, 404, 200, 200, 200) },
  { method: "GET", route: "admin.petitions.$slug.deliveries", path: () => `${P}/deliveries`, expect: statuses(302, 403, 404, 200, 200, 200) },
  {
    method: "GET",
    route: "admin.petitions.$slug.deliveries (preview)",
    path: () => `${P}/deliveries?preview=${ids.target}`,
    expect: statuses(302, 403, 404, 200, 200, 200),
  },
  // Moderation is scoped with the organizer role, so a viewer gets the same 404 as a stranger (see the report).
  {
    method: "GET",
    route: "admin.petitions.$slug.moderation",
    path: () => `${P}/moderation`,
    expect: statuses(302, 404, 404, 200, 200, 200),
    contains: { text: "Protect our neighbors", for: ["organizer", "owner", "admin"] },
  },
  {
    method: "GET",
    route: "admin.petitions.$slug.export",
    path: () => `${P}/export`,
    expect: statuses(302, 403, 404, 200, 200, 200),
    contains: { text: SANCTUARY_SIGNER, for: ["organizer", "owner", "admin"] },
  },
  {
    method: "GET",
    route: "admin.petitions.$slug.export (pending)",
    path: () => `${P}/export?status=pending`,
    expect: statuses(302, 403, 404, 200, 200, 200),
    contains: { text: SANCTUARY_PENDING, for: ["organizer", "owner", "admin"] },
  },
  {
    method: "GET",
    route: "admin.petitions.$slug.officials.$targetId.export",
    path: () => `${P}/officials/${ids.target}/export`,
    expect: statuses(302, 403, 404, 200, 200, 200),
  },
  {
    method: "GET",
    route: "admin.petitions.$slug.officials.$targetId.export (other org's official)",
    path: () => `${P}/officials/${ids.otherTarget}/export`,
    expect: statuses(302, 403, 404, 404, 404, 404),
  },
  { method: "GET", route: "admin.petitions.$slug._index (other org)", path: () => OTHER_P, expect: statuses(302, 404, 200, 404, 404, 200) },
  { method: "GET", route: "admin.petitions.$slug.edit (other org)", path: () => `${OTHER_P}/edit`, expect: statuses(302, 404, 200, 404, 404, 200) },
  {
    method: "GET",
    route: "admin.petitions.$slug.export (other org)",
    path: () => `${OTHER_P}/export`,
    expect: statuses(302, 404, 200, 404, 404, 200),
    contains: { text: OTHER_SIGNER, for: ["otherOrg", "admin"] },
  },
  { method: "GET", route: "admin.campaigns._index", path: () => "/admin/campaigns", expect: statuses(302, 200, 200, 200, 200, 200) },
  { method: "GET", route: "admin.campaigns.new", path: () => "/admin/campaigns/new", expect: statuses(302, 403, 200, 200, 200, 200) },
  { method: "GET", route: "admin.campaigns.$slug.edit", path: () => `/admin/campaigns/${HOME_CAMPAIGN}/edit`, expect: statuses(302, 403, 404, 200, 200, 200) },
  { method: "GET", route: "admin.campaigns.$slug.edit (other org)", path: () => `/admin/campaigns/${OTHER_CAMPAIGN}/edit`, expect: statuses(302, 404, 200, 404, 404, 200) },
  {
    method: "GET",
    route: "admin.campaigns.$slug.updates._index",
    path: () => `/admin/campaigns/${HOME_CAMPAIGN}/updates`,
    expect: statuses(302, 200, 404, 200, 200, 200),
    contains: { text: KEPT_UPDATE, for: ["viewer", "organizer", "owner", "admin"] },
  },
  {
    method: "GET",
    route: "admin.campaigns.$slug.updates._index (other org)",
    path: () => `/admin/campaigns/${OTHER_CAMPAIGN}/updates`,
    expect: statuses(302, 404, 200, 404, 404, 200),
  },
  { method: "GET", route: "admin.campaigns.$slug.updates.new", path: () => `/admin/campaigns/${HOME_CAMPAIGN}/updates/new`, expect: statuses(302, 403, 404, 200, 200, 200) },
  {
    method: "GET",
    route: "admin.campaigns.$slug.updates.new (other org)",
    path: () => `/admin/campaigns/${OTHER_CAMPAIGN}/updates/new`,
    expect: statuses(302, 404, 200, 404, 404, 200),
  },
  { method: "GET", route: "admin.targets._index", path: () => "/admin/targets?status=all", expect: statuses(302, 200, 200, 200, 200, 200) },
  { method: "GET", route: "admin.targets.$id", path: () => `/admin/targets/${ids.target}`, expect: statuses(302, 200, 404, 200, 200, 200) },
  { method: "GET", route: "admin.targets.$id (other org)", path: () => `/admin/targets/${ids.otherTarget}`, expect: statuses(302, 404, 200, 404, 404, 200) },
  { method: "GET", route: "admin.targets.import", path: () => "/admin/targets/import", expect: statuses(302, 403, 200, 200, 200, 200) },
  { method: "GET", route: "admin.members", path: () => "/admin/members?org=sanctuary", expect: statuses(302, 403, 404, 403, 200, 200) },
  { method: "GET", route: "admin.members (own organization)", path: () => "/admin/members", expect: statuses(302, 403, 403, 403, 200, 200) },
  { method: "GET", route: "admin.audit", path: () => "/admin/audit", expect: statuses(302, 403, 403, 403, 200, 200) },
  { method: "GET", route: "admin.queues (no Redis: outbox counts)", path: () => "/admin/queues", expect: statuses(302, 404, 404, 404, 404, 200) },
  { method: "GET", route: "admin.queues (bull-board)", path: () => "/admin/queues", redis: true, expect: statuses(302, 404, 404, 404, 404, 200) },
  { method: "GET", route: "admin.queues (bull-board API)", path: () => "/admin/queues/api/queues", redis: true, expect: statuses(404, 404, 404, 404, 404, 200) },
  // Outside the layout: sign-in sends a signed-in organizer on; sign-out's GET goes to the workspace; a bad link is gone.
  { method: "GET", route: "admin_.login", path: () => "/admin/login", public: true, expect: statuses(200, 302, 302, 302, 302, 302) },
  { method: "GET", route: "admin_.logout", path: () => "/admin/logout", public: true, expect: statuses(302, 302, 302, 302, 302, 302) },
  { method: "GET", route: "admin_.set-password.$token", path: () => "/admin/set-password/not-a-real-token-0123456789", public: true, expect: statuses(410, 410, 410, 410, 410, 410) },

  // Actions, with bodies that would succeed for someone allowed: refusals come from authorization, not validation.
  {
    method: "POST",
    route: "admin.petitions.new",
    path: () => "/admin/petitions/new",
    body: (persona) => newPetitionFields(persona, ids.sanctuary),
    // The other organization's organizer may create petitions, but not in "sanctuary": a field error, nothing written.
    expect: statuses(302, 403, 422, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.edit",
    path: () => `${P}/edit`,
    body: (persona) => petitionFields(PETITION, 20_000 + PERSONAS.indexOf(persona)),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.edit (other org)",
    path: () => `${OTHER_P}/edit`,
    body: (persona) => petitionFields(OTHER_PETITION, 30_000 + PERSONAS.indexOf(persona)),
    expect: statuses(302, 404, 302, 404, 404, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.deliveries",
    path: () => `${P}/deliveries`,
    body: () => ({ intent: "deliver", targetId: String(ids.target) }),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.deliveries (all)",
    path: () => `${P}/deliveries`,
    body: () => ({ intent: "deliver-all" }),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.moderation (hide a comment)",
    path: () => `${P}/moderation`,
    body: () => ({ intent: "hide", signatureId: String(ids.signature) }),
    expect: statuses(302, 404, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.petitions.$slug.moderation (invalidate)",
    path: () => `${P}/moderation`,
    body: (persona) => ({
      intent: "invalidate",
      by: "email",
      email: persona in SPAM_SIGNERS ? SPAM_SIGNERS[persona as keyof typeof SPAM_SIGNERS] : SANCTUARY_SIGNER,
      expected: "1",
    }),
    expect: statuses(302, 404, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.new",
    path: () => "/admin/campaigns/new",
    body: (persona) => newCampaignFields(persona, ids.sanctuary),
    expect: statuses(302, 403, 422, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.$slug.edit",
    path: () => `/admin/campaigns/${HOME_CAMPAIGN}/edit`,
    body: () => campaignFields(HOME_CAMPAIGN),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.$slug.edit (other org)",
    path: () => `/admin/campaigns/${OTHER_CAMPAIGN}/edit`,
    body: () => campaignFields(OTHER_CAMPAIGN),
    expect: statuses(302, 404, 302, 404, 404, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.$slug.updates.new",
    path: () => `/admin/campaigns/${HOME_CAMPAIGN}/updates/new`,
    // Scheduled a week ahead: nothing is mailed, and the new update and its outbox row change the fingerprint.
    body: (persona) => ({ intent: "save", title: `Matrix update of ${persona}`, body: "Text.", when: "later", sendAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.$slug.updates._index (cancel)",
    path: () => `/admin/campaigns/${HOME_CAMPAIGN}/updates`,
    // Those refused try the organizer's update, which is still scheduled when the organizer's turn comes.
    body: (persona) => ({ intent: "cancel", updateId: String(persona in ids.updates ? ids.updates[persona as keyof typeof ids.updates] : ids.updates.organizer) }),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.campaigns.$slug.updates._index (cancel through another campaign)",
    // The other organization's campaign address with one of sanctuary's updates: no such update there.
    path: () => `/admin/campaigns/${OTHER_CAMPAIGN}/updates`,
    body: () => ({ intent: "cancel", updateId: String(ids.keptUpdate) }),
    expect: statuses(302, 404, 404, 404, 404, 404),
  },
  {
    method: "POST",
    route: "admin.targets.$id",
    path: () => `/admin/targets/${ids.target}`,
    body: () => ({ intent: "save", name: "Matrix Mayor", office: "Mayor", email: SF_MAYOR, zipCodes: "94110 94103" }),
    expect: statuses(302, 403, 404, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.targets.$id (retire)",
    path: () => `/admin/targets/${ids.otherTarget}`,
    body: () => ({ intent: "retire" }),
    expect: statuses(302, 404, 302, 404, 404, 302),
  },
  {
    method: "POST",
    route: "admin.targets.import",
    path: () => "/admin/targets/import",
    body: (persona) => ({ owner: String(ids.sanctuary), intent: "import", csv: targetCsv(`Matrixofficer${PERSONAS.indexOf(persona)}`) }),
    expect: statuses(302, 403, 422, 302, 302, 302),
  },
  {
    method: "POST",
    route: "admin.members (invite)",
    path: () => "/admin/members?org=sanctuary",
    body: (persona) => ({ intent: "invite", email: `invitee-${persona.toLowerCase()}@matrix.example`, role: "owner" }),
    expect: statuses(302, 403, 404, 403, 302, 302),
  },
  {
    method: "POST",
    route: "admin.members (role)",
    // The viewer tries to make themselves an owner; the owner makes them an organizer, and the admin a viewer again.
    path: () => "/admin/members?org=sanctuary",
    body: (persona) => ({ intent: "role", organizerId: String(ids.viewer), role: persona === "owner" ? "organizer" : persona === "admin" ? "viewer" : "owner" }),
    expect: statuses(302, 403, 404, 403, 302, 302),
  },
];

describe("the workspace access matrix", () => {
  it.each(MATRIX.map((row) => [`${row.method} ${row.path().replace(/\d+/g, ":id")}  (${row.route})`, row] as const))("%s", async (_name, row) => {
    const server = row.redis ? redisApp : app;
    const path = row.path();
    const actual = {} as Expected;
    for (const persona of PERSONAS) {
      const expected = row.expect[persona];
      const refused = expected === 403 || expected === 404 || (persona === "anonymous" && !row.public) || (expected === 422 && row.method === "POST");
      const before = refused || row.method === "POST" ? await fingerprint() : null;
      const res = await request(server, row.method, path, persona, row.body ? await row.body(persona) : undefined);
      const body = await res.text();
      actual[persona] = res.status;
      const what = `${row.method} ${path} as ${persona}`;
      expect(res.status, `${what}: ${body.slice(0, 300)}`).not.toBe(500);

      const location = res.headers.get("location") ?? res.headers.get("x-remix-redirect") ?? "";
      if ((res.status === 302 || res.status === 202) && !row.public) {
        if (persona === "anonymous") expect(location, what).toMatch(/^\/admin\/login\?next=/);
        else expect(location, what).not.toMatch(/^\/admin\/login/);
      }
      if (before && refused) expect(await fingerprint(), `${what} changed the database`).toEqual(before);
      // The bodies are valid: an allowed action does change something.
      if (before && !refused && res.status === 302) expect(await fingerprint(), `${what} changed nothing`).not.toEqual(before);

      // Signers' email addresses reach only those who may export them.
      const emails = emailsIn(body);
      if (!["organizer", "owner", "admin"].includes(persona)) {
        expect(emails.filter((e) => SANCTUARY_EMAILS.includes(e)), what).toEqual([]);
      }
      if (persona !== "otherOrg" && persona !== "admin") expect(emails, what).not.toContain(OTHER_SIGNER);
      // A viewer sees no email address at all, but their own.
      if (persona === "viewer") expect(emails.filter((e) => e !== EMAILS.viewer), what).toEqual([]);
      if (row.contains?.for.includes(persona) && res.status === 200) expect(body, what).toContain(row.contains.text);
    }
    expect(actual).toEqual(row.expect);
  });
});

describe("a viewer here who is an organizer elsewhere", () => {
  it("is a viewer in this organization: numbers only, no email address of its signers or officials, no writes", async () => {
    const email = "mixed@matrix.example";
    // Two memberships: organizer of the other organization, viewer of "sanctuary" (the second sign-in's cookie is the live one).
    await signedInOrganizer(app, { email, org: "other-org", role: "organizer" });
    const { cookie } = await signedInOrganizer(app, { email, role: "viewer" });
    const get = async (path: string) => {
      const res = await app.get(path, { Cookie: cookie });
      return { status: res.status, emails: emailsIn(await res.text()).filter((e) => e !== email) };
    };
    expect(await get(P)).toEqual({ status: 200, emails: [] });
    expect(await get(`/admin/targets/${ids.target}`)).toEqual({ status: 200, emails: [] });
    // Sanctuary's own official stays hidden; platform-wide offices (public addresses) are shown to anyone who writes somewhere.
    expect((await get("/admin/targets?q=San+Francisco")).emails).not.toContain(SF_MAYOR);
    for (const path of [`${P}/edit`, `${P}/deliveries`, `${P}/export`, `${P}/officials/${ids.target}/export`]) expect((await get(path)).status, path).toBe(403);
    expect((await get(`${P}/moderation`)).status).toBe(404);
    // Their own organization's officials they do see in full.
    const own = await get(`/admin/targets/${ids.otherTarget}`);
    expect(own).toEqual({ status: 200, emails: ["pat.otherofficer@example.org"] });

    const before = await fingerprint();
    const post = (path: string, fields: Record<string, string | string[]>) =>
      fetch(app.url + path, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: app.url, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: form(fields),
      });
    expect((await post("/admin/petitions/new", newPetitionFields("viewer", ids.sanctuary, "matrix-mixed"))).status).toBe(422);
    expect((await post(`${P}/edit`, await petitionFields(PETITION, 99))).status).toBe(403);
    expect((await post(`/admin/targets/${ids.target}`, { intent: "retire" })).status).toBe(403);
    expect((await post("/admin/targets/import", { owner: String(ids.sanctuary), intent: "import", csv: targetCsv("Mixedofficer") })).status).toBe(422);
    expect(await fingerprint()).toEqual(before);
  });
});

describe("officials across organizations", () => {
  it("never sends one organization's signers to an official another organization imported for the same ZIP", async () => {
    // The other organization's organizer imports an "official" at an address they control, serving the sanctuary signers' ZIP.
    const csv = "name,office,level,jurisdiction,state,email,zip_codes\nShadow Official,Deputy Mayor,city,San Francisco,CA,shadow@other-org.example,94110\n";
    expect((await request(app, "POST", "/admin/targets/import", "otherOrg", { owner: String(ids.otherOrg), intent: "import", csv })).status).toBe(302);
    const shadow = (await database.db.selectFrom("targets").select("id").where("email", "=", "shadow@other-org.example").executeTakeFirstOrThrow()).id;

    const page = await (await request(app, "GET", `${P}/deliveries`, "organizer")).text();
    expect(page.includes("Shadow Official"), "the other organization's official is listed").toBe(false);
    expect((await request(app, "GET", `${P}/deliveries?preview=${shadow}`, "organizer")).status).toBe(404);
    expect((await request(app, "POST", `${P}/deliveries`, "organizer", { intent: "deliver", targetId: String(shadow) })).status).toBe(404);
    expect((await request(app, "POST", `${P}/deliveries`, "organizer", { intent: "deliver-all" })).status).toBe(302);
    // Nor the other way round: the other organization's petition does not reach sanctuary's officials (whose addresses sanctuary controls).
    expect((await request(app, "POST", `${OTHER_P}/deliveries`, "otherOrg", { intent: "deliver-all" })).status).toBe(302);
    const delivered = await database.db
      .selectFrom("deliveries as d")
      .innerJoin("petitions as p", "p.id", "d.petition_id")
      .innerJoin("targets as t", "t.id", "d.target_id")
      .select(["p.organization_id as petitionOrganization", "t.organization_id as targetOrganization"])
      .execute();
    expect(delivered.length).toBeGreaterThan(0);
    for (const row of delivered) expect([null, row.petitionOrganization]).toContain(row.targetOrganization);
    // The other organization's own petition does reach its own official.
    const toShadow = await database.db.selectFrom("deliveries as d").innerJoin("petitions as p", "p.id", "d.petition_id").select("p.slug").where("d.target_id", "=", shadow).execute();
    expect(toShadow).toEqual([{ slug: OTHER_PETITION }]);
  });
});

describe("cross-site requests", () => {
  const POSTS = [...new Set(MATRIX.filter((row) => row.method === "POST").map((row) => row.path))];

  it("refuses a POST from another site to every action, changing nothing (the admin's session included)", async () => {
    const paths = [...POSTS.map((path) => path()), "/admin/login", "/admin/logout", "/admin/set-password/not-a-real-token-0123456789"];
    for (const [headers, how] of [
      [{ Origin: "https://evil.example" }, "foreign Origin"],
      [{ Origin: "null" }, "opaque Origin"],
      [{ Origin: undefined as unknown as string, "Sec-Fetch-Site": "cross-site" }, "Sec-Fetch-Site only"],
    ] as const) {
      for (const path of paths) {
        const before = await fingerprint();
        const init = {
          method: "POST",
          redirect: "manual" as const,
          headers: Object.fromEntries(
            Object.entries({ Cookie: cookies.admin, "Content-Type": "application/x-www-form-urlencoded", ...headers }).filter(([, v]) => v !== undefined),
          ),
          body: form({ intent: "invite", email: "csrf@evil.example", role: "owner", password: "x", confirm: "x" }),
        };
        const res = await fetch(app.url + path, init);
        expect(res.status, `${how}: POST ${path}`).toBe(403);
        await res.body?.cancel();
        expect(await fingerprint(), `${how}: POST ${path}`).toEqual(before);
      }
    }
    // The cross-site sign-out did not end the session.
    expect((await request(app, "GET", "/admin", "admin")).status).toBe(200);
  });
});
