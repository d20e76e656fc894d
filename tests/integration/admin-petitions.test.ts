import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganizerAccount } from "../../app/models/organizers.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION, signerFields } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

let database: TestDatabase;
let app: TestApp;
/** An organizer of the seeded host organization ("sanctuary"). */
let organizer: { cookie: string; organizerId: number; organizationId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  organizer = await signedInOrganizer(app, { email: "writer@example.org" });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

type Fields = Record<string, string | string[]>;

/** A form POST as a browser sends it, repeated fields (checkboxes) included. */
function post(pathname: string, fields: Fields, cookie: string, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return fetch(app.url + pathname, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, ...headers },
    body: body.toString(),
  });
}

function petitionFields(overrides: Fields = {}): Fields {
  return {
    intent: "save",
    organizationId: String(organizer.organizationId),
    slug: "protect-our-neighbors",
    titleEn: "Protect Our Neighbors",
    summaryEn: "Ask the city to keep ICE out of city services.",
    bodyEn: "We ask the **city council** to adopt a sanctuary ordinance.",
    titleEs: "Protejamos a nuestros vecinos",
    summaryEs: "Pida a la ciudad que mantenga a ICE fuera de los servicios municipales.",
    bodyEs: "Pedimos al **concejo municipal** que adopte una ordenanza santuario.",
    goal: "2500",
    status: "draft",
    campaignId: "",
    targetRule: "local",
    targetLevels: ["city", "county"],
    deliveryInterval: "",
    ...overrides,
  };
}

/** The edit form's fields for a petition as it is now, with overrides (what a person sees and submits). */
async function currentFields(slug: string, overrides: Fields = {}): Promise<Fields> {
  const petition = await database.db.selectFrom("petitions").selectAll().where("slug", "=", slug).executeTakeFirstOrThrow();
  const text = await database.db.selectFrom("petition_translations").selectAll().where("petition_id", "=", petition.id).execute();
  const en = text.find((t) => t.locale === "en")!;
  const es = text.find((t) => t.locale === "es");
  const targets = await database.db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", petition.id).execute();
  return {
    intent: "save",
    slug,
    titleEn: en.title,
    summaryEn: en.summary,
    bodyEn: en.body,
    titleEs: es?.title ?? "",
    summaryEs: es?.summary ?? "",
    bodyEs: es?.body ?? "",
    goal: String(petition.goal),
    status: petition.status,
    campaignId: petition.campaign_id === null ? "" : String(petition.campaign_id),
    targetRule: petition.target_rule,
    targetLevels: petition.target_levels,
    targetIds: targets.map((t) => String(t.target_id)),
    deliveryInterval: "",
    ...overrides,
  };
}

async function petitionRow(slug: string) {
  return database.db.selectFrom("petitions").selectAll().where("slug", "=", slug).executeTakeFirst();
}

/** The values of the ticked checkboxes (or radios) named `name`. */
function checkedValues(html: string, name: string): string[] {
  return [...html.matchAll(/<input [^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes(`name="${name}"`) && / checked=""/.test(tag))
    .map((tag) => /value="([^"]*)"/.exec(tag)![1]);
}

/** The HTML of one element, from the tag that opens it to the first matching closing tag. */
function slice(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  expect(from, `${start} in the page`).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf(end, from) + end.length);
}

