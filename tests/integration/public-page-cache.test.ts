import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetPublicPages, PAGE_CACHE_MAX_AGE_MS } from "../../app/lib/public-page-cache.server";
import type { ScopedPetition } from "../../app/models/admin-petitions.server";
import { eraseWithToken, issueErasureToken } from "../../app/models/erasure.server";
import { setCommentHidden } from "../../app/models/moderation.server";
import type { Organizer } from "../../app/models/organizers.server";
import { formBody, startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { insertPetition, petitionId, SEEDED_PETITION, signerFields } from "../support/factories";
import { petitionEditorFields, signedInOrganizer } from "../support/organizers";
import { addFollower } from "../support/subscribers";

// Issue 5: the petition page is answered from the page Remix rendered up to PAGE_CACHE_MAX_AGE_MS ago
// (app/lib/public-page-cache.server.ts). Changes made straight in the database stand for another process's: this
// one is not told, so they show only once the cached page is old. The clock stands still (Date only) unless a test
// moves it, so what the tests see does not depend on how fast this machine answers.

let database: TestDatabase;
let app: TestApp;
let organizer: Awaited<ReturnType<typeof signedInOrganizer>>;
let id: number;
const page = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  organizer = await signedInOrganizer(app, { email: "page-cache@example.org" });
  id = await petitionId(database.db);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  // Every test starts with nothing cached (the real clock may be behind the fake one a test moved on).
  forgetPublicPages(app.services.db);
});

const setTitle = (title: string, locale: "en" | "es" = "en") =>
  database.db.updateTable("petition_translations").set({ title }).where("petition_id", "=", id).where("locale", "=", locale).execute();
const titleOf = async (res: Response) => /<h1>([^<]*)<\/h1>/.exec(await res.text())?.[1];
const nonceIn = (html: string) => [...html.matchAll(/nonce="([^"]+)"/g)].map((m) => m[1]);
const cspNonce = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];

