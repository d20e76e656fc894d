import type { ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { insertPetition, SEEDED_PETITION, signaturesOf, signerFields } from "../support/factories";
import { startSmtpSink, type SmtpSink } from "../support/smtp";

// Issue 5: a valid sign form is answered before Remix (app/lib/sign-first.server.ts). Two apps on one database:
// `app` is the real one; in `bypass` the petition route's action is replaced by one that answers 418, so a 418
// there shows a request went on to Remix, and anything else that the fast path answered it alone.

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let bypass: TestApp;
const page = `/petitions/${SEEDED_PETITION}`;
const ROUTE_ID = "routes/petitions.$slug";

function withTeapotAction(build: ServerBuild): ServerBuild {
  const route = build.routes[ROUTE_ID];
  const action = () => {
    throw new Response("the route's action ran", { status: 418 });
  };
  return { ...build, routes: { ...build.routes, [ROUTE_ID]: { ...route, module: { ...route.module, action } } } };
}

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
  bypass = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url }, { changeBuild: withTeapotAction });
});

afterAll(async () => {
  await bypass?.close();
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

const stored = async (email: string) => (await signaturesOf(database.db)).filter((row) => row.email === email);

/** The headers of a response, with this response's CSP nonce and date taken out, to compare two answers. */
function comparableHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name === "date" || name === "connection" || name === "keep-alive") return;
    out[name] = value.replace(/'nonce-[^']+'/g, "'nonce-…'");
  });
  return out;
}

describe("signing answered before Remix", () => {
  it("stores a valid signature, queues one confirmation email and redirects to the thank-you page without the route's action", async () => {
    const fields = signerFields({ optIn: "on", source: "newsletter", utm_medium: "email" });
    const res = await bypass.post(page, fields, { "Accept-Language": "es-MX,es;q=0.9" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page}/thanks`);
    const [row] = await stored(fields.email);
    expect(row).toMatchObject({ status: "pending", city: "San Francisco", state: "CA", opt_in: true, locale: "es", source: "newsletter" });
    expect(row.consent_text).toBeTruthy();
    expect(row.consent_at).toBeInstanceOf(Date);
    const mails = await smtp.waitFor((mail) => mail.to === fields.email);
    expect(mails).toHaveLength(1);
  });

  it("answers exactly as the route's action does: the same status, Location and headers", async () => {
    const fast = await app.post(page, signerFields());
    // A query sends the same form to the route's action.
    const remix = await app.post(`${page}?`, signerFields());
    expect(fast.status).toBe(302);
    expect(remix.status).toBe(302);
    expect(fast.headers.get("location")).toBe(remix.headers.get("location"));
    expect(comparableHeaders(fast)).toEqual(comparableHeaders(remix));
    expect(await fast.text()).toBe(await remix.text());
  });

  it("answers the page's own submission with JavaScript (Remix's data request) as Remix does", async () => {
    const data = `${page}?_data=${encodeURIComponent(ROUTE_ID)}`;
    const fields = signerFields();
    const fast = await bypass.post(data, fields);
    expect(fast.status).toBe(204);
    expect(await stored(fields.email)).toHaveLength(1);
    // Another parameter after it sends the same submission to the route's action.
    const viaRemix = await app.post(`${data}&then=remix`, signerFields());
    const viaFast = await app.post(data, signerFields());
    expect(viaRemix.status).toBe(204);
    expect(comparableHeaders(viaFast)).toEqual(comparableHeaders(viaRemix));
    expect(viaFast.headers.get("x-remix-redirect")).toBe(`${page}/thanks`);
  });

  it("stores a repeat signing once and queues a reminder, not a second row", async () => {
    const fields = signerFields();
    expect((await bypass.post(page, fields)).status).toBe(302);
    await database.db.updateTable("signatures").set({ last_emailed_at: new Date(Date.now() - 3_600_000) }).where("email", "=", fields.email).execute();
    expect((await bypass.post(page, fields)).status).toBe(302);
    const rows = await stored(fields.email);
    expect(rows).toHaveLength(1);
    expect(await smtp.waitFor((mail) => mail.to === fields.email, 2)).toHaveLength(2);
  });

  it("takes a filled honeypot quietly: the thank-you page, nothing stored", async () => {
    const fields = signerFields({ website: "http://spam.example" });
    const res = await bypass.post(page, fields);
    expect(res.status).toBe(302);
    expect(await stored(fields.email)).toHaveLength(0);
  });

  it("hands an invalid form to the route's action with the body it read, which shows the errors and what was typed", async () => {
    const fields = signerFields({ email: "not-an-email", firstName: "Zoë" });
    expect((await bypass.post(page, fields)).status).toBe(418);
    const res = await app.post(page, fields);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("not-an-email");
    expect(html).toContain("Zoë");
    expect(await stored("not-an-email")).toHaveLength(0);
  });

  it("leaves to Remix what it does not answer: another query, multipart, a closed or unknown petition", async () => {
    expect((await bypass.post(`${page}?index`, signerFields())).status).toBe(418);
    const multipart = new FormData();
    for (const [name, value] of Object.entries(signerFields())) multipart.set(name, value);
    const sent = await fetch(bypass.url + page, { method: "POST", redirect: "manual", headers: { Origin: bypass.url }, body: multipart });
    expect(sent.status).toBe(418);
    expect((await bypass.post("/petitions/no-such-petition", signerFields())).status).toBe(418);

    await insertPetition(database.db, { slug: "a-closed-petition", status: "closed", title: "Closed" });
    const fields = signerFields();
    expect((await bypass.post("/petitions/a-closed-petition", fields)).status).toBe(418);
    expect((await app.post("/petitions/a-closed-petition", fields)).status).toBe(409);
    expect(await stored(fields.email)).toHaveLength(0);
  });

  it("refuses a form sent from another site before it, storing nothing", async () => {
    const fields = signerFields();
    const res = await bypass.post(page, fields, { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await stored(fields.email)).toHaveLength(0);
  });
});
