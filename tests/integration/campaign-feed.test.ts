import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishUpdate } from "../../app/models/campaign-updates.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";

let database: TestDatabase;
let app: TestApp;
const CAMPAIGN = "casa-de-maryland-trust-act";
const page = `/campaigns/${CAMPAIGN}`;
const feed = `${page}/feed`;

const PAST_TITLE = `Hearing in Annapolis <March 3> & "more"`;
const PAST_TITLE_ES = "Audiencia en Annapolis";
const FUTURE_TITLE = "Scheduled for next week";
const CANCELLED_TITLE = "Withdrawn before it went out";
const ENGLISH_ONLY_TITLE = "Only in English so far";

// A small XML reader: well-formed or it throws (mismatched or unclosed tags, a bare & or <).
interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(text: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/i.test(text)) throw new Error(`bare & in ${text.slice(0, 40)}`);
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([\da-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, "&");
}

function parseXml(source: string): XmlElement {
  let pos = 0;
  const prolog = /^<\?xml[^?]*\?>\s*/.exec(source);
  if (!prolog) throw new Error("no XML declaration");
  pos = prolog[0].length;
  const tag = /<(\/?)([\w:.-]+)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  const attr = /([\w:.-]+)="([^"<]*)"/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < source.length) {
    const lt = source.indexOf("<", pos);
    const text = source.slice(pos, lt < 0 ? source.length : lt);
    if (text.includes(">") && stack.length === 0 && text.trim()) throw new Error("text outside the root");
    if (stack.length > 0) stack[stack.length - 1].text += decode(text);
    else if (text.trim()) throw new Error("text outside the root");
    if (lt < 0) break;
    tag.lastIndex = lt;
    const match = tag.exec(source);
    if (!match) throw new Error(`malformed tag at ${lt}: ${source.slice(lt, lt + 40)}`);
    const [, closing, name, rawAttrs, selfClosing] = match;
    pos = tag.lastIndex;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const element: XmlElement = { name, attrs: {}, children: [], text: "" };
    for (const [, key, value] of rawAttrs.matchAll(attr)) element.attrs[key] = decode(value);
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error("two root elements");
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

const child = (element: XmlElement, name: string) => element.children.find((c) => c.name === name);
const childrenNamed = (element: XmlElement, name: string) => element.children.filter((c) => c.name === name);

async function readFeed(path: string) {
  const res = await app.get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
  return parseXml(await res.text());
}

