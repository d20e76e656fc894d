import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDelivery } from "../../app/models/deliveries.server";
import { parseCsv } from "../../app/lib/csv-parse.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { signedInOrganizer } from "../support/organizers";

// Officials: CSV import with a preview that writes nothing, then one transaction; list, edit, retire; who may do what.

const DAY_MS = 86_400_000;
const HEADER = "name,office,level,jurisdiction,state,email,zip_codes";

let database: TestDatabase;
let app: TestApp;
let organizer: { cookie: string; organizationId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  organizer = await signedInOrganizer(app, { email: "targets.organizer@example.org", org: "targets-org", role: "organizer" });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** A multipart POST as the import form sends it; `file` goes as an uploaded file. */
function postMultipart(path: string, fields: Record<string, string>, cookie: string, file?: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file !== undefined) form.append("file", new Blob([file], { type: "text/csv" }), "officials.csv");
  return fetch(app.url + path, { method: "POST", redirect: "manual", headers: { Origin: app.url, Cookie: cookie }, body: form });
}

async function targetCount(): Promise<number> {
  const row = await database.db.selectFrom("targets").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The cells of the preview's error table, as [row, column, message] triples. */
function errorRows(html: string): string[][] {
  const table = /<caption>Problems in the file<\/caption>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]));
}

async function localPetition(organizationId: number, levels: ("city" | "county")[] = ["city"]) {
  const slug = `targets-test-${randomBytes(4).toString("hex")}`;
  const petition = await database.db
    .insertInto("petitions")
    .values({ organization_id: organizationId, slug, status: "open", target_rule: "local", target_levels: levels })
    .returning("id")
    .executeTakeFirstOrThrow();
  await database.db.insertInto("petition_translations").values({ petition_id: petition.id, locale: "en", title: `Petition ${slug}`, body: "Body" }).execute();
  return petition.id;
}

