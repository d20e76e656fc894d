import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classBreaks, stateShapes, usMapData } from "../../app/lib/us-map.server";
import { getPetitionStats } from "../../app/models/petition-stats.server";
import type { SignatureStatus } from "../../db/schema";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { signedInOrganizer } from "../support/organizers";

// A petition's numbers page on Postgres: the counts, charts, map and tables,
// and who may see them (viewers see numbers, never a signer's email).

let database: TestDatabase;
let app: TestApp;
let petition: { id: number; slug: string };
const NOW = new Date();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Spec {
  n: number;
  zip: string;
  city: string | null;
  state: string | null;
  status?: SignatureStatus;
  flagged?: boolean;
  source?: string;
  utm?: Record<string, string>;
  /** How long ago it was signed. */
  agoMs?: number;
}

const signerEmails: string[] = [];
const signerNames: string[] = [];

async function insert(petitionId: number, specs: Spec[]) {
  const rows = specs.flatMap((spec) =>
    Array.from({ length: spec.n }, () => {
      const tag = randomBytes(4).toString("hex");
      const email = `signer.${tag}@example.com`;
      signerEmails.push(email);
      signerNames.push(`Zelda${tag}`);
      const status = spec.status ?? "confirmed";
      const created = new Date(NOW.getTime() - (spec.agoMs ?? 10 * 60_000));
      return {
        petition_id: petitionId,
        first_name: `Zelda${tag}`,
        last_name: `Quintero${tag}`,
        email,
        email_normalized: email,
        postal_code: spec.zip,
        zip5: spec.zip,
        city: spec.city,
        state: spec.state,
        comment: `Comment by Zelda${tag}`,
        locale: "en" as const,
        status,
        source: spec.source ?? null,
        utm: spec.utm ? JSON.stringify(spec.utm) : null,
        flagged_reason: spec.flagged ? "rate-limit" : null,
        created_at: created,
        confirmed_at: status === "confirmed" ? new Date(created.getTime() + 60_000) : null,
      };
    }),
  );
  await database.db.insertInto("signatures").values(rows).execute();
}

