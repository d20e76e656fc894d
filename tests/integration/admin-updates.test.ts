import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkMilestones } from "../../app/models/milestones.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

// Organizers writing campaign updates: preview, send now, schedule, cancel;
// the list with its send numbers; who may do what; and the petition editor's
// milestone switch. Jobs do not run in this app, so each fan-out stays in the
// outbox where the test can look at it.

const CAMPAIGN = "sanctuary-campus-movement";
const UPDATES = `/admin/campaigns/${CAMPAIGN}/updates`;

let database: TestDatabase;
let app: TestApp;
let organizer: { cookie: string; organizerId: number; organizationId: number };
let viewer: { cookie: string };
let stranger: { cookie: string };
let campaignId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url }, { runJobsInProcess: false });
  organizer = await signedInOrganizer(app, { email: "writer@updates.example" });
  viewer = await signedInOrganizer(app, { email: "viewer@updates.example", role: "viewer" });
  stranger = await signedInOrganizer(app, { email: "organizer@elsewhere.example", org: "elsewhere", role: "organizer" });
  campaignId = (await database.db.selectFrom("campaigns").select("id").where("slug", "=", CAMPAIGN).executeTakeFirstOrThrow()).id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

type Fields = Record<string, string | string[]>;

function post(pathname: string, fields: Fields, cookie: string): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return fetch(app.url + pathname, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    body: body.toString(),
  });
}

