import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { PASSWORD, signedInOrganizer } from "../support/organizers";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";

// Members: owners invite (the one-time link goes by email through the outbox), change roles and remove; never the last owner.

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let owner: { cookie: string; organizerId: number; organizationId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
  owner = await signedInOrganizer(app, { email: "owner@members.example", org: "members-org", role: "owner" });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

const MEMBERS = "/admin/members?org=members-org";

function setPasswordLink(mail: CapturedMail): string {
  const match = /https?:\/\/\S+\/admin\/set-password\/[\w-]+/.exec(mail.text);
  if (!match) throw new Error("no set-password link in the email");
  return match[0];
}

async function roleOf(email: string): Promise<string | undefined> {
  const row = await database.db
    .selectFrom("memberships as m")
    .innerJoin("organizers as o", "o.id", "m.organizer_id")
    .select("m.role")
    .where("o.email", "=", email)
    .where("m.organization_id", "=", owner.organizationId)
    .executeTakeFirst();
  return row?.role;
}

async function idOf(email: string): Promise<number> {
  return (await database.db.selectFrom("organizers").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
}

describe("members", () => {
  it("invites someone by email; the link in the email lets them set a password and sign in with the role given", async () => {
    const page = await app.get(MEMBERS, { Cookie: owner.cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("owner@members.example");

    const invited = await app.post(MEMBERS, { intent: "invite", email: "New.Person@Members.example", role: "organizer" }, { Cookie: owner.cookie });
    expect(invited.status).toBe(302);
    expect(invited.headers.get("location")).toBe("/admin/members?org=members-org&done=invite");

    // The outbox row carries ids only.
    const outbox = await database.db.selectFrom("outbox").select(["kind", "payload"]).where("kind", "=", "organizer.invite").execute();
    expect(outbox).toHaveLength(1);
    expect(Object.keys(outbox[0].payload).sort()).toEqual(["organizationId", "organizerId"]);
    expect(JSON.stringify(outbox[0].payload)).not.toContain("@");

    const [mail] = await smtp.waitFor((m) => m.to === "new.person@members.example");
    expect(mail.subject).toContain("members-org");
    const link = setPasswordLink(mail);
    expect(link.startsWith(app.url)).toBe(true);
    const path = new URL(link).pathname;
    expect((await app.get(path)).status).toBe(200);
    expect((await app.post(path, { password: PASSWORD, confirm: PASSWORD })).status).toBe(302);

    const login = await app.post("/admin/login", { email: "new.person@members.example", password: PASSWORD });
    expect(login.status).toBe(302);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const home = (await (await app.get("/admin", { Cookie: cookie })).text()).replaceAll("<!-- -->", "");
    expect(home).toContain("members-org (organizer)");
    // An organizer does not manage members.
    expect((await app.get(MEMBERS, { Cookie: cookie })).status).toBe(403);

    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "member.invite").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ organizer_id: owner.organizerId, organization_id: owner.organizationId, subject: `organizer:${await idOf("new.person@members.example")}` });
    expect(audit[0].details).toEqual({ role: "organizer", newAccount: true });
  });

  it("refuses to invite someone twice or with a bad address, saying which field to fix", async () => {
    await app.post(MEMBERS, { intent: "invite", email: "twice@members.example", role: "viewer" }, { Cookie: owner.cookie });
    const again = await app.post(MEMBERS, { intent: "invite", email: "twice@members.example", role: "owner" }, { Cookie: owner.cookie });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already a member");
    expect(await roleOf("twice@members.example")).toBe("viewer");
    const bad = await app.post(MEMBERS, { intent: "invite", email: "not an email", role: "viewer" }, { Cookie: owner.cookie });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Enter a valid email address");
    const badRole = await app.post(MEMBERS, { intent: "invite", email: "role@members.example", role: "admin" }, { Cookie: owner.cookie });
    expect(badRole.status).toBe(422);
    expect(await badRole.text()).toContain("Choose a role");
  });

  it("changes roles and removes members, audit-logging each change; the last owner can be neither demoted nor removed", async () => {
    await app.post(MEMBERS, { intent: "invite", email: "second@members.example", role: "viewer" }, { Cookie: owner.cookie });
    const second = await idOf("second@members.example");

    const demoteSelf = await app.post(MEMBERS, { intent: "role", organizerId: String(owner.organizerId), role: "organizer" }, { Cookie: owner.cookie });
    expect(demoteSelf.status).toBe(409);
    expect(await demoteSelf.text()).toContain("only owner");
    const removeSelf = await app.post(MEMBERS, { intent: "remove", organizerId: String(owner.organizerId) }, { Cookie: owner.cookie });
    expect(removeSelf.status).toBe(409);
    expect(await roleOf("owner@members.example")).toBe("owner");

    expect((await app.post(MEMBERS, { intent: "role", organizerId: String(second), role: "owner" }, { Cookie: owner.cookie })).status).toBe(302);
    expect(await roleOf("second@members.example")).toBe("owner");
    // With a second owner, the first may step down, and then no longer manages members.
    const stepDown = await app.post(MEMBERS, { intent: "role", organizerId: String(owner.organizerId), role: "organizer" }, { Cookie: owner.cookie });
    expect(stepDown.status).toBe(302);
    expect(stepDown.headers.get("location")).toBe("/admin");
    expect((await app.get(MEMBERS, { Cookie: owner.cookie })).status).toBe(403);

    // Put things back as an admin (admins manage every organization), and remove the second owner.
    const admin = await signedInOrganizer(app, { email: "admin@members.example", role: "admin" });
    expect((await app.post(MEMBERS, { intent: "role", organizerId: String(owner.organizerId), role: "owner" }, { Cookie: admin.cookie })).status).toBe(302);
    expect((await app.post(MEMBERS, { intent: "remove", organizerId: String(second) }, { Cookie: admin.cookie })).status).toBe(302);
    expect(await roleOf("second@members.example")).toBeUndefined();

    const actions = await database.db.selectFrom("audit_log").select(["action", "subject", "details"]).where("action", "in", ["member.role", "member.remove"]).orderBy("id").execute();
    expect(actions).toEqual([
      { action: "member.role", subject: `organizer:${second}`, details: { from: "viewer", to: "owner" } },
      { action: "member.role", subject: `organizer:${owner.organizerId}`, details: { from: "owner", to: "organizer" } },
      { action: "member.role", subject: `organizer:${owner.organizerId}`, details: { from: "organizer", to: "owner" } },
      { action: "member.remove", subject: `organizer:${second}`, details: { role: "owner" } },
    ]);
    expect(JSON.stringify(await database.db.selectFrom("audit_log").select("details").execute())).not.toContain("@");
  });

  it("sends the invitation again to someone who has not set a password yet", async () => {
    await app.post(MEMBERS, { intent: "invite", email: "slow@members.example", role: "viewer" }, { Cookie: owner.cookie });
    await smtp.waitFor((m) => m.to === "slow@members.example");
    const again = await app.post(MEMBERS, { intent: "resend", organizerId: String(await idOf("slow@members.example")) }, { Cookie: owner.cookie });
    expect(again.status).toBe(302);
    const mails = await smtp.waitFor((m) => m.to === "slow@members.example", 2);
    expect(setPasswordLink(mails[0])).not.toBe(setPasswordLink(mails[1]));
  });

  it("is for owners: viewers and organizers get a 403, another organization's owner a 404, visitors the login page", async () => {
    const viewer = await signedInOrganizer(app, { email: "viewer@members.example", org: "members-org", role: "viewer" });
    const organizer = await signedInOrganizer(app, { email: "organizer@members.example", org: "members-org", role: "organizer" });
    for (const who of [viewer, organizer]) {
      expect((await app.get(MEMBERS, { Cookie: who.cookie })).status).toBe(403);
      expect((await app.get("/admin/members", { Cookie: who.cookie })).status).toBe(403);
      const post = await app.post(MEMBERS, { intent: "invite", email: "sneaky@members.example", role: "owner" }, { Cookie: who.cookie });
      expect(post.status).toBe(403);
    }
    const stranger = await signedInOrganizer(app, { email: "owner@elsewhere.example", org: "elsewhere-org", role: "owner" });
    expect((await app.get(MEMBERS, { Cookie: stranger.cookie })).status).toBe(404);
    expect((await app.post(MEMBERS, { intent: "remove", organizerId: String(owner.organizerId) }, { Cookie: stranger.cookie })).status).toBe(404);
    // Their own organization is what they see without ?org.
    expect(await (await app.get("/admin/members", { Cookie: stranger.cookie })).text()).toContain("owner@elsewhere.example");
    expect(await roleOf("sneaky@members.example")).toBeUndefined();
    expect((await app.get("/admin/members?org=Not%20A%20Slug", { Cookie: owner.cookie })).status).toBe(404);
    expect((await app.get(MEMBERS)).status).toBe(302);
  });
});