async function createPetition(slug: string, organizationSlug = "sanctuary") {
  const organization = await database.db.selectFrom("organizations").select("id").where("slug", "=", organizationSlug).executeTakeFirstOrThrow();
  const row = await database.db
    .insertInto("petitions")
    .values({ organization_id: organization.id, slug, status: "open", goal: 100, target_rule: "local", target_levels: ["city", "county"] })
    .returning("id")
    .executeTakeFirstOrThrow();
  await database.db
    .insertInto("petition_translations")
    .values({ petition_id: row.id, locale: "en", title: `Dashboard test ${slug}`, summary: "Summary", body: "Body" })
    .execute();
  return { id: row.id, slug };
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  petition = await createPetition(`dashboard-${randomBytes(4).toString("hex")}`);
  const launch = { utm_source: "twitter", utm_medium: "social", utm_campaign: "launch" };
  await insert(petition.id, [
    // Counted: CA 7 (SF 5, LA 2), NY 3, TX 1 = 11.
    { n: 5, zip: "94110", city: "San Francisco", state: "CA", source: "twitter", utm: launch },
    { n: 2, zip: "90012", city: "Los Angeles", state: "CA", source: "twitter", agoMs: 3 * DAY },
    { n: 3, zip: "10001", city: "New York", state: "NY", source: "newsletter", agoMs: 5 * HOUR },
    { n: 1, zip: "77002", city: "Houston", state: "TX", agoMs: 40 * DAY },
    // Not counted.
    { n: 2, zip: "77002", city: "Houston", state: "TX", status: "pending" },
    { n: 2, zip: "94110", city: "San Francisco", state: "CA", status: "pending", source: "twitter", utm: launch },
    { n: 2, zip: "94110", city: "San Francisco", state: "CA", flagged: true },
    { n: 1, zip: "94110", city: "San Francisco", state: "CA", status: "invalidated" },
  ]);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe("petition numbers", () => {
  it("counts confirmed, pending, flagged and invalidated signatures, per hour, per day, by place and by source", async () => {
    const stats = await getPetitionStats(database.db, petition, { now: NOW });
    expect(stats.totals).toEqual({
      confirmed: 11,
      pending: 4,
      flagged: 2,
      invalidated: 1,
      emailConfirmed: 13,
      signed: 17,
      confirmationRate: 13 / 17,
    });

    expect(stats.hourly).toHaveLength(48);
    expect(stats.hourly.at(-1)!.start).toBe(new Date(Math.floor(NOW.getTime() / HOUR) * HOUR).toISOString());
    expect(stats.hourly.reduce((sum, b) => sum + b.signed, 0)).toBe(5 + 3 + 2 + 2 + 2);
    expect(stats.hourly.reduce((sum, b) => sum + b.confirmed, 0)).toBe(8);
    const fiveHoursAgo = stats.hourly.find((b) => b.start === new Date(Math.floor((NOW.getTime() - 5 * HOUR) / HOUR) * HOUR).toISOString());
    expect(fiveHoursAgo).toMatchObject({ signed: 3, confirmed: 3 });

    expect(stats.daily).toHaveLength(30);
    // The Houston signature of 40 days ago is outside the 30 days.
    expect(stats.daily.reduce((sum, b) => sum + b.signed, 0)).toBe(16);
    expect(stats.daily.reduce((sum, b) => sum + b.confirmed, 0)).toBe(10);

    expect(stats.byState.map((r) => [r.state, r.confirmed])).toEqual([
      ["CA", 7],
      ["NY", 3],
      ["TX", 1],
    ]);
    expect(stats.byCity.map((r) => [r.city, r.state, r.confirmed])).toEqual([
      ["San Francisco", "CA", 5],
      ["New York", "NY", 3],
      ["Los Angeles", "CA", 2],
      ["Houston", "TX", 1],
    ]);
    expect(stats.bySource).toEqual([
      { source: "twitter", signed: 9, confirmed: 7 },
      { source: null, signed: 5, confirmed: 1 },
      { source: "newsletter", signed: 3, confirmed: 3 },
    ]);
    expect(stats.byUtm).toEqual([{ utmSource: "twitter", utmMedium: "social", utmCampaign: "launch", signed: 7, confirmed: 5 }]);
  });

  it("shades the map by confirmed signatures per state, with a legend", () => {
    const shapes = stateShapes();
    expect(shapes).toHaveLength(51);
    expect(stateShapes()).toBe(shapes);
    const map = usMapData(
      new Map([
        ["CA", 1234],
        ["NY", 3],
        ["TX", 1],
      ]),
    );
    const byAbbr = new Map(map.states.map((s) => [s.abbr, s]));
    expect(byAbbr.get("CA")).toMatchObject({ name: "California", count: 1234, shade: 5 });
    expect(byAbbr.get("TX")!.shade).toBeGreaterThan(0);
    expect(byAbbr.get("TX")!.shade).toBeLessThan(byAbbr.get("NY")!.shade);
    expect(byAbbr.get("WY")).toMatchObject({ count: 0, shade: 0 });
    expect(map.legend.map((l) => l.label)).toEqual(["None", "1", "2–3", "4–1,234"]);
    expect(map.summary).toBe("Confirmed signatures in 3 states. Most: California 1,234, New York 3, Texas 1.");
    expect(classBreaks([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([2, 4, 6, 8, 10]);
    expect(classBreaks([])).toEqual([]);
  });

  it("shows an organizer the totals, charts, map and tables", async () => {
    const { cookie } = await signedInOrganizer(app, { email: `organizer.${randomBytes(3).toString("hex")}@partner.test` });
    const res = await app.get(`/admin/petitions/${petition.slug}`, { Cookie: cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/data-stat="confirmed"[^>]*>11</);
    expect(html).toMatch(/data-stat="pending"[^>]*>4</);
    expect(html).toMatch(/data-stat="rate"[^>]*>76%</);
    expect(html).toMatch(/data-stat="flagged"[^>]*>2</);
    expect(html).toContain("13<!-- --> of <!-- -->17<!-- --> signers confirmed their email");

    // Two accessible charts with their numbers as tables.
    expect(html.match(/<svg[^>]*role="img"[^>]*class="chart-svg"/g)).toHaveLength(2);
    expect(html).toContain("<title>Signatures per hour, last 48 hours</title>");
    expect(html).toMatch(/aria-label="Signatures per day, last 30 days: 16 signed, 10 confirmed; busiest/);
    expect(html).toContain("Signatures per hour, last 48 hours<!-- --> as a table</summary>");

    // The map: every state a path, California with its count in a title.
    expect(html).toMatch(/<path d="M[^"]+"[^>]*data-state="CA"[^>]*><title>California: 7<\/title><\/path>/);
    expect(html).toMatch(/<path d="M[^"]+"[^>]*data-state="WY"[^>]*><title>Wyoming: 0<\/title><\/path>/);
    expect(html.match(/data-state="[A-Z]{2}"><title>/g)).toHaveLength(51);

    expect(html).toMatch(/<tr data-state="CA"><th scope="row">California<\/th><td>7<\/td><td>64%<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-state="NY"><th scope="row">New York<\/th><td>3<\/td>/);
    expect(html).toMatch(/<th scope="row">San Francisco<\/th><td>CA<\/td><td>5<\/td>/);
    expect(html).toMatch(/<th scope="row">twitter<\/th><td>9<\/td><td>7<\/td>/);
    expect(html).toMatch(/<td>twitter<\/td><td>social<\/td><td>launch<\/td><td>7<\/td><td>5<\/td>/);
    expect(html).toContain(`href="/admin/petitions/${petition.slug}/deliveries"`);
  });

  it("shows a viewer the numbers but no signer's name or email, and no email address but their own", async () => {
    const viewerEmail = `viewer.${randomBytes(3).toString("hex")}@partner.test`;
    const { cookie } = await signedInOrganizer(app, { email: viewerEmail, role: "viewer" });
    const res = await app.get(`/admin/petitions/${petition.slug}`, { Cookie: cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<title>California: 7</title>");
    expect(html).not.toContain(`/admin/petitions/${petition.slug}/deliveries`);
    for (const email of signerEmails) expect(html).not.toContain(email);
    for (const name of signerNames) expect(html).not.toContain(name);
    expect(html).not.toContain("Quintero");
    // The workspace's own header names whoever is signed in; nothing else on the page is an email address.
    const addresses = new Set(html.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []);
    expect([...addresses].filter((address) => address !== viewerEmail)).toEqual([]);
  });

  it("answers 404 to an organizer of another organization and for an unknown petition, and sends anonymous visitors to sign in", async () => {
    const { cookie } = await signedInOrganizer(app, { email: `other.${randomBytes(3).toString("hex")}@elsewhere.test`, org: "elsewhere" });
    const other = await app.get(`/admin/petitions/${petition.slug}`, { Cookie: cookie });
    expect(other.status).toBe(404);
    const body = await other.text();
    expect(body).not.toContain("California: 7");
    expect(body).not.toContain(`Dashboard test ${petition.slug}`);
    expect((await app.get(`/admin/petitions/${petition.slug}.data`, { Cookie: cookie })).status).toBe(404);

    const admin = await signedInOrganizer(app, { email: `admin.${randomBytes(3).toString("hex")}@platform.test`, role: "admin" });
    expect((await app.get(`/admin/petitions/${petition.slug}`, { Cookie: admin.cookie })).status).toBe(200);
    expect((await app.get("/admin/petitions/no-such-petition", { Cookie: admin.cookie })).status).toBe(404);

    const anonymous = await app.get(`/admin/petitions/${petition.slug}`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe(`/admin/login?next=${encodeURIComponent(`/admin/petitions/${petition.slug}`)}`);
  });

  it("draws an empty petition without errors", async () => {
    const empty = await createPetition(`empty-${randomBytes(4).toString("hex")}`);
    const { cookie } = await signedInOrganizer(app, { email: `empty.${randomBytes(3).toString("hex")}@partner.test` });
    const res = await app.get(`/admin/petitions/${empty.slug}`, { Cookie: cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/data-stat="confirmed"[^>]*>0</);
    expect(html).toMatch(/data-stat="rate"[^>]*>–</);
    expect(html).toContain("<title>California: 0</title>");
    expect(html).toContain("No confirmed signatures on the map yet.");
  });
});
