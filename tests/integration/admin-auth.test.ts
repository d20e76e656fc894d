import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganizerAccount } from "../../app/models/organizers.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { PASSWORD, signedInOrganizer } from "../support/organizers";

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["tsx", "scripts/organizer-create.ts", ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("organizer accounts and signing in", () => {
  it("creates an account from the command line with a one-time link, and never takes a password there", async () => {
    const env = { DATABASE_URL: database.url, APP_URL: app.url, SESSION_SECRET: "x".repeat(40) };
    const ok = await run(["--email", "Owner@Partner.org", "--org", "partner-org", "--role", "owner"], env);
    expect(ok.code).toBe(0);
    const link = /https?:\/\/\S+\/admin\/set-password\/([\w-]+)/.exec(ok.out);
    expect(link).not.toBeNull();
    const org = await database.db.selectFrom("organizations").select("id").where("slug", "=", "partner-org").executeTakeFirst();
    expect(org).toBeDefined();

    const path = new URL(link![0]).pathname;
    expect((await app.get(path)).status).toBe(200);
    const weak = await app.post(path, { password: "short", confirm: "short" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain("at least 10 characters");
    const set = await app.post(path, { password: PASSWORD, confirm: PASSWORD });
    expect(set.status).toBe(302);
    expect((await app.get(path)).status).toBe(410);
    expect((await app.post(path, { password: PASSWORD, confirm: PASSWORD })).status).toBe(410);

    const login = await app.post("/admin/login", { email: "owner@partner.org", password: PASSWORD });
    expect(login.status).toBe(302);

    const bad = await run(["--email", "not-an-email"], env);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("--email must be an email address");
    const password = await run(["--email", "a@b.org", "--password", "secret"], env);
    expect(password.code).not.toBe(0);
  }, 90_000);

  it("sends anonymous visitors of the workspace to the login page and back afterwards", async () => {
    const res = await app.get("/admin");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/admin/login?next=%2Fadmin");
    const { cookie } = await signedInOrganizer(app, { email: "back@example.org" });
    const login = await app.post("/admin/login", { email: "back@example.org", password: PASSWORD, next: "/admin" }, { Cookie: cookie });
    expect(login.headers.get("location")).toBe("/admin");
    const evil = await app.post("/admin/login", { email: "back@example.org", password: PASSWORD, next: "//evil.example" });
    expect(evil.headers.get("location")).toBe("/admin");
  });

  it("signs in with an HttpOnly, SameSite=Lax session cookie that is new at every sign-in, and signs out for good", async () => {
    await signedInOrganizer(app, { email: "cookie@example.org" });
    const first = await app.post("/admin/login", { email: "cookie@example.org", password: PASSWORD });
    const second = await app.post("/admin/login", { email: "cookie@example.org", password: PASSWORD });
    const header = first.headers.get("set-cookie")!;
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).not.toMatch(/Secure/i);
    const cookie = header.split(";")[0];
    expect(cookie).not.toBe(second.headers.get("set-cookie")!.split(";")[0]);

    const home = await app.get("/admin", { Cookie: cookie });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Tell Your Mayor to Defy Trump");

    const out = await app.post("/admin/logout", {}, { Cookie: cookie });
    expect(out.status).toBe(302);
    expect((await app.get("/admin", { Cookie: cookie })).status).toBe(302);
  });

  it("ends sessions that have been idle too long", async () => {
    const { cookie, organizerId } = await signedInOrganizer(app, { email: "idle@example.org" });
    await database.db
      .updateTable("organizer_sessions")
      .set({ last_seen_at: new Date(Date.now() - 3 * 3_600_000) })
      .where("organizer_id", "=", organizerId)
      .execute();
    expect((await app.get("/admin", { Cookie: cookie })).status).toBe(302);
  });

  it("says the same for an unknown email and a wrong password", async () => {
    await createOrganizerAccount(database.db, { email: "known@example.org", organizationSlug: "sanctuary", role: "viewer" });
    const unknown = await app.post("/admin/login", { email: "nobody@example.org", password: "whatever-long" }, { "X-Forwarded-For": "203.0.113.1" });
    const wrong = await app.post("/admin/login", { email: "known@example.org", password: "whatever-long" }, { "X-Forwarded-For": "203.0.113.1" });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const message = (html: string) => /That email and password[^<]*/.exec(html)?.[0];
    expect(message(await unknown.text())).toBe(message(await wrong.text()));
  });

  it("answers 429 after 10 failed sign-ins from one IP, and after 10 on one account", async () => {
    for (let i = 0; i < 10; i++) {
      const res = await app.post("/admin/login", { email: `guess${i}@example.org`, password: "wrong-password" }, { "X-Forwarded-For": "203.0.113.50" });
      expect(res.status).toBe(401);
    }
    const blocked = await app.post("/admin/login", { email: "guess@example.org", password: "wrong-password" }, { "X-Forwarded-For": "203.0.113.50" });
    expect(blocked.status).toBe(429);

    await signedInOrganizer(app, { email: "target@example.org" });
    for (let i = 0; i < 10; i++) {
      await app.post("/admin/login", { email: "target@example.org", password: "wrong-password" }, { "X-Forwarded-For": `198.51.100.${i + 1}` });
    }
    const locked = await app.post("/admin/login", { email: "target@example.org", password: PASSWORD }, { "X-Forwarded-For": "198.51.100.99" });
    expect(locked.status).toBe(429);
  });

  it("validates the login form and refuses cross-site posts", async () => {
    expect((await app.post("/admin/login", { email: "", password: "" })).status).toBe(422);
    expect((await app.post("/admin/login", { email: "a@b.org", password: PASSWORD }, { Origin: "https://evil.example" })).status).toBe(403);
  });
});
