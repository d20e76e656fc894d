import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { pastCooldown, SEEDED_PETITION, signaturesOf, signerFields, waitUntil } from "../support/factories";
import { confirmLink, startSmtpSink, type SmtpSink } from "../support/smtp";

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
const page = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

async function count(): Promise<number> {
  const res = await app.get(`/api/petitions/${SEEDED_PETITION}`);
  return ((await res.json()) as { signatureCount: number }).signatureCount;
}

describe("signing a petition on Postgres with real SMTP", () => {
  it("signs, emails a confirmation link, confirms on POST, and counts only then", async () => {
    const before = await count();
    const fields = signerFields({ email: "Maria.Perez@Example.com" });
    const res = await app.post(page, fields);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page}/thanks`);

    const [mail] = await smtp.waitFor((m) => m.to.toLowerCase() === "maria.perez@example.com");
    expect(mail.subject).toContain("Tell Your Mayor");
    const link = confirmLink(mail);
    expect(mail.html).toContain(link.replace(app.url, "").split("?")[0]);

    const rows = await signaturesOf(database.db);
    const row = rows.find((r) => r.email === "Maria.Perez@Example.com")!;
    expect(row.status).toBe("pending");
    expect(row).toMatchObject({ city: "San Francisco", state: "CA", zip5: "94110", email_normalized: "maria.perez@example.com" });
    // The token is stored only as a hash.
    const token = link.split("/confirm/")[1].split("?")[0];
    const stored = await database.db.selectFrom("signature_tokens").select("token_hash").execute();
    expect(stored.map((t) => t.token_hash)).not.toContain(token);
    expect(await count()).toBe(before);

    // Opening the link (as a mail scanner would) confirms nothing.
    const shown = await app.get(new URL(link).pathname);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain("Confirm my signature");
    expect((await signaturesOf(database.db)).find((r) => r.id === row.id)!.status).toBe("pending");

    const confirmed = await app.post(new URL(link).pathname, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Your signature is confirmed");
    expect(await count()).toBe(before + 1);

    const again = await app.post(new URL(link).pathname, {});
    expect(await again.text()).toContain("already confirmed");
    expect(await count()).toBe(before + 1);

    // The petition page shows first name, last initial and city, never the email.
    const html = await (await app.get(page)).text();
    expect(html).toContain("Ana L.");
    expect(html).toContain("San Francisco");
    expect(html).not.toContain("Maria.Perez@Example.com");
    expect(html).not.toContain("López");
  });

  it("gives the same page for a repeat signing, adds no row, and sends a reminder instead, at most 5 emails in all", async () => {
    const email = "repeat.signer@example.com";
    const first = await app.post(page, signerFields({ email }));
    const rowsAfterFirst = (await signaturesOf(database.db)).length;
    await smtp.waitFor((m) => m.to === email);
    for (let i = 0; i < 6; i++) {
      await pastCooldown(database.db);
      const again = await app.post(page, signerFields({ email: email.toUpperCase() }));
      expect(again.status).toBe(first.status);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
    }
    expect((await signaturesOf(database.db)).length).toBe(rowsAfterFirst);
    await smtp.waitFor((m) => m.to.toLowerCase() === email, 5);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const mails = smtp.messages.filter((m) => m.to.toLowerCase() === email);
    expect(mails).toHaveLength(5);
    expect(mails.slice(1).every((m) => confirmLink(m))).toBe(true);
  });

  it("turns 20 identical submissions at once into one row and one confirmation email", async () => {
    const fields = signerFields({ email: "burst@example.com" });
    const responses = await Promise.all(Array.from({ length: 20 }, () => app.post(page, fields)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(302));
    const rows = (await signaturesOf(database.db)).filter((r) => r.email === "burst@example.com");
    expect(rows).toHaveLength(1);
    await smtp.waitFor((m) => m.to === "burst@example.com");
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(smtp.messages.filter((m) => m.to === "burst@example.com")).toHaveLength(1);
  });

  it("answers bad input with 422, a message per field and what was typed, and stores nothing", async () => {
    const before = (await signaturesOf(database.db)).length;
    const res = await app.post(page, { firstName: "Ana", lastName: "", email: "not-an-email", postalCode: "123", comment: "x".repeat(1001) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter your last name");
    expect(html).toContain("Enter an email address like name@example.com");
    expect(html).toContain("Enter a ZIP code of 5 digits");
    expect(html).toContain("1,000 characters or fewer");
    expect(html).toContain('value="not-an-email"');
    expect(html).toMatch(/aria-describedby="[^"]*email-error/);
    expect((await signaturesOf(database.db)).length).toBe(before);
  });

  it("rejects control characters in names", async () => {
    const res = await app.post(page, signerFields({ firstName: "Ana\u0007" }));
    expect(res.status).toBe(422);
  });

  it("refuses a cross-site post with 403 and stores nothing", async () => {
    const before = (await signaturesOf(database.db)).length;
    const res = await app.post(page, signerFields(), { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect((await signaturesOf(database.db)).length).toBe(before);
  });

  it("quietly drops a bot that fills the honeypot", async () => {
    const before = (await signaturesOf(database.db)).length;
    const res = await app.post(page, { ...signerFields(), website: "http://spam.example" });
    expect(res.status).toBe(302);
    expect((await signaturesOf(database.db)).length).toBe(before);
  });

  it("answers a malformed body or wrong content type with a 4xx, never a 500", async () => {
    const broken = await fetch(app.url + page, {
      method: "POST",
      headers: { Origin: app.url, "Content-Type": "multipart/form-data; boundary=xyz" },
      body: "--xyz\r\nContent-Disposition: form-data; name=\"firstName\"\r\n\r\nAna",
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    const json = await fetch(app.url + page, { method: "POST", headers: { Origin: app.url, "Content-Type": "application/json" }, body: "{}" });
    expect(json.status).toBe(415);
  });

  it("records where the signer came from and the consent wording when they opt in", async () => {
    const email = "tracked@example.com";
    await app.post(`${page}?source=share`, { ...signerFields({ email }), optIn: "on", source: "share", utm_campaign: "spring" });
    const row = (await signaturesOf(database.db)).find((r) => r.email === email)!;
    expect(row.source).toBe("share");
    expect(row.utm).toEqual({ utm_campaign: "spring" });
    expect(row.opt_in).toBe(true);
    expect(row.consent_text).toContain("Email me updates");
    expect(row.consent_at).not.toBeNull();
  });

  it("leaves optIn unchecked by default and accepts an unknown ZIP that reaches no official", async () => {
    const html = await (await app.get(page)).text();
    expect(html).toMatch(/<input id="optIn" name="optIn" type="checkbox"\/>/);
    const email = "nowhere@example.com";
    expect((await app.post(page, signerFields({ email, postalCode: "00000" }))).status).toBe(302);
    const row = (await signaturesOf(database.db)).find((r) => r.email === email)!;
    expect(row.city).toBeNull();
  });

  it("speaks Spanish from Accept-Language, in the page and in the email", async () => {
    const html = await (await app.get(page, { "Accept-Language": "es-MX,es;q=0.9,en;q=0.5" })).text();
    expect(html).toContain('lang="es"');
    expect(html).toContain("Firmar la petición");
    const email = "lucia@example.com";
    await app.post(page, signerFields({ email }), { "Accept-Language": "es" });
    const [mail] = await smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toMatch(/Confirme su firma/);
    expect(confirmLink(mail)).toContain("lang=es");
  });

  it("switches language with the language switcher (cookie)", async () => {
    const res = await app.post("/locale", { locale: "es", returnTo: page });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(page);
    const cookie = res.headers.get("set-cookie")!.split(";")[0];
    const html = await (await app.get(page, { Cookie: cookie })).text();
    expect(html).toContain("Firme esta petición");
    const evil = await app.post("/locale", { locale: "es", returnTo: "//evil.example" });
    expect(evil.headers.get("location")).toBe("/");
  });

  it("shows 404 pages for unknown petitions, campaigns and tokens", async () => {
    expect((await app.get("/petitions/no-such-petition")).status).toBe(404);
    expect((await app.get("/campaigns/no-such-campaign")).status).toBe(404);
    expect((await app.get("/api/petitions/no-such-petition")).status).toBe(404);
    expect((await app.get("/confirm/not-a-real-token-at-all-123456")).status).toBe(404);
    expect((await app.get("/no/such/page")).status).toBe(404);
  });

  it("lets an expired link ask for a new one", async () => {
    const email = "late@example.com";
    await app.post(page, signerFields({ email }));
    const [mail] = await smtp.waitFor((m) => m.to === email);
    await database.db.updateTable("signature_tokens").set({ expires_at: new Date(Date.now() - 1000) }).execute();
    await pastCooldown(database.db);
    const path = new URL(confirmLink(mail)).pathname;
    expect(await (await app.get(path)).text()).toContain("This link has expired");
    expect(await (await app.post(path, {})).text()).toContain("This link has expired");
    expect(await (await app.post(path, { intent: "resend" })).text()).toContain("sent a new link");
    const mails = await smtp.waitFor((m) => m.to === email, 2);
    const fresh = new URL(confirmLink(mails[1])).pathname;
    expect(await (await app.post(fresh, {})).text()).toContain("Your signature is confirmed");
  });

  it("serves the count API with a short public cache", async () => {
    const res = await app.get(`/api/petitions/${SEEDED_PETITION}`);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d/);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(["goal", "signatureCount", "slug", "status", "title"]);
    expect(body.status).toBe("open");
  });

  it("sends the signature to the outbox in the same transaction, holding ids only", async () => {
    await waitUntil(async () => {
      const pending = await database.db.selectFrom("outbox").select("id").where("status", "=", "pending").execute();
      return pending.length === 0;
    });
    const rows = await database.db.selectFrom("outbox").select(["kind", "payload", "status"]).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(JSON.stringify(row.payload)).not.toMatch(/@|Ana|López/);
      expect(row.status).toBe("done");
    }
  });
});
