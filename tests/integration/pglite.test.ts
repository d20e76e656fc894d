import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";

// The embedded default: no DATABASE_URL, REDIS_URL or SMTP_URL. PGlite in a data
// directory, jobs in the web process, and mail in the dev mailbox at /dev/mail.

let dataDir: string;
let app: TestApp;
const page = `/petitions/${SEEDED_PETITION}`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "sanctuary-pglite-"));
  app = await startTestApp({ DATA_DIR: dataDir });
});

afterAll(async () => {
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function count(): Promise<number> {
  const res = await app.get(`/api/petitions/${SEEDED_PETITION}`);
  return ((await res.json()) as { signatureCount: number }).signatureCount;
}

/** The dev mailbox row for an address, once the in-process runner has "sent" it. */
async function devMailTo(email: string) {
  const db = app.services.db;
  await waitUntil(
    async () => (await db.selectFrom("dev_mail").select("id").where("to_address", "=", email).executeTakeFirst()) !== undefined,
    15_000,
    `mail to ${email}`,
  );
  return db.selectFrom("dev_mail").selectAll().where("to_address", "=", email).execute();
}

function decodeHtml(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"');
}

describe("the embedded default (PGlite, in-process jobs, dev mailbox)", () => {
  it("runs on PGlite with the seeded petition, in-process jobs and the dev mailer", async () => {
    expect(app.services.dbKind).toBe("pglite");
    expect(app.services.jobs).not.toBeNull();
    expect(app.services.mailer.kind).toBe("dev");
    const res = await app.get(page);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Tell Your Mayor to Defy Trump");
  });

  it("signs, shows the confirmation email in /dev/mail, confirms from its link, and counts", async () => {
    const before = await count();
    const email = "embedded.signer@example.com";
    const res = await app.post(page, signerFields({ email }));
    expect(res.status).toBe(302);

    const [mail] = await devMailTo(email);
    expect(mail.subject).toBe("Confirm your signature: Tell Your Mayor to Defy Trump, Expand Sanctuary");
    const link = /https?:\/\/\S+\/confirm\/[\w-]+\?lang=en/.exec(mail.text)?.[0];
    expect(link).toBeDefined();

    const list = await app.get("/dev/mail");
    expect(list.status).toBe(200);
    const listHtml = decodeHtml(await list.text());
    expect(listHtml).toContain(email);
    expect(listHtml).toContain(`href="/dev/mail/${mail.id}"`);
    expect(listHtml).toContain(mail.subject);

    const shown = await app.get(`/dev/mail/${mail.id}`);
    expect(shown.status).toBe(200);
    const shownHtml = decodeHtml(await shown.text());
    expect(shownHtml).toContain(mail.subject);
    expect(shownHtml).toContain(link!);
    expect((await app.get("/dev/mail/999999")).status).toBe(404);

    expect(await count()).toBe(before);
    const confirmed = await app.post(new URL(link!).pathname, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Your signature is confirmed");
    expect(await count()).toBe(before + 1);
  });

  it("sends the Spanish email to a Spanish-speaking signer and confirms it", async () => {
    const before = await count();
    const email = "firmante.embebido@example.com";
    expect((await app.post(page, signerFields({ email }), { "Accept-Language": "es" })).status).toBe(302);
    const [mail] = await devMailTo(email);
    expect(mail.subject).toMatch(/^Confirme su firma: Dígale a su alcalde/);
    const link = /https?:\/\/\S+\/confirm\/[\w-]+\?lang=es/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    const shown = decodeHtml(await (await app.get(`/dev/mail/${mail.id}`)).text());
    expect(shown).toContain(link!);
    const confirmed = await app.post(new URL(link!).pathname + "?lang=es", {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Su firma está confirmada");
    expect(await count()).toBe(before + 1);
  });
});