describe("the petition page from the page cache", () => {
  it("answers from the page rendered a moment ago, and renders again once it is PAGE_CACHE_MAX_AGE_MS old", async () => {
    const original = await titleOf(await app.get(page));
    await setTitle("Changed elsewhere");
    try {
      expect(await titleOf(await app.get(page))).toBe(original);
      vi.setSystemTime(Date.now() + PAGE_CACHE_MAX_AGE_MS + 1);
      expect(await titleOf(await app.get(page))).toBe("Changed elsewhere");
    } finally {
      await setTitle(original!);
    }
  });

  it("gives each answer its own nonce, the one its CSP names, and otherwise the same headers", async () => {
    const first = await app.get(page);
    const second = await app.get(page);
    const [firstHtml, secondHtml] = [await first.text(), await second.text()];
    const [a, b] = [cspNonce(first), cspNonce(second)];
    expect(a).toBeTruthy();
    expect(b).toBeTruthy();
    expect(a).not.toBe(b);
    expect(new Set(nonceIn(firstHtml))).toEqual(new Set([a]));
    expect(new Set(nonceIn(secondHtml))).toEqual(new Set([b]));
    expect(secondHtml.replaceAll(b!, a!)).toBe(firstHtml);
    const headers = (res: Response) => {
      const out: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        if (!["date", "content-length", "transfer-encoding", "connection", "keep-alive"].includes(name)) out[name] = value.replace(/'nonce-[^']+'/, "'nonce'");
      });
      return out;
    };
    expect(headers(second)).toEqual(headers(first));
    expect(second.headers.get("cache-control")).toBe("public, max-age=1, stale-while-revalidate=1");
  });

  it("keeps each language apart", async () => {
    await app.get(page, { "Accept-Language": "en" });
    const es = await app.get(page, { "Accept-Language": "es-MX,es;q=0.9" });
    expect(await es.text()).toContain('<html lang="es"');
    const chosen = await app.get(page, { Cookie: "lang=ImVzIg%3D%3D" });
    expect(await chosen.text()).toContain('<html lang="es"');
    expect(await (await app.get(page, { "Accept-Language": "en" })).text()).toContain('<html lang="en"');
  });

  it("renders afresh what may differ from one visitor to another: a query, another cookie", async () => {
    const original = await titleOf(await app.get(page));
    await setTitle("Seen fresh");
    try {
      expect(await titleOf(await app.get(`${page}?source=newsletter`))).toBe("Seen fresh");
      expect(await titleOf(await app.get(page, { Cookie: "other=1" }))).toBe("Seen fresh");
      expect(await titleOf(await app.get(page))).toBe(original);
    } finally {
      await setTitle(original!);
    }
  });

  it("answers HEAD from it with the headers and no body, and does not keep a 404", async () => {
    const full = await app.get(page);
    const head = await fetch(app.url + page, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(await full.text())));
    expect(await head.text()).toBe("");

    expect((await app.get("/petitions/not-yet-there")).status).toBe(404);
    await insertPetition(database.db, { slug: "not-yet-there", status: "open", title: "Now there" });
    expect((await app.get("/petitions/not-yet-there")).status).toBe(200);
  });

  it("shows an organizer's change at once: a save in the editor, a hidden comment", async () => {
    const slug = "page-cache-petition";
    const save = (path: string, title: string, status: string) =>
      fetch(app.url + path, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: organizer.cookie },
        body: formBody(petitionEditorFields(organizer.organizationId, { slug, status, title })),
      });
    expect((await save("/admin/petitions/new", "First title", "open")).status).toBe(302);
    expect(await titleOf(await app.get(`/petitions/${slug}`))).toBe("First title");
    expect((await save(`/admin/petitions/${slug}/edit`, "Second title", "closed")).status).toBe(302);
    const closed = await (await app.get(`/petitions/${slug}`)).text();
    expect(closed).toContain("<h1>Second title</h1>");
    expect(closed).not.toContain('name="email"');

    const comment = "A comment to hide from the page";
    expect((await app.post(page, signerFields({ comment }))).status).toBe(302);
    const signature = await database.db.selectFrom("signatures").select("id").where("comment", "=", comment).executeTakeFirstOrThrow();
    await database.db.updateTable("signatures").set({ status: "confirmed", confirmed_at: new Date() }).where("id", "=", signature.id).execute();
    vi.setSystemTime(Date.now() + PAGE_CACHE_MAX_AGE_MS + 1);
    expect(await (await app.get(page)).text()).toContain(comment);
    const { organization_id: organizationId } = await database.db.selectFrom("petitions").select("organization_id").where("id", "=", id).executeTakeFirstOrThrow();
    const petition = { id, slug: SEEDED_PETITION, organizationId } as ScopedPetition;
    // As the moderation page does it, on the app's own database handle.
    expect(await setCommentHidden(app.services.db, { id: organizer.organizerId } as Organizer, petition, signature.id, true)).toBe(true);
    expect(await (await app.get(page)).text()).not.toContain(comment);
  });

  it("drops a person's name from the page the moment they erase their data", async () => {
    const email = "erase.me.page@example.com";
    const firstName = "Evangelina";
    expect((await app.post(page, signerFields({ email, firstName }))).status).toBe(302);
    await database.db.updateTable("signatures").set({ status: "confirmed", confirmed_at: new Date() }).where("email", "=", email).execute();
    vi.setSystemTime(Date.now() + PAGE_CACHE_MAX_AGE_MS + 1);
    expect(await (await app.get(page)).text()).toContain(firstName);
    const { subscriberId } = await addFollower(database.db, { email, firstName, follows: {} });
    const token = await issueErasureToken(database.db, subscriberId);
    // As the /erase/:token page does it, on the app's own database handle.
    expect(await eraseWithToken(app.services.db, token)).toBe(true);
    expect(await (await app.get(page)).text()).not.toContain(firstName);
  });

  it("shows a renamed campaign on its petitions' pages at once", async () => {
    const campaign = await database.db
      .selectFrom("petitions")
      .innerJoin("campaigns", "campaigns.id", "petitions.campaign_id")
      .select(["campaigns.slug", "campaigns.status"])
      .where("petitions.id", "=", id)
      .executeTakeFirstOrThrow();
    const before = await (await app.get(page)).text();
    expect(before).not.toContain("Renamed campaign");
    const res = await fetch(`${app.url}/admin/campaigns/${campaign.slug}/edit`, {
      method: "POST",
      redirect: "manual",
      headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: organizer.cookie },
      body: formBody({ intent: "save", slug: campaign.slug, status: campaign.status, titleEn: "Renamed campaign", summaryEn: "Summary.", bodyEn: "Body." }),
    });
    expect(res.status).toBe(302);
    expect(await (await app.get(page)).text()).toContain("Renamed campaign");
  });
});