async function confirmedSignature(petitionId: number, zip: string): Promise<number> {
  const email = `signer.${randomBytes(4).toString("hex")}@example.com`;
  const row = await database.db
    .insertInto("signatures")
    .values({
      petition_id: petitionId,
      first_name: "Rosa",
      last_name: "Parra",
      email,
      email_normalized: email,
      postal_code: zip,
      zip5: zip,
      locale: "en",
      status: "confirmed",
      confirmed_at: sql<Date>`now()`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("the CSV parser", () => {
  it("reads quotes, doubled quotes, line breaks in quotes, CRLF and a BOM, and numbers rows as a spreadsheet does", () => {
    const parsed = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n"two\nlines",z\n');
    expect(parsed).toEqual({
      ok: true,
      records: [
        { row: 1, fields: ["a", "b"] },
        { row: 2, fields: ["x, y", 'say "hi"'] },
        { row: 4, fields: ["two\nlines", "z"] },
      ],
    });
    expect(parseCsv('a,"open\n')).toMatchObject({ ok: false, row: 1 });
    expect(parseCsv('a\nb"c\n')).toMatchObject({ ok: false, row: 2 });
    expect(parseCsv('"a"b\n')).toMatchObject({ ok: false, row: 1 });
  });
});

describe("importing officials", () => {
  it("previews a file with bad rows as one error per row and field, and writes nothing, not even when asked to import it", async () => {
    const before = await targetCount();
    const csv = [
      HEADER,
      "Ana Good,Mayor,city,Goodtown,CA,ana@goodtown.example,94110",
      "Bad Email,Mayor,city,Badmail,CA,not-an-email,94111",
      "Bad Zip,Mayor,city,Badzip,CA,zip@badzip.example,9411;94112",
      "Bad Level,Mayor,town,Badlevel,CA,level@badlevel.example,94113",
    ].join("\r\n");
    const preview = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "preview", csv }, organizer.cookie);
    expect(preview.status).toBe(422);
    const html = await preview.text();
    const rows = errorRows(html);
    expect(rows.map(([row, field]) => [row, field])).toEqual([
      ["3", "email"],
      ["4", "zip_codes"],
      ["5", "level"],
    ]);
    expect(rows[0][2]).toContain("valid email address");
    expect(rows[1][2]).toContain("5-digit ZIP");
    expect(rows[2][2]).toContain("city, county or state");
    expect(html).not.toContain("Import 1 official");

    const forced = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "import", csv }, organizer.cookie);
    expect(forced.status).toBe(422);
    expect(await targetCount()).toBe(before);

    const missing = await postMultipart(
      "/admin/targets/import",
      { owner: String(organizer.organizationId), intent: "preview", csv: "name,office,level,jurisdiction,state,email\nA,Mayor,city,X,CA,a@x.example\n" },
      organizer.cookie,
    );
    expect(missing.status).toBe(422);
    expect(errorRows(await missing.text())).toEqual([["1", "zip_codes", expect.stringContaining("no “zip_codes” column")]]);
    expect(await targetCount()).toBe(before);
  });

  it("imports a clean file in one go, and a signer from one of its ZIP codes is delivered to the new official", async () => {
    const jurisdiction = `Importville ${randomBytes(3).toString("hex")}`;
    const csv = [
      HEADER,
      `"Mayor Quinn, Jr.",Mayor,City,${jurisdiction},ak,Quinn@Importville.example,99950; 99951`,
      `Sheriff Roe,Sheriff,county,${jurisdiction} County,AK,sheriff@importville.example,99950 99952`,
    ].join("\r\n");
    const preview = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "preview" }, organizer.cookie, `\uFEFF${csv}`);
    expect(preview.status).toBe(200);
    const html = (await preview.text()).replaceAll("<!-- -->", "");
    expect(html).toContain("Import 2 officials");
    expect(html).toContain("2 new");
    const hidden = /<input type="hidden" name="csv" value="([^"]*)"/.exec(html);
    expect(hidden).not.toBeNull();
    expect(await database.db.selectFrom("targets").select("id").where("jurisdiction", "=", jurisdiction).execute()).toEqual([]);

    const csvBack = hidden![1].replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    const done = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "import", csv: csvBack }, organizer.cookie);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/admin/targets?imported=2,0");

    const mayor = await database.db.selectFrom("targets").selectAll().where("jurisdiction", "=", jurisdiction).executeTakeFirstOrThrow();
    expect(mayor).toMatchObject({ name: "Mayor Quinn, Jr.", level: "city", state: "AK", email: "quinn@importville.example", organization_id: organizer.organizationId, active: true });
    const zips = await database.db.selectFrom("target_zip_codes").select("zip_code").where("target_id", "=", mayor.id).orderBy("zip_code").execute();
    expect(zips.map((z) => z.zip_code)).toEqual(["99950", "99951"]);

    const audit = await database.db.selectFrom("audit_log").selectAll().where("action", "=", "targets.import").execute();
    expect(audit.at(-1)?.details).toMatchObject({ created: 2, updated: 0, zipCodes: 4 });

    const petitionId = await localPetition(organizer.organizationId, ["city"]);
    const signatureId = await confirmedSignature(petitionId, "99951");
    const deliveryId = await createDelivery(database.db, { petitionId, targetId: mayor.id }, { defaultIntervalMs: DAY_MS, force: true });
    expect(deliveryId).not.toBeNull();
    const claimed = await database.db.selectFrom("delivery_signatures").selectAll().where("delivery_id", "=", deliveryId!).execute();
    expect(claimed).toEqual([{ target_id: mayor.id, signature_id: signatureId, delivery_id: deliveryId }]);
    // The in-process runner sends the digest to the official's address.
    await waitUntil(async () => Boolean(await database.db.selectFrom("dev_mail").select("id").where("to_address", "=", "quinn@importville.example").executeTakeFirst()), 15_000, "the digest");

    // Importing again updates the same officials and replaces their ZIP codes.
    const again = [HEADER, `Mayor Quinn,Mayor,city,${jurisdiction},AK,quinn@importville.example,99953`].join("\n");
    const second = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "import", csv: again }, organizer.cookie);
    expect(second.headers.get("location")).toBe("/admin/targets?imported=0,1");
    const after = await database.db.selectFrom("target_zip_codes").select("zip_code").where("target_id", "=", mayor.id).execute();
    expect(after.map((z) => z.zip_code)).toEqual(["99953"]);

    const list = await app.get(`/admin/targets?q=${encodeURIComponent("importville")}&state=ak`, { Cookie: organizer.cookie });
    expect(list.status).toBe(200);
    const listed = await list.text();
    expect(listed).toContain("Mayor Quinn");
    expect(listed).toContain("Sheriff Roe");
    const countyOnly = await (await app.get(`/admin/targets?q=importville&level=county`, { Cookie: organizer.cookie })).text();
    expect(countyOnly).toContain("Sheriff Roe");
    expect(countyOnly).not.toContain("Mayor Quinn");
  });

  it("refuses an office that another organization already has, naming the row", async () => {
    const other = await signedInOrganizer(app, { email: "other.targets@example.org", org: "other-targets-org", role: "organizer" });
    const jurisdiction = `Shared ${randomBytes(3).toString("hex")}`;
    const csv = `${HEADER}\nFirst Mayor,Mayor,city,${jurisdiction},CA,first@shared.example,94110\n`;
    expect((await postMultipart("/admin/targets/import", { owner: String(other.organizationId), intent: "import", csv }, other.cookie)).status).toBe(302);
    const mine = await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "preview", csv }, organizer.cookie);
    expect(mine.status).toBe(422);
    expect(errorRows(await mine.text())).toEqual([["2", "office", expect.stringContaining("another organization")]]);
    // Nor may an organizer import for an organization that is not theirs.
    const foreign = await postMultipart("/admin/targets/import", { owner: String(other.organizationId), intent: "preview", csv }, organizer.cookie);
    expect(foreign.status).toBe(422);
    expect(await foreign.text()).toContain("Choose one of your organizations");
  });

  it("answers a clear 4xx to a file that is too big, not UTF-8, or not sent at all", async () => {
    const owner = String(organizer.organizationId);
    const big = `${HEADER}\n${"x".repeat(2 * 1024 * 1024)}`;
    const tooBig = await postMultipart("/admin/targets/import", { owner, intent: "preview" }, organizer.cookie, big);
    expect(tooBig.status).toBe(413);
    const form = new FormData();
    form.append("owner", owner);
    form.append("intent", "preview");
    form.append("file", new Blob([Buffer.from(`${HEADER}\nJos\xe9,Mayor,city,X,CA,a@x.example,94110\n`, "latin1")], { type: "text/csv" }), "latin1.csv");
    const latin1 = await fetch(`${app.url}/admin/targets/import`, { method: "POST", headers: { Origin: app.url, Cookie: organizer.cookie }, body: form });
    expect(latin1.status).toBe(422);
    expect(await latin1.text()).toContain("CSV UTF-8");
    const empty = await postMultipart("/admin/targets/import", { owner, intent: "preview", csv: "" }, organizer.cookie);
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Choose a CSV file");
  });
});