function decode(html: string): string {
  return html.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** "2026-12-01T09:00", the datetime-local form of an instant in UTC. */
function localUtc(date: Date): string {
  return date.toISOString().slice(0, 16);
}

/** Everything an update form could write: updates, their text, outbox rows and audit entries. */
async function stored() {
  const count = async (table: "campaign_updates" | "campaign_update_translations" | "outbox" | "audit_log") =>
    Number((await database.db.selectFrom(table).select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow()).n);
  return {
    updates: await count("campaign_updates"),
    translations: await count("campaign_update_translations"),
    outbox: await count("outbox"),
    audit: await count("audit_log"),
  };
}

async function fanoutOf(updateId: number) {
  const rows = await database.db.selectFrom("outbox").selectAll().where("kind", "=", "update.fanout").execute();
  return rows.filter((row) => (row.payload as { updateId?: unknown }).updateId === updateId);
}

/** The update id a successful POST redirected to (…/updates?published=ID or ?scheduled=ID). */
function redirectedId(res: Response, notice: "published" | "scheduled"): number {
  expect(res.status).toBe(302);
  const location = res.headers.get("location") ?? "";
  const match = new RegExp(`^${UPDATES}\\?${notice}=(\\d+)$`).exec(location);
  expect(match, location).not.toBeNull();
  return Number(match![1]);
}

function rowOf(html: string, updateId: number): string {
  const start = html.indexOf(`data-update="${updateId}"`);
  expect(start, `update ${updateId} in the list`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf("</tr>", start));
}

describe("writing an update", () => {
  it("shows the form with a UTC schedule field", async () => {
    const res = await app.get(`${UPDATES}/new`, { Cookie: organizer.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const name of ["title", "body", "titleEs", "bodyEs", "sendAt"]) expect(html).toContain(`name="${name}"`);
    expect(html).toContain('type="datetime-local"');
    expect(html).toContain("Date and time (UTC)");
    expect(html).toContain('name="intent" value="preview"');
  });

  it("previews the Markdown rendered and sanitized, beside the form, and stores nothing", async () => {
    const before = await stored();
    const res = await post(
      `${UPDATES}/new`,
      {
        intent: "preview",
        title: "Rally on Friday",
        body: "Meet us at **city hall**.\n\n<script>alert('owned')</script>\n\n[RSVP](javascript:alert(1))",
        titleEs: "Manifestación el viernes",
        bodyEs: "Nos vemos en *la alcaldía*.",
        when: "now",
      },
      organizer.cookie,
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    const aside = html.slice(html.indexOf('<aside class="editor-preview"'), html.indexOf("</aside>"));
    expect(aside).toContain("Preview (not saved)");
    expect(aside).toContain("<strong>city hall</strong>");
    expect(aside).toContain("<em>la alcaldía</em>");
    expect(aside).not.toMatch(/<script|javascript:|alert/);
    // The typed text comes back into the form, escaped.
    expect(html).not.toContain("<script>alert('owned')</script>");
    expect(decode(html)).toContain("<script>alert('owned')</script>");
    expect(await stored()).toEqual(before);
  });

  it("sends now: an active update published now, with one fan-out in the outbox, audit-logged with ids only", async () => {
    const res = await post(`${UPDATES}/new`, { intent: "save", title: "We won a hearing", body: "The council **listens**.", when: "now" }, organizer.cookie);
    const id = redirectedId(res, "published");
    const update = await database.db.selectFrom("campaign_updates").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(update).toMatchObject({ campaign_id: campaignId, kind: "post", status: "active", created_by: organizer.organizerId, petition_id: null });
    expect(Math.abs(update.publish_at.getTime() - Date.now())).toBeLessThan(30_000);
    const text = await database.db.selectFrom("campaign_update_translations").selectAll().where("update_id", "=", id).execute();
    expect(text).toEqual([{ update_id: id, locale: "en", title: "We won a hearing", body: "The council **listens**." }]);
    const fanouts = await fanoutOf(id);
    expect(fanouts).toHaveLength(1);
    expect(fanouts[0].status).toBe("pending");
    expect(fanouts[0].run_after.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);

    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "campaign_update.create").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ organizer_id: organizer.organizerId, organization_id: organizer.organizationId, subject: CAMPAIGN });
    expect(audit.details).toEqual({ campaignId, updateId: id, scheduled: false, languages: 1 });

    const list = await (await app.get(`${UPDATES}?published=${id}`, { Cookie: organizer.cookie })).text();
    expect(list).toContain("Update published.");
    const row = rowOf(list, id);
    expect(row).toContain("We won a hearing");
    expect(row).toContain('data-state="sending"');
    expect(row).not.toContain("Cancel");
  });

  it("schedules: the fan-out is due at the chosen time (datetime-local read as UTC, or ISO with an offset)", async () => {
    const at = new Date(Date.now() + 3 * 3_600_000);
    at.setUTCSeconds(0, 0);
    const local = await post(
      `${UPDATES}/new`,
      { intent: "save", title: "Town hall next week", body: "Details soon.", titleEs: "Asamblea la próxima semana", bodyEs: "Detalles pronto.", when: "later", sendAt: localUtc(at) },
      organizer.cookie,
    );
    const localId = redirectedId(local, "scheduled");
    expect((await database.db.selectFrom("campaign_updates").select("publish_at").where("id", "=", localId).executeTakeFirstOrThrow()).publish_at.toISOString()).toBe(at.toISOString());
    const [fanout] = await fanoutOf(localId);
    expect(fanout.run_after.toISOString()).toBe(at.toISOString());
    const locales = await database.db.selectFrom("campaign_update_translations").select("locale").where("update_id", "=", localId).orderBy("locale").execute();
    expect(locales.map((l) => l.locale)).toEqual(["en", "es"]);

    // 14:00 at UTC+02:00 is 12:00 UTC.
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const offset = await post(`${UPDATES}/new`, { intent: "save", title: "With an offset", body: "Text.", sendAt: `${day}T14:00:00+02:00` }, organizer.cookie);
    const offsetId = redirectedId(offset, "scheduled");
    expect((await fanoutOf(offsetId))[0].run_after.toISOString()).toBe(`${day}T12:00:00.000Z`);

    const list = await (await app.get(UPDATES, { Cookie: organizer.cookie })).text();
    const row = rowOf(list, localId);
    expect(row).toContain('data-state="scheduled"');
    expect(row).toContain("Scheduled");
    expect(row).toContain("(English and Spanish)");
    expect(row).toContain("Cancel");
  });

  it("refuses a time in the past, beyond a year, or not a time: 422, the typed values kept, nothing stored", async () => {
    const before = await stored();
    for (const [sendAt, message] of [
      [localUtc(new Date(Date.now() - 60_000)), "That time has passed"],
      [localUtc(new Date(Date.now() + 400 * 86_400_000)), "Choose a time within the next year"],
      ["2027-02-30T10:00", "Enter a date and time like"],
      ["next friday", "Enter a date and time like"],
      ["", "Enter the date and time to send it"],
    ]) {
      const res = await post(`${UPDATES}/new`, { intent: "save", title: "Kept title Ñandú", body: "Kept body", when: "later", sendAt }, organizer.cookie);
      expect(res.status, sendAt).toBe(422);
      const html = decode(await res.text());
      expect(html, sendAt).toContain(message);
      expect(html).toContain('id="sendAt-error"');
      expect(html).toContain('value="Kept title Ñandú"');
      expect(html).toContain("Kept body");
    }
    expect(await stored()).toEqual(before);
  });

  it("answers bad text with 422 and a message per field, keeping what was typed, storing nothing", async () => {
    const before = await stored();
    const res = await post(
      `${UPDATES}/new`,
      { intent: "save", title: "", body: "x".repeat(20_001), titleEs: "Solo el título", bodyEs: "", when: "now" },
      organizer.cookie,
    );
    expect(res.status).toBe(422);
    const html = decode(await res.text());
    expect(html).toContain("Enter a title");
    expect(html).toContain("The text must be 20,000 characters or fewer");
    expect(html).toContain("Write the Spanish text");
    for (const name of ["title", "body", "bodyEs"]) expect(html).toContain(`id="${name}-error"`);
    expect(html).toContain('value="Solo el título"');
    expect(html).toContain('class="error-summary"');
    const long = await post(`${UPDATES}/new`, { intent: "save", title: "t".repeat(201), body: "ok" }, organizer.cookie);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("The title must be 200 characters or fewer");
    expect(await stored()).toEqual(before);
  });
});

