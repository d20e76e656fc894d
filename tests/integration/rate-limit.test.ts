import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION, signaturesOf, signerFields } from "../support/factories";

let database: TestDatabase;
let app: TestApp;
const page = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({
    DATABASE_URL: database.url,
    SIGN_RATE_LIMITS: "1/1m,3/5m",
    SIGN_RATE_ALLOWLIST: "198.51.100.0/24",
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

// The test app trusts X-Forwarded-For from loopback, as behind a local reverse proxy.
const from = (ip: string) => ({ "X-Forwarded-For": ip });

async function confirmAll() {
  await database.db.updateTable("signatures").set({ status: "confirmed", confirmed_at: new Date() }).execute();
  app.services.counts.clear();
}

async function apiCount(): Promise<number> {
  return ((await (await app.get(`/api/petitions/${SEEDED_PETITION}`)).json()) as { signatureCount: number }).signatureCount;
}

describe("per-IP signing limits", () => {
  it("keeps signatures over the limit, shows the same page, but does not count them", async () => {
    const first = await app.post(page, signerFields({ email: "one@example.com" }), from("203.0.113.5"));
    const second = await app.post(page, signerFields({ email: "two@example.com" }), from("203.0.113.5"));
    const otherIp = await app.post(page, signerFields({ email: "three@example.com" }), from("203.0.113.6"));
    for (const res of [first, second, otherIp]) {
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${page}/thanks`);
    }
    const rows = await signaturesOf(database.db);
    expect(rows.map((r) => [r.email, r.flagged_reason])).toEqual([
      ["one@example.com", null],
      ["two@example.com", "rate-limit"],
      ["three@example.com", null],
    ]);
    // The IP itself is never stored.
    expect(rows.every((r) => r.ip_hash && !r.ip_hash.includes("203"))).toBe(true);
    await confirmAll();
    expect(await apiCount()).toBe(2);
    const html = await (await app.get(page)).text();
    expect(html.match(/Ana L\./g)).toHaveLength(2);
  });

  it("lets an allow-listed shared connection sign as often as people come", async () => {
    for (let i = 0; i < 4; i++) {
      expect((await app.post(page, signerFields({ email: `library${i}@example.com` }), from("198.51.100.20"))).status).toBe(302);
    }
    const rows = (await signaturesOf(database.db)).filter((r) => r.email.startsWith("library"));
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.flagged_reason === null && r.ip_hash === null)).toBe(true);
  });

  it("counts a burst from one address against the limit even when the requests arrive together", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => app.post(page, signerFields({ email: `burst${i}@example.com` }), from("203.0.113.77"))),
    );
    expect(results.every((r) => r.status === 302)).toBe(true);
    const rows = (await signaturesOf(database.db)).filter((r) => r.email.startsWith("burst"));
    expect(rows.filter((r) => r.flagged_reason === null)).toHaveLength(1);
  });
});
