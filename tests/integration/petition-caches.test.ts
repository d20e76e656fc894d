import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { preparedQuery } from "../../app/lib/prepared-query.server";
import { getPublicPetition, PETITION_REF_MAX_AGE_MS } from "../../app/models/petitions.server";
import type { DB } from "../../db/schema";
import type { Kysely } from "kysely";
import { formBody, startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { petitionId, SEEDED_PETITION, signerFields } from "../support/factories";
import { petitionEditorFields, signedInOrganizer } from "../support/organizers";

// Issue 5: signing reads a cached petition (status included), and the page a cached rendering of its Markdown.
// Neither may hide an organizer's change (issue 3: "public pages reflect a change at once"; a closed petition takes
// no signatures).

let database: TestDatabase;
let app: TestApp;
let organizer: { cookie: string; organizationId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  organizer = await signedInOrganizer(app, { email: "caches@example.org" });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function post(pathname: string, fields: Record<string, string | string[]>, cookie = ""): Promise<Response> {
  return fetch(app.url + pathname, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    body: formBody(fields),
  });
}

/** The editor's form for a petition of ours, as a person submits it. */
const editorFields = (slug: string, status: string) => petitionEditorFields(organizer.organizationId, { slug, status });

describe("signing with the cached petition", () => {
  // The clock stands still in these tests (Date only; timers run), so a cached petition grows old only when a test
  // moves the clock: what they show does not depend on how fast this machine answers.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stops taking signatures the moment an organizer closes the petition, and takes them again when reopened", async () => {
    const slug = "keep-the-clinic-open";
    expect((await post("/admin/petitions/new", editorFields(slug, "open"), organizer.cookie)).status).toBe(302);
    // This signature puts the petition, open, in the cache, where it stays fresh while the clock stands still.
    expect((await post(`/petitions/${slug}`, signerFields())).status).toBe(302);

    expect((await post(`/admin/petitions/${slug}/edit`, editorFields(slug, "closed"), organizer.cookie)).status).toBe(302);
    expect((await post(`/petitions/${slug}`, signerFields())).status).toBe(409);

    expect((await post(`/admin/petitions/${slug}/edit`, editorFields(slug, "open"), organizer.cookie)).status).toBe(302);
    expect((await post(`/petitions/${slug}`, signerFields())).status).toBe(302);
    const rows = await database.db.selectFrom("signatures").select("id").where("petition_id", "=", await petitionId(database.db, slug)).execute();
    expect(rows).toHaveLength(2);
  });

  it("stops taking signatures once the cached copy is a second old when another process closes it", async () => {
    const id = await petitionId(database.db);
    expect((await post(`/petitions/${SEEDED_PETITION}`, signerFields())).status).toBe(302);
    // Straight in the database, as another web process's editor would: this process is not told.
    await database.db.updateTable("petitions").set({ status: "closed" }).where("id", "=", id).execute();
    try {
      // Within the second, this process still has it open (the cache the sign action relies on)…
      expect((await post(`/petitions/${SEEDED_PETITION}`, signerFields())).status).toBe(302);
      // …and not a moment longer.
      vi.setSystemTime(Date.now() + PETITION_REF_MAX_AGE_MS + 1);
      expect((await post(`/petitions/${SEEDED_PETITION}`, signerFields())).status).toBe(409);
    } finally {
      await database.db.updateTable("petitions").set({ status: "open" }).where("id", "=", id).execute();
      vi.setSystemTime(Date.now() + PETITION_REF_MAX_AGE_MS + 1);
    }
  });
});

describe("the petition page's rendered Markdown", () => {
  it("shows a new body on the next view, in each language, however it was changed", async () => {
    const id = await petitionId(database.db);
    const page = `/petitions/${SEEDED_PETITION}`;
    const view = async (lang: string) => (await app.get(`${page}?lang=${lang}`)).text();
    // Rendered (and cached) once in each language.
    expect(await view("en")).not.toContain("Updated body");
    expect(await view("es")).not.toContain("Cuerpo nuevo");
    for (const [locale, body] of [
      ["en", "Updated body with **bold** words."],
      ["es", "Cuerpo nuevo con palabras en **negrita**."],
    ] as const) {
      await database.db.updateTable("petition_translations").set({ body }).where("petition_id", "=", id).where("locale", "=", locale).execute();
    }
    expect(await view("en")).toContain("Updated body with <strong>bold</strong> words.");
    expect(await view("es")).toContain("Cuerpo nuevo con palabras en <strong>negrita</strong>.");
  });
});

describe("preparedQuery", () => {
  it("runs the compiled query with each call's values, as the query builder would", async () => {
    for (const locale of ["en", "es"] as const) {
      const petition = await getPublicPetition(database.db, SEEDED_PETITION, locale);
      expect(petition?.slug).toBe(SEEDED_PETITION);
      expect(petition?.locale).toBe(locale);
    }
    expect(await getPublicPetition(database.db, "no-such-petition", "en")).toBeNull();
    const titles = preparedQuery(2, (db: Kysely<DB>, id: number, locale: string) =>
      db.selectFrom("petition_translations").select("title").where("petition_id", "=", id).where("locale", "=", locale as "en"),
    );
    const id = await petitionId(database.db);
    const built = await database.db.selectFrom("petition_translations").select("title").where("petition_id", "=", id).where("locale", "=", "es").execute();
    expect(await titles(database.db, id, "es")).toEqual(built);
    expect(await titles(database.db, id, "en")).not.toEqual(built);
  });

  it("refuses a query in which a placeholder did not become a parameter", async () => {
    const wrong = preparedQuery(1, (db: Kysely<DB>, _slug: string) => db.selectFrom("petitions").select("id").where("slug", "=", "fixed"));
    await expect(wrong(database.db, SEEDED_PETITION)).rejects.toThrow(/placeholder/);
  });
});