describe("editing and retiring officials", () => {
  async function importOne(cookie: string, organizationId: number, zip = "94110") {
    const jurisdiction = `Edittown ${randomBytes(3).toString("hex")}`;
    const csv = `${HEADER}\nEve Edit,Mayor,city,${jurisdiction},CA,eve@edittown.example,${zip}\n`;
    const res = await postMultipart("/admin/targets/import", { owner: String(organizationId), intent: "import", csv }, cookie);
    expect(res.status).toBe(302);
    return database.db.selectFrom("targets").selectAll().where("jurisdiction", "=", jurisdiction).executeTakeFirstOrThrow();
  }

  it("edits the name, office, email and ZIP codes, with field errors for bad input", async () => {
    const target = await importOne(organizer.cookie, organizer.organizationId);
    const bad = await app.post(`/admin/targets/${target.id}`, { intent: "save", name: "Eve Edit", office: "Mayor", email: "nope", zipCodes: "94110 123" }, { Cookie: organizer.cookie });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("valid email address");
    expect(html).toContain("“123” is not a 5-digit ZIP code");
    const ok = await app.post(
      `/admin/targets/${target.id}`,
      { intent: "save", name: "Eve Edited", office: "Mayor", email: "eve@edittown.example", zipCodes: "94112;94110 94112" },
      { Cookie: organizer.cookie },
    );
    expect(ok.status).toBe(302);
    const saved = await database.db.selectFrom("targets").select("name").where("id", "=", target.id).executeTakeFirstOrThrow();
    expect(saved.name).toBe("Eve Edited");
    const zips = await database.db.selectFrom("target_zip_codes").select("zip_code").where("target_id", "=", target.id).orderBy("zip_code").execute();
    expect(zips.map((z) => z.zip_code)).toEqual(["94110", "94112"]);
  });

  it("retires an official, who then gets no deliveries, and reinstates them", async () => {
    const target = await importOne(organizer.cookie, organizer.organizationId, "99960");
    const retired = await app.post(`/admin/targets/${target.id}`, { intent: "retire" }, { Cookie: organizer.cookie });
    expect(retired.status).toBe(302);
    expect((await database.db.selectFrom("targets").select("active").where("id", "=", target.id).executeTakeFirstOrThrow()).active).toBe(false);
    const petitionId = await localPetition(organizer.organizationId, ["city"]);
    await confirmedSignature(petitionId, "99960");
    expect(await createDelivery(database.db, { petitionId, targetId: target.id }, { defaultIntervalMs: DAY_MS, force: true })).toBeNull();
    const retiredList = await (await app.get("/admin/targets?status=retired&q=edittown", { Cookie: organizer.cookie })).text();
    expect(retiredList).toContain("Retired");

    await app.post(`/admin/targets/${target.id}`, { intent: "reinstate" }, { Cookie: organizer.cookie });
    expect(await createDelivery(database.db, { petitionId, targetId: target.id }, { defaultIntervalMs: DAY_MS, force: true })).not.toBeNull();
  });

  it("keeps officials within reach: another organization's is a 404, a platform-wide one is for admins, viewers cannot import", async () => {
    const mine = await importOne(organizer.cookie, organizer.organizationId);
    const stranger = await signedInOrganizer(app, { email: "stranger.targets@example.org", org: "stranger-org", role: "owner" });
    expect((await app.get(`/admin/targets/${mine.id}`, { Cookie: stranger.cookie })).status).toBe(404);
    expect((await app.post(`/admin/targets/${mine.id}`, { intent: "retire" }, { Cookie: stranger.cookie })).status).toBe(404);
    expect(await (await app.get("/admin/targets?q=edittown", { Cookie: stranger.cookie })).text()).not.toContain("Eve Edit");

    const platform = await database.db
      .insertInto("targets")
      .values({ organization_id: null, name: "Platform Governor", office: "Governor", level: "state", jurisdiction: `Platformia ${randomBytes(3).toString("hex")}`, state: "CA", email: "gov@platform.example" })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect((await app.get(`/admin/targets/${platform.id}`, { Cookie: organizer.cookie })).status).toBe(200);
    expect((await app.post(`/admin/targets/${platform.id}`, { intent: "retire" }, { Cookie: organizer.cookie })).status).toBe(403);
    const admin = await signedInOrganizer(app, { email: "admin.targets@example.org", role: "admin" });
    expect((await app.post(`/admin/targets/${platform.id}`, { intent: "retire" }, { Cookie: admin.cookie })).status).toBe(302);

    const viewer = await signedInOrganizer(app, { email: "viewer.targets@example.org", org: "targets-org", role: "viewer" });
    expect((await app.get("/admin/targets/import", { Cookie: viewer.cookie })).status).toBe(403);
    const csv = `${HEADER}\nV,Mayor,city,Viewville,CA,v@viewville.example,94110\n`;
    expect((await postMultipart("/admin/targets/import", { owner: String(organizer.organizationId), intent: "import", csv }, viewer.cookie)).status).toBe(403);
    expect((await app.post(`/admin/targets/${mine.id}`, { intent: "retire" }, { Cookie: viewer.cookie })).status).toBe(403);
    const list = await (await app.get("/admin/targets?q=edittown", { Cookie: viewer.cookie })).text();
    expect(list).toContain("Eve Edit");
    expect(list).not.toContain("eve@edittown.example");
    expect((await app.get("/admin/targets/abc", { Cookie: organizer.cookie })).status).toBe(404);
    expect((await app.get("/admin/targets")).status).toBe(302);
  });
});