let pastId: number;
let futureId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  const campaign = await database.db.selectFrom("campaigns").select("id").where("slug", "=", CAMPAIGN).executeTakeFirstOrThrow();
  const hourAgo = new Date(Date.now() - 3_600_000);
  await publishUpdate(database.db, {
    campaignId: campaign.id,
    translations: { en: { title: ENGLISH_ONLY_TITLE, body: "Spanish is coming." } },
    publishAt: new Date(Date.now() - 7_200_000),
  });
  pastId = await publishUpdate(database.db, {
    campaignId: campaign.id,
    translations: {
      // \u0001 cannot appear in XML at all: the feed must drop it, not break.
      en: { title: PAST_TITLE, body: "Testify **in person**.\u0001 <script>alert(1)</script>" },
      es: { title: PAST_TITLE_ES, body: "Declare **en persona**." },
    },
    publishAt: hourAgo,
  });
  futureId = await publishUpdate(database.db, {
    campaignId: campaign.id,
    translations: { en: { title: FUTURE_TITLE, body: "Not yet." } },
    publishAt: new Date(Date.now() + 7 * 86_400_000),
  });
  const cancelled = await publishUpdate(database.db, {
    campaignId: campaign.id,
    translations: { en: { title: CANCELLED_TITLE, body: "Never mind." } },
    publishAt: hourAgo,
  });
  await database.db.updateTable("campaign_updates").set({ status: "cancelled" }).where("id", "=", cancelled).execute();
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe("a campaign's Atom feed", () => {
  it("is valid Atom 1.0 with the published updates only, newest first", async () => {
    const root = await readFeed(feed);
    expect(root.name).toBe("feed");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2005/Atom");
    expect(root.attrs["xml:lang"]).toBe("en");
    expect(child(root, "id")!.text).toMatch(/^tag:127\.0\.0\.1,\d{4}-\d{2}-\d{2}:/);
    expect(child(root, "title")!.text).toBe("CASA de Maryland Trust Act Campaign: updates");
    expect(Date.parse(child(root, "updated")!.text)).not.toBeNaN();
    expect(child(child(root, "author")!, "name")!.text.length).toBeGreaterThan(0);
    const links = childrenNamed(root, "link");
    expect(links.find((l) => l.attrs.rel === "self")!.attrs.href).toBe(`${app.url}${feed}?lang=en`);
    expect(links.find((l) => l.attrs.rel === "alternate")!.attrs.href).toBe(`${app.url}${page}?lang=en`);

    const entries = childrenNamed(root, "entry");
    expect(entries.map((e) => child(e, "title")!.text)).toEqual([PAST_TITLE, ENGLISH_ONLY_TITLE]);
    const [entry] = entries;
    for (const name of ["id", "title", "updated", "published", "link", "content"]) expect(child(entry, name), name).toBeDefined();
    expect(child(entry, "id")!.text).toMatch(new RegExp(`^tag:.*:campaign-update:${pastId}:en$`));
    expect(child(entry, "link")!.attrs.href).toBe(`${app.url}${page}?lang=en#update-${pastId}`);
    expect(Date.parse(child(entry, "published")!.text)).toBeLessThan(Date.now());
    const content = child(entry, "content")!;
    expect(content.attrs.type).toBe("html");
    expect(content.text).toContain("<strong>in person</strong>");
    expect(content.text).not.toContain("<script>");
    expect(content.text).not.toContain("\u0001");
    const ids = entries.map((e) => child(e, "id")!.text);
    expect(ids.some((id) => id.includes(`:${futureId}:`))).toBe(false);
  });

  it("speaks Spanish with ?lang=es, falling back to English for untranslated updates", async () => {
    const root = await readFeed(`${feed}?lang=es`);
    expect(root.attrs["xml:lang"]).toBe("es");
    expect(child(root, "title")!.text).toMatch(/: novedades$/);
    const entries = childrenNamed(root, "entry");
    expect(entries.map((e) => child(e, "title")!.text)).toEqual([PAST_TITLE_ES, ENGLISH_ONLY_TITLE]);
    expect(child(entries[0], "content")!.text).toContain("<strong>en persona</strong>");
    expect(entries[1].attrs["xml:lang"]).toBe("en");
    expect(child(entries[0], "link")!.attrs.href).toBe(`${app.url}${page}?lang=es#update-${pastId}`);
  });

  it("picks its language from ?lang= only, so caches can share it", async () => {
    const res = await app.get(feed, { "Accept-Language": "es" });
    expect(parseXml(await res.text()).attrs["xml:lang"]).toBe("en");
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+/);
  });

  it("answers 404 for an unknown campaign", async () => {
    const res = await app.get("/campaigns/no-such-campaign/feed");
    expect(res.status).toBe(404);
  });
});

describe("updates on the campaign page", () => {
  it("links the feed and shows the published updates but not scheduled or cancelled ones", async () => {
    const res = await app.get(page);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(new RegExp(`<link rel="alternate" type="application/atom\\+xml" href="${app.url.replace(/\./g, "\\.")}${page}/feed\\?lang=en"`));
    expect(html).toContain("Hearing in Annapolis &lt;March 3&gt; &amp; &quot;more&quot;");
    expect(html).toContain(`id="update-${pastId}"`);
    expect(html).toContain("<strong>in person</strong>");
    expect(html).not.toContain("alert(1)");
    expect(html).toContain(ENGLISH_ONLY_TITLE);
    expect(html).not.toContain(FUTURE_TITLE);
    expect(html).not.toContain(CANCELLED_TITLE);
    // Newest first.
    expect(html.indexOf("Hearing in Annapolis")).toBeLessThan(html.indexOf(ENGLISH_ONLY_TITLE));
  });

  it("shows updates in Spanish with an English fallback, and links the Spanish feed", async () => {
    const html = await (await app.get(`${page}?lang=es`)).text();
    expect(html).toContain(PAST_TITLE_ES);
    expect(html).toContain(ENGLISH_ONLY_TITLE);
    expect(html).toContain("Novedades");
    expect(html).toContain(`${page}/feed?lang=es`);
  });

  it("pages through updates 20 at a time", async () => {
    const campaign = await database.db.selectFrom("campaigns").select("id").where("slug", "=", CAMPAIGN).executeTakeFirstOrThrow();
    for (let i = 0; i < 20; i++) {
      await publishUpdate(database.db, {
        campaignId: campaign.id,
        translations: { en: { title: `Filler update number ${i}`, body: "" } },
        publishAt: new Date(Date.now() - 60_000 + i),
      });
    }
    const first = await (await app.get(page)).text();
    expect(first).not.toContain(PAST_TITLE.slice(0, 20));
    expect(first).toContain("Filler update number 19");
    expect(first).toContain(`${page}?page=2#updates`);
    const second = await (await app.get(`${page}?page=2`)).text();
    expect(second).toContain("Hearing in Annapolis");
    expect(second).not.toContain("Filler update number 19");
    expect((await app.get(`${page}?page=junk`)).status).toBe(200);
  });
});
