import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { hashAddress } from "../../app/lib/address-hash";
import { scheduleDueDeliveries } from "../../app/models/deliveries.server";
import { createMailer, isPermanentMailError } from "../../emails/transport";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { petitionId, SEEDED_PETITION, signerFields, waitUntil } from "../support/factories";
import { testJobDeps } from "../support/jobs";
import { addFollower, CAMPUS, preferencesPath } from "../support/subscribers";

// Permanent SMTP refusals: the address is remembered as a hash and nothing more is sent to it.

const REFUSED = "bounce.me@example.com";
const RELAY_DENIED = "relay.denied@example.com";
const DEFERRED = "try.later@example.com";
const SF_MAYOR = "mayor.san-francisco-ca@example.org";
const SF_SHERIFF = "sheriff.san-francisco-ca@example.org";

/** Every RCPT TO the server saw, accepted or not, lower-cased. */
const rcpts: string[] = [];
const delivered: string[] = [];
let server: SMTPServer;
let smtpUrl: string;
let database: TestDatabase;
let app: TestApp;

function reply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

beforeAll(async () => {
  // Enhanced status codes are written into each reply by hand, as real servers send them.
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    hideENHANCEDSTATUSCODES: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      rcpts.push(to);
      // Real servers quote the address in the reply; it must not reach a log or the outbox.
      if (to === REFUSED) return callback(reply(550, `5.1.1 <${address.address}>: Recipient address rejected: no such user`));
      if (to === RELAY_DENIED) return callback(reply(550, `5.7.1 <${address.address}>: Relay access denied`));
      if (to === DEFERRED) return callback(reply(451, `4.2.0 <${address.address}>: try again later`));
      callback();
    },
    onData(stream, session, callback) {
      stream.on("data", () => undefined);
      stream.on("end", () => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtpUrl });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

let logged: ReturnType<typeof vi.spyOn>[] = [];
beforeEach(() => {
  logged = [vi.spyOn(console, "warn"), vi.spyOn(console, "log"), vi.spyOn(console, "info")];
});
afterEach(() => {
  for (const spy of logged) spy.mockRestore();
});

/** Everything logged during the test, as one string. */
function logs(): string {
  return logged.flatMap((spy) => spy.mock.calls.map((args: unknown[]) => args.map(String).join(" "))).join("\n");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function outboxRows(kind: string) {
  return database.db.selectFrom("outbox").selectAll().where("kind", "=", kind).orderBy("id").execute();
}

describe("bounces", () => {
  it("records a permanent refusal as a hash, marks the subscriber undeliverable, and attempts nothing more to the address", async () => {
    const { subscriberId } = await addFollower(database.db, { email: "Bounce.Me@Example.com", follows: { [CAMPUS]: "confirmed" } });
    expect((await app.post("/preferences?index", { email: REFUSED })).status).toBe(200);
    await waitUntil(async () => (await outboxRows("subscriber.preferences-link")).some((r) => r.status === "failed"), 15_000, "the refusal");
    expect(rcpts.filter((to) => to === REFUSED)).toHaveLength(1);
    expect(delivered).not.toContain(REFUSED);

    const stored = await database.db.selectFrom("undeliverable_addresses").selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0].email_hash).toBe(createHash("sha256").update(REFUSED).digest("hex"));
    expect(stored[0].reason).toBe("smtp 550");
    expect(JSON.stringify(stored).toLowerCase()).not.toContain("bounce");
    const subscriber = await database.db.selectFrom("subscribers").selectAll().where("id", "=", subscriberId).executeTakeFirstOrThrow();
    expect(subscriber.status).toBe("undeliverable");
    expect(subscriber.undeliverable_at).not.toBeNull();
    const [failed] = await outboxRows("subscriber.preferences-link");
    expect(failed.last_error).toContain("550");
    expect(failed.last_error!.toLowerCase()).not.toContain("bounce");

    // Signing a petition with the address (typed differently) stores the signature but sends nothing.
    const rcptsBefore = rcpts.length;
    expect((await app.post(`/petitions/${SEEDED_PETITION}`, signerFields({ email: "BOUNCE.ME@example.com" }))).status).toBe(302);
    await waitUntil(async () => (await outboxRows("signature.confirmation")).some((r) => r.status === "failed"), 15_000, "the suppressed confirmation");
    const [suppressed] = await outboxRows("signature.confirmation");
    expect(suppressed.last_error).toContain("ESUPPRESSED");
    expect(suppressed.attempts).toBeLessThanOrEqual(1);

    // Asking for a preferences link again queues nothing for an undeliverable subscriber.
    await app.post("/preferences?index", { email: REFUSED });
    await sleep(500);
    expect(await outboxRows("subscriber.preferences-link")).toHaveLength(1);
    expect(rcpts.slice(rcptsBefore)).not.toContain(REFUSED);

    // The person's page says why mail stopped.
    expect(await (await app.get(preferencesPath(subscriberId))).text()).toContain("could not be delivered");

    expect(logs()).toContain("failed for good");
    expect(logs().toLowerCase()).not.toContain("bounce");
  });

  it("refuses any kind of email to a recorded address without talking to the server, as a permanent error", async () => {
    const mailer = createMailer({ smtpUrl, from: "Sanctuary <no-reply@example.org>", db: database.db });
    const deps = testJobDeps({ db: database.db, mailer, appUrl: app.url });
    try {
      const before = rcpts.length;
      const error = await deps.mailer
        .send({ to: "Bounce.Me@EXAMPLE.com", subject: "An update", html: "<p>x</p>", text: "x" })
        .then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: "ESUPPRESSED" });
      expect(isPermanentMailError(error)).toBe(true);
      expect((error as Error).message.toLowerCase()).not.toContain("bounce");
      await deps.mailer.send({ to: "someone.else@example.com", subject: "An update", html: "<p>x</p>", text: "x" });
      expect(rcpts.slice(before)).toEqual(["someone.else@example.com"]);
    } finally {
      await deps.close();
      await mailer.close();
    }
  });

  it("sends no digest to an official whose address was refused for good, and the others still get theirs", async () => {
    await database.db.insertInto("undeliverable_addresses").values({ email_hash: hashAddress(SF_MAYOR), reason: "smtp 550" }).execute();
    const petition = await petitionId(database.db, "mayors-dontgivein-expand-sanctuary");
    await database.db
      .insertInto("signatures")
      .values({
        petition_id: petition,
        first_name: "Nora",
        last_name: "Digest",
        email: "nora.digest@example.com",
        email_normalized: "nora.digest@example.com",
        postal_code: "94110",
        zip5: "94110",
        city: "San Francisco",
        state: "CA",
        locale: "en",
        status: "confirmed",
        confirmed_at: sql<Date>`now()`,
      })
      .execute();
    const before = rcpts.length;
    await scheduleDueDeliveries(database.db, 86_400_000);
    await waitUntil(async () => delivered.includes(SF_SHERIFF), 15_000, "the sheriff's digest");
    await waitUntil(async () => {
      const rows = await database.db
        .selectFrom("deliveries as d")
        .innerJoin("targets as t", "t.id", "d.target_id")
        .select("d.status")
        .where("t.email", "=", SF_MAYOR)
        .where("d.petition_id", "=", petition)
        .execute();
      return rows.length === 1 && rows[0].status === "failed";
    }, 15_000, "the mayor's digest recorded as failed");
    expect(rcpts.slice(before)).not.toContain(SF_MAYOR);
  });

  it("does not record a policy refusal (5.7.x, e.g. relaying denied) or a temporary one", async () => {
    const mailer = createMailer({ smtpUrl, from: "Sanctuary <no-reply@example.org>", db: database.db });
    const deps = testJobDeps({ db: database.db, mailer, appUrl: app.url });
    const relay = await addFollower(database.db, { email: RELAY_DENIED, follows: { [CAMPUS]: "confirmed" } });
    const later = await addFollower(database.db, { email: DEFERRED, follows: { [CAMPUS]: "confirmed" } });
    try {
      for (const to of [RELAY_DENIED, DEFERRED]) {
        const error = await deps.mailer.send({ to, subject: "x", html: "<p>x</p>", text: "x" }).then(() => null, (e: unknown) => e);
        expect(error, to).toMatchObject({ code: "EENVELOPE" });
      }
      for (const address of [RELAY_DENIED, DEFERRED]) {
        const row = await database.db.selectFrom("undeliverable_addresses").select("email_hash").where("email_hash", "=", hashAddress(address)).executeTakeFirst();
        expect(row, address).toBeUndefined();
      }
      const statuses = await database.db.selectFrom("subscribers").select("status").where("id", "in", [relay.subscriberId, later.subscriberId]).execute();
      expect(statuses.map((s) => s.status)).toEqual(["active", "active"]);
      // Not suppressed: the next attempt reaches the server again.
      const before = rcpts.length;
      await deps.mailer.send({ to: DEFERRED, subject: "x", html: "<p>x</p>", text: "x" }).catch(() => undefined);
      expect(rcpts.slice(before)).toEqual([DEFERRED]);
    } finally {
      await deps.close();
      await mailer.close();
    }
  });
});
