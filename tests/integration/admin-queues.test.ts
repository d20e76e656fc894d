import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { signedInOrganizer } from "../support/organizers";

// /admin/queues: bull-board for platform admins when jobs run on Redis; the outbox counts from Postgres when they do not.

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let database: TestDatabase;
let withRedis: TestApp;
let withoutRedis: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  withRedis = await startTestApp(
    { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: `test-queues-${randomBytes(4).toString("hex")}` },
    { runJobsInProcess: false },
  );
  withoutRedis = await startTestApp({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await withRedis?.close();
  await withoutRedis?.close();
  await database?.drop();
});

describe("the queues dashboard", () => {
  it("shows bull-board to a platform admin when REDIS_URL is set, with a CSP relaxed for its inline styles only", async () => {
    const admin = await signedInOrganizer(withRedis, { email: "admin.queues@example.org", role: "admin" });
    const page = await withRedis.get("/admin/queues", { Cookie: admin.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("__UI_CONFIG__");
    expect(html).toContain('<base href="/admin/queues/"');
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers.get("cache-control")).toBe("no-store");

    const api = await withRedis.get("/admin/queues/api/queues", { Cookie: admin.cookie });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('"outbox"');
    const script = /src="(static\/js\/main[^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await withRedis.get(`/admin/queues/${script}`, { Cookie: admin.cookie })).status).toBe(200);

    // Everywhere else the policy stays as strict as before.
    const home = await withRedis.get("/admin", { Cookie: admin.cookie });
    expect(home.headers.get("content-security-policy")).toMatch(/style-src 'self';/);
  });

  it("is a 404 for organizers and owners, and sends visitors to sign in", async () => {
    const owner = await signedInOrganizer(withRedis, { email: "owner.queues@example.org", org: "queues-org", role: "owner" });
    for (const path of ["/admin/queues", "/admin/queues/api/queues", "/admin/queues/static/css/x.css"]) {
      expect((await withRedis.get(path, { Cookie: owner.cookie })).status).toBe(404);
    }
    const visitor = await withRedis.get("/admin/queues");
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2Fqueues");
    expect((await withRedis.get("/admin/queues/api/queues")).status).toBe(404);
    expect((await withRedis.get("/admin/queues/api/queues", { Cookie: "sanctuary_session=forged" })).status).toBe(404);
  });

  it("without Redis says jobs run in-process and shows the outbox by status", async () => {
    await database.db.insertInto("outbox").values({ kind: "organizer.invite", payload: JSON.stringify({ organizerId: 1, organizationId: 1 }) }).execute();
    const admin = await signedInOrganizer(withoutRedis, { email: "admin.noredis@example.org", role: "admin" });
    const page = await withoutRedis.get("/admin/queues", { Cookie: admin.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Jobs run inside the web process");
    expect(html).toContain("organizer.invite");
    const organizer = await signedInOrganizer(withoutRedis, { email: "organizer.noredis@example.org", org: "queues-org", role: "organizer" });
    expect((await withoutRedis.get("/admin/queues", { Cookie: organizer.cookie })).status).toBe(404);
    expect((await withoutRedis.get("/admin/queues")).status).toBe(302);
  });
});