describe("the list of updates", () => {
  it("shows each update's numbers from its send records, and the campaign's confirmed followers", async () => {
    const res = await post(`${UPDATES}/new`, { intent: "save", title: "Numbers update", body: "Text." }, organizer.cookie);
    const id = redirectedId(res, "published");
    // Four followers (three confirmed, one pending) and the fan-out's records as it would leave them mid-way.
    const subscribers = await database.db
      .insertInto("subscribers")
      .values(
        Array.from({ length: 4 }, () => {
          const email = `follower-${randomBytes(5).toString("hex")}@example.com`;
          return { email, email_normalized: email };
        }),
      )
      .returning("id")
      .execute();
    await database.db
      .insertInto("follows")
      .values(subscribers.map((s, i) => ({ subscriber_id: s.id, campaign_id: campaignId, status: i < 3 ? ("confirmed" as const) : ("pending" as const) })))
      .execute();
    await database.db
      .insertInto("update_sends")
      .values([
        { update_id: id, subscriber_id: subscribers[0].id, batch: 1, status: "sent", sent_at: new Date() },
        { update_id: id, subscriber_id: subscribers[1].id, batch: 1, status: "failed", error: "550" },
        { update_id: id, subscriber_id: subscribers[2].id, batch: 1, status: "pending" },
      ])
      .execute();
    const html = await (await app.get(UPDATES, { Cookie: organizer.cookie })).text();
    expect(html).toContain('data-followers="3"');
    const cells = [...rowOf(html, id).matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    // Recipients, sent, failed, pending.
    expect(cells.slice(-5, -1)).toEqual(["3", "1", "1", "1"]);
    expect(rowOf(html, id)).toContain('data-state="sending"');

    // Once the fan-out is done and nothing is pending, the update is sent.
    await database.db.updateTable("update_sends").set({ status: "sent", sent_at: new Date() }).where("update_id", "=", id).where("status", "=", "pending").execute();
    await database.db.updateTable("campaign_updates").set({ fanout_done_at: new Date() }).where("id", "=", id).execute();
    const after = await (await app.get(UPDATES, { Cookie: organizer.cookie })).text();
    expect(rowOf(after, id)).toContain('data-state="sent"');
  });

  it("cancels a scheduled update: status cancelled, its fan-out marked done, never to run", async () => {
    const at = new Date(Date.now() + 86_400_000);
    const id = redirectedId(await post(`${UPDATES}/new`, { intent: "save", title: "To be withdrawn", body: "Oops.", when: "later", sendAt: localUtc(at) }, organizer.cookie), "scheduled");
    const res = await post(UPDATES, { intent: "cancel", updateId: String(id) }, organizer.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${UPDATES}?cancelled=${id}`);
    expect((await database.db.selectFrom("campaign_updates").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status).toBe("cancelled");
    const [fanout] = await fanoutOf(id);
    expect(fanout.status).toBe("done");
    expect(fanout.done_at).not.toBeNull();
    const audit = await database.db.selectFrom("audit_log").select("details").where("action", "=", "campaign_update.cancel").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ campaignId, updateId: id, outboxRows: 1 });

    const html = await (await app.get(`${UPDATES}?cancelled=${id}`, { Cookie: organizer.cookie })).text();
    expect(html).toContain("Update cancelled.");
    expect(rowOf(html, id)).toContain('data-state="cancelled"');
    expect(rowOf(html, id)).not.toContain("Cancel “");

    // Twice is refused, and so is an update already published.
    const before = await stored();
    expect((await post(UPDATES, { intent: "cancel", updateId: String(id) }, organizer.cookie)).status).toBe(409);
    const published = redirectedId(await post(`${UPDATES}/new`, { intent: "save", title: "Already out", body: "Text." }, organizer.cookie), "published");
    const afterPublish = await stored();
    expect((await post(UPDATES, { intent: "cancel", updateId: String(published) }, organizer.cookie)).status).toBe(409);
    expect((await database.db.selectFrom("campaign_updates").select("status").where("id", "=", published).executeTakeFirstOrThrow()).status).toBe("active");
    expect((await fanoutOf(published))[0].status).toBe("pending");
    expect(afterPublish.updates).toBe(before.updates + 1);
    expect(await stored()).toEqual(afterPublish);
    // Through another campaign's address, the update does not exist; a made-up id neither.
    const home = "/admin/campaigns/sanctuary-cities-and-counties/updates";
    const scheduled = redirectedId(await post(`${UPDATES}/new`, { intent: "save", title: "Stays", body: "Text.", sendAt: localUtc(at) }, organizer.cookie), "scheduled");
    expect((await post(home, { intent: "cancel", updateId: String(scheduled) }, organizer.cookie)).status).toBe(404);
    expect((await post(UPDATES, { intent: "cancel", updateId: "999999" }, organizer.cookie)).status).toBe(404);
    expect((await post(UPDATES, { intent: "cancel", updateId: "nope" }, organizer.cookie)).status).toBe(400);
    expect((await database.db.selectFrom("campaign_updates").select("status").where("id", "=", scheduled).executeTakeFirstOrThrow()).status).toBe("active");
  });
});

describe("who may do what", () => {
  it("lets a viewer read the list, without cancel buttons, but not write or cancel (403, nothing stored)", async () => {
    const at = new Date(Date.now() + 86_400_000);
    const scheduled = redirectedId(await post(`${UPDATES}/new`, { intent: "save", title: "Viewer sees this", body: "Text.", sendAt: localUtc(at) }, organizer.cookie), "scheduled");
    const list = await app.get(UPDATES, { Cookie: viewer.cookie });
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(rowOf(html, scheduled)).toContain("Viewer sees this");
    expect(html).not.toContain('name="intent" value="cancel"');
    expect(html).not.toContain(`${UPDATES}/new`);

    const before = await stored();
    expect((await app.get(`${UPDATES}/new`, { Cookie: viewer.cookie })).status).toBe(403);
    expect((await post(`${UPDATES}/new`, { intent: "save", title: "Viewer post", body: "Text." }, viewer.cookie)).status).toBe(403);
    expect((await post(`${UPDATES}/new`, { intent: "preview", title: "Viewer preview", body: "Text." }, viewer.cookie)).status).toBe(403);
    expect((await post(UPDATES, { intent: "cancel", updateId: String(scheduled) }, viewer.cookie)).status).toBe(403);
    expect(await stored()).toEqual(before);
    expect((await database.db.selectFrom("campaign_updates").select("status").where("id", "=", scheduled).executeTakeFirstOrThrow()).status).toBe("active");
  });

  it("answers 404 to an organizer of another organization, and sends the signed-out to the login page", async () => {
    const at = new Date(Date.now() + 86_400_000);
    const scheduled = redirectedId(await post(`${UPDATES}/new`, { intent: "save", title: "Not theirs", body: "Text.", sendAt: localUtc(at) }, organizer.cookie), "scheduled");
    const before = await stored();
    expect((await app.get(UPDATES, { Cookie: stranger.cookie })).status).toBe(404);
    expect((await app.get(`${UPDATES}/new`, { Cookie: stranger.cookie })).status).toBe(404);
    expect((await post(`${UPDATES}/new`, { intent: "save", title: "Stranger post", body: "Text." }, stranger.cookie)).status).toBe(404);
    expect((await post(UPDATES, { intent: "cancel", updateId: String(scheduled) }, stranger.cookie)).status).toBe(404);
    const anonymous = await app.get(UPDATES);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe(`/admin/login?next=${encodeURIComponent(UPDATES)}`);
    expect(await stored()).toEqual(before);
  });

  it("links to the updates from the campaign list and the campaign editor", async () => {
    const list = await (await app.get("/admin/campaigns", { Cookie: viewer.cookie })).text();
    expect(list).toContain(`href="${UPDATES}"`);
    const edit = await (await app.get(`/admin/campaigns/${CAMPAIGN}/edit`, { Cookie: organizer.cookie })).text();
    expect(edit).toContain(`href="${UPDATES}"`);
  });
});

describe("milestone updates", () => {
  it("are off until the organizer ticks the switch in the petition editor; then reaching a milestone shows in the list", async () => {
    const petition = await database.db.selectFrom("petitions").selectAll().where("slug", "=", SEEDED_PETITION).executeTakeFirstOrThrow();
    expect(petition.milestone_updates).toBe(false);
    const editPath = `/admin/petitions/${SEEDED_PETITION}/edit`;
    let form = await (await app.get(editPath, { Cookie: organizer.cookie })).text();
    expect(form).toContain("Email campaign followers at 25/50/75/100 % of the goal");
    const checkbox = () => /<input [^>]*id="milestoneUpdates"[^>]*>/.exec(form)?.[0] ?? "";
    expect(checkbox()).toContain('type="checkbox"');
    expect(checkbox()).not.toContain("checked");

    // Saved into the petition's own campaign with a small goal, so a few signatures reach a milestone.
    const text = await database.db.selectFrom("petition_translations").selectAll().where("petition_id", "=", petition.id).execute();
    const en = text.find((t) => t.locale === "en")!;
    const es = text.find((t) => t.locale === "es");
    const fields: Fields = {
      intent: "save",
      titleEn: en.title,
      summaryEn: en.summary,
      bodyEn: en.body,
      titleEs: es?.title ?? "",
      summaryEs: es?.summary ?? "",
      bodyEs: es?.body ?? "",
      goal: "8",
      status: petition.status,
      campaignId: String(campaignId),
      targetRule: petition.target_rule,
      targetLevels: petition.target_levels,
      deliveryInterval: "",
    };
    expect((await post(editPath, { ...fields, milestoneUpdates: "1" }, organizer.cookie)).status).toBe(302);
    expect((await database.db.selectFrom("petitions").select("milestone_updates").where("id", "=", petition.id).executeTakeFirstOrThrow()).milestone_updates).toBe(true);
    form = await (await app.get(editPath, { Cookie: organizer.cookie })).text();
    expect(checkbox()).toContain('checked=""');

    await database.db
      .insertInto("signatures")
      .values(
        Array.from({ length: 4 }, () => {
          const email = `milestone-${randomBytes(5).toString("hex")}@example.com`;
          return { petition_id: petition.id, first_name: "Ana", last_name: "López", email, email_normalized: email, postal_code: "94110", zip5: "94110", locale: "en" as const, status: "confirmed" as const, confirmed_at: new Date() };
        }),
      )
      .execute();
    await checkMilestones(database.db, { appUrl: app.url });
    const html = decode(await (await app.get(UPDATES, { Cookie: organizer.cookie })).text());
    expect(html).toContain("Milestone: 50%");
    expect(html).toContain("Milestone: 25%");
    expect(html).toContain("Not sent (a higher milestone was reached at the same time)");
    expect(html).toMatch(/reached 50% of its goal: \d+ of 8 signatures/);

    // Unticking turns it off again (an unticked checkbox is not posted).
    expect((await post(editPath, fields, organizer.cookie)).status).toBe(302);
    expect((await database.db.selectFrom("petitions").select("milestone_updates").where("id", "=", petition.id).executeTakeFirstOrThrow()).milestone_updates).toBe(false);
  });
});