function decode(html: string): string {
  return html.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

describe("petition editor", () => {
  it("creates a petition in English and Spanish that is public in both languages once open, and not while a draft", async () => {
    const form = await app.get("/admin/petitions/new", { Cookie: organizer.cookie });
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('name="intent" value="preview"');
    // A new petition may start only as a draft or open.
    expect(html).toContain('value="draft"');
    expect(html).not.toContain('<option value="closed"');

    const created = await post("/admin/petitions/new", petitionFields(), organizer.cookie);
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/admin/petitions/protect-our-neighbors/edit?saved=created");
    const row = await petitionRow("protect-our-neighbors");
    expect(row).toMatchObject({ status: "draft", goal: 2500, organization_id: organizer.organizationId, opened_at: null, target_levels: ["city", "county"] });

    expect((await app.get("/petitions/protect-our-neighbors")).status).toBe(404);
    expect((await app.get("/petitions/protect-our-neighbors?lang=es")).status).toBe(404);

    const edit = await app.get("/admin/petitions/protect-our-neighbors/edit?saved=created", { Cookie: organizer.cookie });
    expect(edit.status).toBe(200);
    const editHtml = await edit.text();
    expect(editHtml).toContain("Petition created.");
    // From draft the only way is open; never closed or archived directly.
    expect(editHtml).toMatch(/<option value="open"/);
    expect(editHtml).not.toMatch(/<option value="closed"/);

    const opened = await post("/admin/petitions/protect-our-neighbors/edit", await currentFields("protect-our-neighbors", { status: "open" }), organizer.cookie);
    expect(opened.status).toBe(302);
    expect((await petitionRow("protect-our-neighbors"))!.opened_at).not.toBeNull();

    const en = await app.get("/petitions/protect-our-neighbors?lang=en");
    expect(en.status).toBe(200);
    const enHtml = await en.text();
    expect(enHtml).toContain("Protect Our Neighbors");
    expect(enHtml).toContain("<strong>city council</strong>");
    const es = await app.get("/petitions/protect-our-neighbors", { "Accept-Language": "es-US,es;q=0.9" });
    expect(es.status).toBe(200);
    const esHtml = await es.text();
    expect(esHtml).toContain("Protejamos a nuestros vecinos");
    expect(esHtml).toContain("<strong>concejo municipal</strong>");

    const audit = await database.db.selectFrom("audit_log").select(["action", "details"]).where("subject", "=", "protect-our-neighbors").orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["petition.create", "petition.update", "petition.status"]);
    expect(audit[2].details).toMatchObject({ from: "draft", to: "open" });
  });

  it("falls back to English on the Spanish page when no translation is given", async () => {
    const res = await post(
      "/admin/petitions/new",
      petitionFields({ slug: "english-only", titleEn: "English Only Petition", titleEs: "", summaryEs: "", bodyEs: "", status: "open" }),
      organizer.cookie,
    );
    expect(res.status).toBe(302);
    const es = await app.get("/petitions/english-only?lang=es");
    expect(es.status).toBe(200);
    expect(await es.text()).toContain("English Only Petition");
    const rows = await database.db
      .selectFrom("petition_translations as t")
      .innerJoin("petitions as p", "p.id", "t.petition_id")
      .select("t.locale")
      .where("p.slug", "=", "english-only")
      .execute();
    expect(rows.map((r) => r.locale)).toEqual(["en"]);
  });

  it("answers bad input with 422, a message tied to each field, and what was typed, and saves nothing", async () => {
    const before = await database.db.selectFrom("petitions").select("id").execute();
    const res = await post(
      "/admin/petitions/new",
      petitionFields({ slug: SEEDED_PETITION, titleEn: "Kept Title Ñandú", goal: "lots", deliveryInterval: "soon", summaryEs: "" }),
      organizer.cookie,
    );
    expect(res.status).toBe(422);
    const html = decode(await res.text());
    expect(html).toContain("already used by another petition");
    expect(html).toContain("Enter the goal as a whole number");
    expect(html).toContain("Enter a duration like 24h, 15m or 2d");
    expect(html).toContain("Write the Spanish summary");
    for (const name of ["slug", "goal", "deliveryInterval", "summaryEs"]) {
      expect(html).toContain(`id="${name}-error"`);
      expect(html).toMatch(new RegExp(`id="${name}"[^>]*aria-describedby="[^"]*${name}-error|aria-describedby="[^"]*${name}-error"[^>]*id="${name}"`));
    }
    expect(html).toContain('value="Kept Title Ñandú"');
    expect(html).toContain('value="lots"');
    expect(html).toContain('value="soon"');
    expect(html).toContain("We ask the **city council** to adopt a sanctuary ordinance.");
    expect(html).toContain('class="error-summary"');
    expect(await database.db.selectFrom("petitions").select("id").execute()).toHaveLength(before.length);

    for (const [fields, message] of [
      [{ slug: "Bad Slug!" }, "Use only lowercase letters"],
      [{ slug: "new" }, "That address is reserved"],
      [{ goal: "0" }, "at least 1 signature"],
      [{ goal: "-5" }, "whole number"],
      [{ deliveryInterval: "10s" }, "at most once a minute"],
      [{ titleEn: "" }, "Enter a title"],
      [{ targetLevels: [] }, "Tick at least one level"],
      [{ targetRule: "fixed", targetIds: [] }, "Choose at least one official"],
      [{ status: "closed" }, "A new petition starts as a draft or open"],
      [{ campaignId: "999999" }, "Choose one of this organization"],
      [{ organizationId: "999999" }, "Choose one of your organizations"],
    ] as [Fields, string][]) {
      const bad = await post("/admin/petitions/new", petitionFields({ slug: "never-saved", ...fields }), organizer.cookie);
      expect(bad.status, JSON.stringify(fields)).toBe(422);
      expect(decode(await bad.text())).toContain(message);
    }
    expect(await petitionRow("never-saved")).toBeUndefined();
  });

  it("stores a delivery interval in seconds and shows it back as a duration; empty means the site default", async () => {
    const res = await post("/admin/petitions/new", petitionFields({ slug: "quick-digests", deliveryInterval: "15m" }), organizer.cookie);
    expect(res.status).toBe(302);
    expect((await petitionRow("quick-digests"))!.delivery_interval_seconds).toBe(900);
    const edit = await app.get("/admin/petitions/quick-digests/edit", { Cookie: organizer.cookie });
    expect(await edit.text()).toMatch(/id="deliveryInterval"[^>]*value="15m"|value="15m"[^>]*id="deliveryInterval"/);
    const cleared = await post("/admin/petitions/quick-digests/edit", await currentFields("quick-digests", { deliveryInterval: "" }), organizer.cookie);
    expect(cleared.status).toBe(302);
    expect((await petitionRow("quick-digests"))!.delivery_interval_seconds).toBeNull();
  });

  it("renders a preview on the server, sanitized, beside the form, and saves nothing", async () => {
    const body = "Hello **world**\n\n<script>alert('owned')</script>\n\n[link](javascript:alert(1)) <img src=x onerror=alert(2)>";
    const res = await post("/admin/petitions/new", petitionFields({ intent: "preview", slug: "preview-only", bodyEn: body }), organizer.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    const aside = slice(html, "<aside", "</aside>");
    expect(aside).toContain("Preview (not saved)");
    expect(aside).toContain("Hello <strong>world</strong>");
    expect(aside).toContain("<strong>concejo municipal</strong>");
    expect(aside).not.toContain("<script");
    expect(aside).not.toContain("alert(");
    expect(aside).not.toContain("onerror");
    expect(aside).not.toContain("javascript:");
    expect(html).not.toContain("<script>alert");
    // The typed text is still in the form, escaped.
    expect(html).toContain("&lt;script&gt;alert(");
    expect(await petitionRow("preview-only")).toBeUndefined();

    // Preview of an existing petition changes nothing either.
    const edit = await post(
      "/admin/petitions/protect-our-neighbors/edit",
      await currentFields("protect-our-neighbors", { intent: "preview", titleEn: "Changed In Preview" }),
      organizer.cookie,
    );
    expect(edit.status).toBe(200);
    expect(await edit.text()).toContain("Changed In Preview");
    const title = await database.db
      .selectFrom("petition_translations as t")
      .innerJoin("petitions as p", "p.id", "t.petition_id")
      .select("t.title")
      .where("p.slug", "=", "protect-our-neighbors")
      .where("t.locale", "=", "en")
      .executeTakeFirstOrThrow();
    expect(title.title).toBe("Protect Our Neighbors");
  });

  it("moves status only along draft → open → closed → archived (and closed → open), never back to draft", async () => {
    const slug = "status-walk";
    expect((await post("/admin/petitions/new", petitionFields({ slug, status: "open" }), organizer.cookie)).status).toBe(302);

    const toDraft = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "draft" }), organizer.cookie);
    expect(toDraft.status).toBe(422);
    expect(await toDraft.text()).toContain("This petition is open: it can only become closed");
    expect((await petitionRow(slug))!.status).toBe("open");
    // Nor may the address change once opened, whatever is posted.
    const renamed = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { slug: "renamed-walk" }), organizer.cookie);
    expect(renamed.status).toBe(302);
    expect(renamed.headers.get("location")).toBe(`/admin/petitions/${slug}/edit?saved=1`);
    expect(await petitionRow("renamed-walk")).toBeUndefined();

    const open = await app.get(`/admin/petitions/${slug}/edit`, { Cookie: organizer.cookie });
    const openHtml = await open.text();
    expect(openHtml).toMatch(/<option value="closed"/);
    expect(openHtml).not.toMatch(/<option value="draft"/);
    expect(openHtml).not.toMatch(/<option value="archived"/);

    expect((await post(`/petitions/${slug}`, signerFields(), "")).status).toBe(302);

    const closed = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "closed" }), organizer.cookie);
    expect(closed.status).toBe(302);
    const closedRow = (await petitionRow(slug))!;
    expect(closedRow.status).toBe("closed");
    expect(closedRow.closed_at).not.toBeNull();
    const page = await app.get(`/petitions/${slug}`);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).toContain("This petition is closed");
    expect(pageHtml).toContain("It closed with");
    expect(pageHtml).not.toContain('name="firstName"');
    const sign = await post(`/petitions/${slug}`, signerFields(), "");
    expect(sign.status).toBe(409);

    const reopened = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "open" }), organizer.cookie);
    expect(reopened.status).toBe(302);
    const reopenedRow = (await petitionRow(slug))!;
    expect(reopenedRow).toMatchObject({ status: "open", closed_at: null });
    expect(reopenedRow.opened_at).toEqual(closedRow.opened_at);

    await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "closed" }), organizer.cookie);
    const archived = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "archived" }), organizer.cookie);
    expect(archived.status).toBe(302);
    expect((await app.get(`/petitions/${slug}`)).status).toBe(404);
    const stuck = await post(`/admin/petitions/${slug}/edit`, await currentFields(slug, { status: "open" }), organizer.cookie);
    expect(stuck.status).toBe(422);
    expect(await stuck.text()).toContain("its status can no longer change");

    const statuses = await database.db.selectFrom("audit_log").select("details").where("action", "=", "petition.status").where("subject", "=", slug).orderBy("id").execute();
    expect(statuses.map((s) => (s.details as { to: string }).to)).toEqual(["closed", "open", "closed", "archived"]);
  });

  it("lets a draft's address change while it is a draft, and refuses a taken one", async () => {
    expect((await post("/admin/petitions/new", petitionFields({ slug: "draft-name" }), organizer.cookie)).status).toBe(302);
    const taken = await post("/admin/petitions/draft-name/edit", await currentFields("draft-name", { slug: "protect-our-neighbors" }), organizer.cookie);
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain("already used by another petition");
    const renamed = await post("/admin/petitions/draft-name/edit", await currentFields("draft-name", { slug: "better-name" }), organizer.cookie);
    expect(renamed.status).toBe(302);
    expect(renamed.headers.get("location")).toBe("/admin/petitions/better-name/edit?saved=1");
    expect(await petitionRow("draft-name")).toBeUndefined();
    expect(await petitionRow("better-name")).toBeDefined();
  });

  it("names fixed officials, shows them on the public page, and switches back to local officials cleanly", async () => {
    const targets = await database.db.selectFrom("targets").select(["id", "name"]).where("active", "=", true).orderBy("id").limit(2).execute();
    const res = await post(
      "/admin/petitions/new",
      petitionFields({ slug: "fixed-officials", status: "open", targetRule: "fixed", targetLevels: [], targetIds: targets.map((t) => String(t.id)) }),
      organizer.cookie,
    );
    expect(res.status).toBe(302);
    const row = (await petitionRow("fixed-officials"))!;
    expect(row.target_rule).toBe("fixed");
    const linked = await database.db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", row.id).orderBy("target_id").execute();
    expect(linked.map((l) => l.target_id)).toEqual(targets.map((t) => t.id));
    const page = decode(await (await app.get("/petitions/fixed-officials")).text());
    for (const target of targets) expect(page).toContain(target.name);

    const edit = await app.get("/admin/petitions/fixed-officials/edit", { Cookie: organizer.cookie });
    expect(checkedValues(await edit.text(), "targetIds").sort()).toEqual(targets.map((t) => String(t.id)).sort());

    // An official of another organization cannot be attached by forging the form.
    const other = await createOrganizerAccount(database.db, { email: "someone@other.org", organizationSlug: "other-org", role: "owner" });
    const foreign = await database.db
      .insertInto("targets")
      .values({ organization_id: other.organizationId, name: "Foreign Official", office: "Mayor", level: "city", jurisdiction: "Elsewhere", state: "ZZ", email: "mayor@example.org" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const forged = await post("/admin/petitions/fixed-officials/edit", await currentFields("fixed-officials", { targetIds: [String(foreign.id)] }), organizer.cookie);
    expect(forged.status).toBe(422);
    expect(await forged.text()).toContain("Choose officials from the list");

    const local = await post(
      "/admin/petitions/fixed-officials/edit",
      await currentFields("fixed-officials", { targetRule: "local", targetLevels: ["county"] }),
      organizer.cookie,
    );
    expect(local.status).toBe(302);
    expect(await petitionRow("fixed-officials")).toMatchObject({ target_rule: "local", target_levels: ["county"] });
    expect(await database.db.selectFrom("petition_targets").select("target_id").where("petition_id", "=", row.id).execute()).toEqual([]);
  });

  it("lets an organizer of several organizations choose the owner, offering only those where they may write", async () => {
    const { cookie } = await signedInOrganizer(app, { email: "multi@example.org", org: "sanctuary", role: "organizer" });
    const second = await createOrganizerAccount(database.db, { email: "multi@example.org", organizationSlug: "second-org", role: "owner" });
    const readOnly = await createOrganizerAccount(database.db, { email: "multi@example.org", organizationSlug: "read-only-org", role: "viewer" });
    const html = await (await app.get("/admin/petitions/new", { Cookie: cookie })).text();
    const select = slice(html, '<select id="organizationId"', "</select>");
    expect(select).toContain(`<option value="${second.organizationId}">`);
    expect(select).toContain(`<option value="${organizer.organizationId}">`);
    expect(select).not.toContain(`<option value="${readOnly.organizationId}">`);

    const missing = await post("/admin/petitions/new", petitionFields({ slug: "second-org-petition", organizationId: "" }), cookie);
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("Choose an organization");
    const viewerOrg = await post("/admin/petitions/new", petitionFields({ slug: "second-org-petition", organizationId: String(readOnly.organizationId) }), cookie);
    expect(viewerOrg.status).toBe(422);
    // A campaign of the host organization cannot go with a petition of the second.
    const hostCampaign = await database.db.selectFrom("campaigns").select("id").where("organization_id", "=", organizer.organizationId).executeTakeFirstOrThrow();
    const mixed = await post(
      "/admin/petitions/new",
      petitionFields({ slug: "second-org-petition", organizationId: String(second.organizationId), campaignId: String(hostCampaign.id) }),
      cookie,
    );
    expect(mixed.status).toBe(422);
    expect(await mixed.text()).toContain("Choose one of this organization");

    const ok = await post("/admin/petitions/new", petitionFields({ slug: "second-org-petition", organizationId: String(second.organizationId) }), cookie);
    expect(ok.status).toBe(302);
    expect((await petitionRow("second-org-petition"))!.organization_id).toBe(second.organizationId);
  });

  it("hides another organization's petition (404), tells a viewer their role does not allow it (403), and refuses cross-site posts", async () => {
    const stranger = await signedInOrganizer(app, { email: "stranger@example.org", org: "stranger-org", role: "owner" });
    expect((await app.get(`/admin/petitions/${SEEDED_PETITION}/edit`, { Cookie: stranger.cookie })).status).toBe(404);
    const strangerPost = await post(`/admin/petitions/${SEEDED_PETITION}/edit`, await currentFields(SEEDED_PETITION, { goal: "1" }), stranger.cookie);
    expect(strangerPost.status).toBe(404);
    expect((await app.get("/admin/petitions/no-such-petition/edit", { Cookie: organizer.cookie })).status).toBe(404);

    const viewer = await signedInOrganizer(app, { email: "viewer@example.org", role: "viewer" });
    const viewerGet = await app.get(`/admin/petitions/${SEEDED_PETITION}/edit`, { Cookie: viewer.cookie });
    expect(viewerGet.status).toBe(403);
    expect(await viewerGet.text()).toContain("Your role does not allow this");
    expect((await post(`/admin/petitions/${SEEDED_PETITION}/edit`, await currentFields(SEEDED_PETITION, { goal: "1" }), viewer.cookie)).status).toBe(403);
    expect((await app.get("/admin/petitions/new", { Cookie: viewer.cookie })).status).toBe(403);
    expect((await post("/admin/petitions/new", petitionFields({ slug: "viewer-made" }), viewer.cookie)).status).toBe(403);
    const home = await (await app.get("/admin", { Cookie: viewer.cookie })).text();
    expect(home).not.toContain(`/admin/petitions/${SEEDED_PETITION}/edit`);
    expect(home).not.toContain('href="/admin/petitions/new"');

    const crossSite = await post(`/admin/petitions/${SEEDED_PETITION}/edit`, await currentFields(SEEDED_PETITION, { goal: "1" }), organizer.cookie, {
      Origin: "https://evil.example",
    });
    expect(crossSite.status).toBe(403);
    expect((await post("/admin/petitions/new", petitionFields({ slug: "cross-site" }), organizer.cookie, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await petitionRow(SEEDED_PETITION))!.goal).not.toBe(1);
    expect(await petitionRow("viewer-made")).toBeUndefined();
    expect(await petitionRow("cross-site")).toBeUndefined();

    expect((await app.get("/admin/petitions/new")).status).toBe(302);
    expect((await app.get(`/admin/petitions/${SEEDED_PETITION}/edit`)).status).toBe(302);
  });

  it("links each petition the organizer may change to its editor from the workspace home", async () => {
    const html = await (await app.get("/admin", { Cookie: organizer.cookie })).text();
    expect(html).toContain(`href="/admin/petitions/${SEEDED_PETITION}/edit"`);
    expect(html).toContain('href="/admin/petitions/new"');
    expect(html).toContain('href="/admin/campaigns"');
  });
});

function campaignFields(overrides: Fields = {}): Fields {
  return {
    intent: "save",
    organizationId: String(organizer.organizationId),
    slug: "know-your-rights",
    titleEn: "Know Your Rights",
    summaryEn: "What to do when ICE knocks.",
    bodyEn: "Do **not** open the door.",
    titleEs: "Conozca sus derechos",
    summaryEs: "Qué hacer si ICE toca la puerta.",
    bodyEs: "**No** abra la puerta.",
    status: "active",
    ...overrides,
  };
}

describe("campaign editor", () => {
  it("lists, creates, previews and edits campaigns; public pages follow at once", async () => {
    const list = await app.get("/admin/campaigns", { Cookie: organizer.cookie });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("/admin/campaigns/sanctuary-campus-movement/edit");

    const preview = await post("/admin/campaigns/new", campaignFields({ intent: "preview", bodyEn: "Safe <script>alert(1)</script> **text**" }), organizer.cookie);
    expect(preview.status).toBe(200);
    const previewHtml = await preview.text();
    expect(previewHtml).toContain("<strong>text</strong>");
    expect(previewHtml).not.toContain("<script>alert");
    expect(await database.db.selectFrom("campaigns").select("id").where("slug", "=", "know-your-rights").executeTakeFirst()).toBeUndefined();

    const taken = await post("/admin/campaigns/new", campaignFields({ slug: "sanctuary-campus-movement", titleEn: "Typed Campaign" }), organizer.cookie);
    expect(taken.status).toBe(422);
    const takenHtml = await taken.text();
    expect(takenHtml).toContain("already used by another campaign");
    expect(takenHtml).toMatch(/aria-describedby="slug-hint slug-error"/);
    expect(takenHtml).toContain('value="Typed Campaign"');

    const created = await post("/admin/campaigns/new", campaignFields(), organizer.cookie);
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/admin/campaigns/know-your-rights/edit?saved=created");
    expect(await (await app.get("/campaigns/know-your-rights?lang=es")).text()).toContain("Conozca sus derechos");

    // A petition may now join it.
    const campaign = await database.db.selectFrom("campaigns").select("id").where("slug", "=", "know-your-rights").executeTakeFirstOrThrow();
    const petition = await post("/admin/petitions/new", petitionFields({ slug: "in-a-campaign", status: "open", campaignId: String(campaign.id) }), organizer.cookie);
    expect(petition.status).toBe(302);
    expect(await (await app.get("/campaigns/know-your-rights")).text()).toContain("/petitions/in-a-campaign");

    const edited = await post("/admin/campaigns/know-your-rights/edit", campaignFields({ titleEn: "Know Your Rights Now", organizationId: "" }), organizer.cookie);
    expect(edited.status).toBe(302);
    expect(await (await app.get("/campaigns/know-your-rights?lang=en")).text()).toContain("Know Your Rights Now");

    const archived = await post("/admin/campaigns/know-your-rights/edit", campaignFields({ status: "archived" }), organizer.cookie);
    expect(archived.status).toBe(302);
    expect((await app.get("/campaigns/know-your-rights")).status).toBe(404);
    const actions = await database.db.selectFrom("audit_log").select("action").where("subject", "=", "know-your-rights").orderBy("id").execute();
    expect(actions.map((a) => a.action)).toEqual(["campaign.create", "campaign.update", "campaign.update", "campaign.status"]);
  });

  it("keeps the home page's campaign active", async () => {
    const home = await database.db.selectFrom("campaigns").select("slug").where("is_home", "=", true).executeTakeFirstOrThrow();
    const page = await (await app.get(`/admin/campaigns/${home.slug}/edit`, { Cookie: organizer.cookie })).text();
    expect(page).not.toContain('<option value="archived"');
    const res = await post(`/admin/campaigns/${home.slug}/edit`, campaignFields({ slug: home.slug, status: "archived" }), organizer.cookie);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("stays active");
  });

  it("hides another organization's campaign (404) and refuses a viewer (403)", async () => {
    const stranger = await signedInOrganizer(app, { email: "campaign-stranger@example.org", org: "campaign-stranger-org", role: "owner" });
    expect((await app.get("/admin/campaigns/sanctuary-campus-movement/edit", { Cookie: stranger.cookie })).status).toBe(404);
    expect(await (await app.get("/admin/campaigns", { Cookie: stranger.cookie })).text()).not.toContain("sanctuary-campus-movement");
    const viewer = await signedInOrganizer(app, { email: "campaign-viewer@example.org", role: "viewer" });
    const res = await app.get("/admin/campaigns/sanctuary-campus-movement/edit", { Cookie: viewer.cookie });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Your role does not allow this");
    expect((await app.get("/admin/campaigns/new", { Cookie: viewer.cookie })).status).toBe(403);
    expect((await post("/admin/campaigns/sanctuary-campus-movement/edit", campaignFields({ slug: "sanctuary-campus-movement" }), viewer.cookie)).status).toBe(403);
  });
});
