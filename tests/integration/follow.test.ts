import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashAddress } from "../../app/lib/address-hash";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import { confirmLink, startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
const CAMPAIGN = "sanctuary-campus-movement";
const page = `/campaigns/${CAMPAIGN}`;

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

/** The follow confirmation link in an email's text part. */
function followLink(mail: CapturedMail): string {
  const match = /https?:\/\/\S+\/follow\/[\w-]+(\?lang=\w+)?/.exec(mail.text);
  if (!match) throw new Error("no follow link in the email");
  return match[0];
}

const pathOf = (link: string) => new URL(link).pathname;

async function campaignId(slug: string): Promise<number> {
  const row = await database.db.selectFrom("campaigns").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
  return row.id;
}

/** The follow of an address (by normalized email) on a campaign, or undefined. */
async function followOf(emailNormalized: string, slug = CAMPAIGN) {
  return database.db
    .selectFrom("follows as f")
    .innerJoin("subscribers as s", "s.id", "f.subscriber_id")
    .select(["f.id", "f.status", "f.source", "f.emails_sent", "f.confirmed_at", "s.id as subscriberId", "s.first_name", "s.locale", "s.postal_code"])
    .where("s.email_normalized", "=", emailNormalized)
    .where("f.campaign_id", "=", await campaignId(slug))
    .executeTakeFirst();
}

async function tableCounts() {
  const subscribers = await database.db.selectFrom("subscribers").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  const follows = await database.db.selectFrom("follows").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  return { subscribers: Number(subscribers.n), follows: Number(follows.n) };
}

/** Pretends the last email about every follow went out long ago, so the reminder cooldown has passed. */
async function pastFollowCooldown() {
  await database.db.updateTable("follows").set({ last_emailed_at: new Date(Date.now() - 3_600_000) }).execute();
}

/** Waits for the outbox to drain, then gives the mail a moment to land, so "no more email" can be asserted. */
async function settle() {
  await waitUntil(async () => {
    const pending = await database.db.selectFrom("outbox").select("id").where("status", "=", "pending").where("kind", "=", "follow.confirmation").execute();
    return pending.length === 0;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.toLowerCase() === email.toLowerCase());

describe("following a campaign", () => {
  it("shows the follow form on the campaign page", async () => {
    const res = await app.get(page);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Follow this campaign");
    expect(html).toMatch(/<input id="follow-email" name="email" type="email"/);
    expect(html).toContain('name="firstName"');
    expect(html).toContain('name="postalCode"');
    expect(html).toContain('name="website"');
  });

  it("follows with double opt-in: one email in the chosen language, a button on GET, confirmed on POST", async () => {
    const email = "lucia.follow@example.com";
    const res = await app.post(page, { email, firstName: "Lucía", postalCode: "94110" }, { "Accept-Language": "es" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page}/following`);

    const following = await app.get(`${page}/following`, { "Accept-Language": "es" });
    expect(following.status).toBe(200);
    expect(await following.text()).toContain("Casi listo: revise su correo");

    const [mail] = await smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toMatch(/^Confirme que quiere seguir: /);
    expect(mail.text).toContain("Hola, Lucía:");
    expect(mail.html).toContain('<html lang="es">');
    expect(mail.text).toMatch(/\/preferences\/\d+\.[\w-]+\?lang=es/);
    const link = followLink(mail);
    expect(link).toContain("lang=es");
    expect(mail.html).toContain(pathOf(link));

    const row = await followOf(email);
    expect(row).toMatchObject({ status: "pending", source: "form", first_name: "Lucía", locale: "es", postal_code: "94110" });
    // The token is stored only as a hash.
    const token = pathOf(link).split("/follow/")[1];
    const stored = await database.db.selectFrom("follow_tokens").select("token_hash").where("follow_id", "=", row!.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toBe(token);

    // Opening the link (as a mail scanner would) confirms nothing.
    const shown = await app.get(pathOf(link), { "Accept-Language": "es" });
    expect(shown.status).toBe(200);
    expect(shown.headers.get("cache-control")).toBe("no-store");
    expect(shown.headers.get("referrer-policy")).toBe("no-referrer");
    const shownHtml = await shown.text();
    expect(shownHtml).toContain("Sí, seguir esta campaña");
    expect(shownHtml).toMatch(/<form method="post"/);
    expect((await followOf(email))!.status).toBe("pending");

    const confirmed = await app.post(pathOf(link), {}, { "Accept-Language": "es" });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Ahora sigue");
    const after = await followOf(email);
    expect(after!.status).toBe("confirmed");
    expect(after!.confirmed_at).not.toBeNull();

    const again = await app.post(pathOf(link), {});
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("You already follow this campaign");
    await settle();
    expect(mailsTo(email)).toHaveLength(1);
  });

  it("answers a repeat follow exactly as a first one, reveals nothing, and keeps within 5 emails a follow", async () => {
    const email = "repeat.follower@example.com";
    const fresh = await app.post(page, { email: "someone.new@example.com" });
    const freshBody = await fresh.text();
    const first = await app.post(page, { email });
    await smtp.waitFor((m) => m.to === email);
    const before = await tableCounts();
    for (let i = 0; i < 6; i++) {
      await pastFollowCooldown();
      const again = await app.post(page, { email: email.toUpperCase(), firstName: "Mallory" });
      expect(again.status).toBe(first.status);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(again.headers.get("location")).toBe(fresh.headers.get("location"));
      expect(await again.text()).toBe(freshBody);
    }
    expect(await tableCounts()).toEqual(before);
    // A stranger's request does not rename the person.
    expect((await followOf(email))!.first_name).toBeNull();
    await smtp.waitFor((m) => m.to.toLowerCase() === email, 5);
    await settle();
    const mails = mailsTo(email);
    expect(mails).toHaveLength(5);
    expect(mails[0].subject).toMatch(/^Confirm that you want to follow/);
    expect(mails.slice(1).every((m) => /^You have not confirmed yet/.test(m.subject))).toBe(true);
    expect(mails.every((m) => !m.text.includes("Mallory"))).toBe(true);
    expect((await followOf(email))!.status).toBe("pending");
  });

  it("turns a burst of identical follows into one email, and tells a confirmed follower they already follow", async () => {
    const email = "burst.follower@example.com";
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.post(page, { email })));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(302));
    const [mail] = await smtp.waitFor((m) => m.to === email);
    await settle();
    expect(mailsTo(email)).toHaveLength(1);

    await app.post(pathOf(followLink(mail)), {});
    expect((await followOf(email))!.status).toBe("confirmed");
    // Within the cooldown: same page, no email.
    const soon = await app.post(page, { email });
    expect(soon.headers.get("location")).toBe(`${page}/following`);
    await settle();
    expect(mailsTo(email)).toHaveLength(1);

    await pastFollowCooldown();
    const later = await app.post(page, { email });
    expect(later.headers.get("location")).toBe(`${page}/following`);
    const mails = await smtp.waitFor((m) => m.to === email, 2);
    expect(mails[1].subject).toBe("You already follow: Sanctuary Campus Movement");
    expect(mails[1].text).not.toMatch(/\/follow\//);
    expect(mails[1].text).toMatch(/\/unsubscribe\/\d+\.\d+\.[\w-]+/);
    expect(mails[1].text).toMatch(/\/preferences\/\d+\.[\w-]+/);
    expect((await followOf(email))!.status).toBe("confirmed");
  });

  it("answers bad input with 422, a message per field in the visitor's language and what was typed, and stores nothing", async () => {
    const before = await tableCounts();
    const res = await app.post(page, { email: "not-an-email", firstName: "x".repeat(101), postalCode: "123" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter an email address like name@example.com");
    expect(html).toContain("Your first name must be 100 characters or fewer");
    expect(html).toContain("Enter a ZIP code of 5 digits");
    expect(html).toContain('value="not-an-email"');
    expect(html).toMatch(/aria-describedby="[^"]*follow-email-error/);

    const spanish = await app.post(page, { email: "", postalCode: "9411" }, { "Accept-Language": "es" });
    expect(spanish.status).toBe(422);
    const es = await spanish.text();
    expect(es).toContain("Escriba su correo electrónico");
    expect(es).toContain("Escriba un código postal de 5 dígitos");

    expect((await app.post(page, { email: "ana@example.com", firstName: "Ana\u202e" })).status).toBe(422);
    expect(await tableCounts()).toEqual(before);
  });

  it("accepts ZIP+4 and leaves optional fields empty", async () => {
    expect((await app.post(page, { email: "zip4@example.com", postalCode: "941101234" })).status).toBe(302);
    expect((await followOf("zip4@example.com"))!.postal_code).toBe("94110-1234");
    expect((await app.post(page, { email: "bare@example.com", firstName: "", postalCode: "" })).status).toBe(302);
    expect(await followOf("bare@example.com")).toMatchObject({ first_name: null, postal_code: null });
  });

  it("quietly drops a bot that fills the honeypot", async () => {
    const before = await tableCounts();
    const res = await app.post(page, { email: "bot@example.com", website: "http://spam.example" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page}/following`);
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a cross-site follow with 403 and stores nothing", async () => {
    const before = await tableCounts();
    const res = await app.post(page, { email: "csrf@example.com" }, { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await tableCounts()).toEqual(before);
  });

  it("shows 404 for unknown campaigns and forged or unknown follow links", async () => {
    expect((await app.get("/campaigns/no-such-campaign")).status).toBe(404);
    expect((await app.post("/campaigns/no-such-campaign", { email: "a@example.com" })).status).toBe(404);
    expect((await app.get("/campaigns/no-such-campaign/following")).status).toBe(404);
    const forged = "/follow/forged-token-that-is-long-enough-1234567890";
    const shown = await app.get(forged);
    expect(shown.status).toBe(404);
    expect(await shown.text()).toContain("This link is not valid");
    expect((await app.post(forged, {})).status).toBe(404);
    expect((await app.get("/follow/short")).status).toBe(404);
  });

  it("lets an expired link ask for a new one, within the email budget", async () => {
    const email = "late.follower@example.com";
    await app.post(page, { email });
    const [mail] = await smtp.waitFor((m) => m.to === email);
    const follow = await followOf(email);
    await database.db.updateTable("follow_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("follow_id", "=", follow!.id).execute();
    await pastFollowCooldown();
    const path = pathOf(followLink(mail));
    expect(await (await app.get(path)).text()).toContain("This link has expired");
    expect(await (await app.post(path, {})).text()).toContain("This link has expired");
    expect((await followOf(email))!.status).toBe("pending");
    expect(await (await app.post(path, { intent: "resend" })).text()).toContain("sent a new link");
    const mails = await smtp.waitFor((m) => m.to === email, 2);
    expect(await (await app.post(pathOf(followLink(mails[1])), {})).text()).toContain("You now follow");
    expect((await followOf(email))!.status).toBe("confirmed");
  });

  it("puts a follower who had unsubscribed back to pending when they ask again", async () => {
    const email = "came.back@example.com";
    await app.post(page, { email });
    const [mail] = await smtp.waitFor((m) => m.to === email);
    await app.post(pathOf(followLink(mail)), {});
    const follow = await followOf(email);
    await database.db.updateTable("follows").set({ status: "unsubscribed", unsubscribed_at: new Date() }).where("id", "=", follow!.id).execute();
    // The old link does not sign them up again.
    expect(await (await app.post(pathOf(followLink(mail)), {})).text()).toContain("You stopped following this campaign");
    expect((await followOf(email))!.status).toBe("unsubscribed");

    await pastFollowCooldown();
    await app.post(page, { email });
    expect((await followOf(email))!.status).toBe("pending");
    const mails = await smtp.waitFor((m) => m.to === email, 2);
    expect(mails[1].subject).toMatch(/^Confirm that you want to follow/);
    await app.post(pathOf(followLink(mails[1])), {});
    expect((await followOf(email))!.status).toBe("confirmed");
  });

  it("gives a person whose data was erased a new subscriber row when they follow again", async () => {
    const erased = await database.db
      .insertInto("subscribers")
      .values({ email: null, email_normalized: null, status: "erased", erased_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    const email = "erased.once@example.com";
    await app.post(page, { email });
    const follow = await followOf(email);
    expect(follow!.subscriberId).not.toBe(erased.id);
    await smtp.waitFor((m) => m.to === email);
  });

  it("answers an address known to be undeliverable with the same page, and mails it nothing", async () => {
    const email = "bounced.before@example.com";
    await database.db.insertInto("undeliverable_addresses").values({ email_hash: hashAddress(email), reason: "smtp 550" }).execute();
    const res = await app.post(page, { email });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page}/following`);
    expect((await followOf(email))!.status).toBe("pending");
    await settle();
    expect(mailsTo(email)).toHaveLength(0);
  });

  it("keeps personal data out of the outbox", async () => {
    const rows = await database.db.selectFrom("outbox").select("payload").where("kind", "=", "follow.confirmation").execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row.payload)).toMatch(/^\{"followId":\d+\}$/);
  });
});

describe("signers who ask for updates", () => {
  const petitionPage = `/petitions/${SEEDED_PETITION}`;
  const HOME = "sanctuary-cities-and-counties";

  async function signAndConfirm(fields: Record<string, string>) {
    expect((await app.post(petitionPage, fields)).status).toBe(302);
    const [mail] = await smtp.waitFor((m) => m.to === fields.email && m.text.includes("/confirm/"));
    expect(await (await app.post(pathOf(confirmLink(mail)), {})).text()).toContain("Your signature is confirmed");
  }

  it("makes an opt-in signer a confirmed follower of the petition's campaign once they confirm, and not before", async () => {
    const fields = signerFields({ email: "signer.optin@example.com", firstName: "Rosa", optIn: "on" });
    await app.post(petitionPage, fields, { "Accept-Language": "es" });
    const [mail] = await smtp.waitFor((m) => m.to === fields.email);
    expect(await followOf(fields.email, HOME)).toBeUndefined();
    await app.post(pathOf(confirmLink(mail)), {});
    const follow = await followOf(fields.email, HOME);
    expect(follow).toMatchObject({ status: "confirmed", source: "signature", first_name: "Rosa", locale: "es", postal_code: "94110" });
    expect(follow!.confirmed_at).not.toBeNull();
    // No follow confirmation email: the signature's confirmation proved the address.
    await settle();
    expect(mailsTo(fields.email)).toHaveLength(1);
  });

  it("does not make a signer who did not opt in a follower", async () => {
    const fields = signerFields({ email: "signer.no.optin@example.com" });
    await signAndConfirm(fields);
    expect(await followOf(fields.email, HOME)).toBeUndefined();
  });

  it("confirms a pending follow of the same address, and re-subscribes only on an opt-in newer than the unsubscribe", async () => {
    const email = "signer.follower@example.com";
    await app.post(`/campaigns/${HOME}`, { email });
    await smtp.waitFor((m) => m.to === email);
    expect((await followOf(email, HOME))!.status).toBe("pending");
    await signAndConfirm(signerFields({ email, optIn: "on" }));
    expect(await followOf(email, HOME)).toMatchObject({ status: "confirmed" });

    // Unsubscribed, then a new opt-in on another petition of the campaign: following again.
    const follow0 = await followOf(email, HOME);
    await database.db
      .updateTable("follows")
      .set({ status: "unsubscribed", unsubscribed_at: new Date(Date.now() - 3_600_000) })
      .where("id", "=", follow0!.id)
      .execute();
    const other = "/petitions/mayors-dontgivein-expand-sanctuary";
    expect((await app.post(other, signerFields({ email, optIn: "on" }))).status).toBe(302);
    const [otherMail] = await smtp.waitFor((m) => m.to === email && m.text.includes("/confirm/") && m.subject.includes("DontGiveIn"));
    await app.post(pathOf(confirmLink(otherMail)), {});
    expect(await followOf(email, HOME)).toMatchObject({ status: "confirmed", source: "signature" });

    // A signature ticked before the person unsubscribed must not undo their "stop".
    const older = "stale.optin@example.com";
    const stale = signerFields({ email: older, optIn: "on" });
    await app.post(petitionPage, stale);
    const [staleMail] = await smtp.waitFor((m) => m.to === older);
    await app.post(`/campaigns/${HOME}`, { email: older });
    const [followMail] = await smtp.waitFor((m) => m.to === older && m.subject.startsWith("Confirm that you want to follow"));
    await app.post(pathOf(followLink(followMail)), {});
    const follow = await followOf(older, HOME);
    await database.db
      .updateTable("follows")
      .set({ status: "unsubscribed", unsubscribed_at: new Date() })
      .where("id", "=", follow!.id)
      .execute();
    await app.post(pathOf(confirmLink(staleMail)), {});
    expect((await followOf(older, HOME))!.status).toBe("unsubscribed");
  });
});
