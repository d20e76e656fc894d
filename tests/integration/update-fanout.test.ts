import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPreferencesToken, readUnsubscribeToken } from "../../app/lib/subscriber-links.server";
import { publishUpdate } from "../../app/models/campaign-updates.server";
import { createMailer, type Mailer } from "../../emails/transport";
import { fanOutUpdate } from "../../jobs/handlers/update-fanout";
import { sendUpdateBatch } from "../../jobs/handlers/update-batch";
import { enqueueOutbox, JOB_KINDS } from "../../jobs/outbox";
import { BATCHES_IN_FLIGHT, OUTBOX_QUEUE, relayOutbox, startQueueWorker, type QueueWorker } from "../../jobs/queue";
import { deleteRedisPrefix } from "../support/processes";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { TEST_LINK_SECRET, testJobDeps } from "../support/jobs";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";
import type { BuiltJobDeps } from "../../jobs/build-deps";

// A campaign update going out to its followers: the fan-out pages through them,
// batches send, and every confirmed follower gets it once whatever runs twice,
// at once, or fails half way.

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const APP_URL = "http://sanctuary.test";
const MAIL_FROM = "Sanctuary <no-reply@sanctuary.example.org>";
/** Confirmed followers of the main campaign: over two batches of 500 and a part-filled third. */
const FOLLOWERS = 1_100;

let database: TestDatabase;
let smtp: SmtpSink;
let mailer: Mailer;
const prefixes: string[] = [];
const opened: { close(): Promise<void> }[] = [];

let campaignId: number;
let otherCampaignId: number;
let quietCampaignId: number;
/** Addresses (lower case) that must get the main campaign's updates, with their language. */
const eligible = new Map<string, "en" | "es">();
/** Addresses that must get nothing from the main campaign. */
const excluded = new Set<string>();

function newPrefix(): string {
  const prefix = `test-${randomBytes(6).toString("hex")}`;
  prefixes.push(prefix);
  return prefix;
}

function deps(options: { mailer?: Mailer; rate?: number; prefix?: string } = {}): BuiltJobDeps {
  const built = testJobDeps({
    db: database.db,
    mailer: options.mailer ?? mailer,
    appUrl: APP_URL,
    mailRatePerMinute: options.rate ?? 0,
    redisUrl: REDIS_URL,
    redisPrefix: options.prefix ?? newPrefix(),
  });
  opened.push(built);
  return built;
}

async function campaign(slug: string): Promise<number> {
  return (await database.db.selectFrom("campaigns").select("id").where("slug", "=", slug).executeTakeFirstOrThrow()).id;
}

/**
 * Subscribers `<tag>.<i>@example.org` (1..n) following a campaign in one INSERT each; every
 * third in Spanish, every seventh without a first name. Returns their addresses.
 */
async function addFollowers(
  tag: string,
  n: number,
  campaigns: number[],
  options: { follow?: "pending" | "confirmed" | "unsubscribed"; subscriber?: "active" | "undeliverable" | "erased" } = {},
): Promise<{ email: string; locale: "en" | "es" }[]> {
  const { rows } = await sql<{ id: number; email: string; locale: "en" | "es" }>`
    insert into subscribers (email, email_normalized, first_name, locale, status, undeliverable_at)
    select ${tag} || '.' || i || '@example.org', ${tag} || '.' || i || '@example.org',
           case when i % 7 = 0 then null else 'Name' || i end,
           case when i % 3 = 0 then 'es' else 'en' end,
           ${options.subscriber === "undeliverable" ? "undeliverable" : "active"},
           ${options.subscriber === "undeliverable" ? sql`now()` : null}
    from generate_series(1, ${n}::int) as i
    returning id, email, locale`.execute(database.db);
  const ids = rows.map((r) => r.id);
  for (const id of campaigns) {
    await sql`
      insert into follows (subscriber_id, campaign_id, status, confirmed_at, unsubscribed_at)
      select s.id, ${id}, ${options.follow ?? "confirmed"},
             ${options.follow === "pending" ? null : sql`now()`}, ${options.follow === "unsubscribed" ? sql`now()` : null}
      from unnest(${ids}::int[]) as s(id)`.execute(database.db);
  }
  if (options.subscriber === "erased") {
    await database.db
      .updateTable("subscribers")
      .set({ status: "erased", erased_at: new Date(), email: null, email_normalized: null, first_name: null })
      .where("id", "in", ids)
      .execute();
  }
  return rows.map((r) => ({ email: r.email, locale: r.locale }));
}

async function publish(title: string, options: { campaign?: number; publishAt?: Date } = {}): Promise<number> {
  return publishUpdate(database.db, {
    campaignId: options.campaign ?? campaignId,
    translations: {
      en: { title: `${title} (en)`, body: `We **won** a vote.\n\n[See the petition](/petitions/tell-your-mayor-defy-trump-expand-sanctuary)` },
      es: { title: `${title} (es)`, body: "**Ganamos** una votación." },
    },
    publishAt: options.publishAt,
  });
}

function mailsOf(title: string): CapturedMail[] {
  return smtp.messages.filter((m) => m.subject.startsWith(`${title} (`));
}

/** Recipients who got the update more than once. */
function twice(mails: CapturedMail[]): string[] {
  const seen = new Map<string, number>();
  for (const m of mails) seen.set(m.to.toLowerCase(), (seen.get(m.to.toLowerCase()) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([to, n]) => `${n}× ${to}`);
}

async function sends(updateId: number) {
  const rows = await database.db
    .selectFrom("update_sends")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .where("update_id", "=", updateId)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

async function batchesOf(updateId: number): Promise<number> {
  const row = await database.db.selectFrom("campaign_updates").select("fanout_batches").where("id", "=", updateId).executeTakeFirstOrThrow();
  return row.fanout_batches;
}

/** Fans out and sends every batch by calling the handlers directly. */
async function sendAll(updateId: number, jobDeps: BuiltJobDeps = deps()): Promise<void> {
  await fanOutUpdate(jobDeps, { updateId });
  for (let batch = 1; batch <= (await batchesOf(updateId)); batch++) await sendUpdateBatch(jobDeps, { updateId, batch });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  mailer = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, db: database.db });
  campaignId = await campaign("sanctuary-campus-movement");
  otherCampaignId = await campaign("casa-de-maryland-trust-act");
  quietCampaignId = await campaign("sanctuary-cities-and-counties");

  for (const f of await addFollowers("follower", FOLLOWERS, [campaignId])) eligible.set(f.email, f.locale);
  // Followers of both campaigns get the main campaign's update once, like anyone.
  for (const f of await addFollowers("both", 30, [campaignId, otherCampaignId])) eligible.set(f.email, f.locale);
  const nobody = [
    ...(await addFollowers("pending", 20, [campaignId], { follow: "pending" })),
    ...(await addFollowers("unsubscribed", 20, [campaignId], { follow: "unsubscribed" })),
    ...(await addFollowers("undeliverable", 20, [campaignId], { subscriber: "undeliverable" })),
    ...(await addFollowers("other", 40, [otherCampaignId])),
  ];
  for (const f of nobody) excluded.add(f.email);
  // Erased followers have no address left; were one sent anything, it would show as a mail to nobody known.
  for (const f of await addFollowers("erased", 20, [campaignId], { subscriber: "erased" })) excluded.add(f.email);
}, 120_000);

afterAll(async () => {
  for (const o of opened) await o.close();
  await mailer?.close();
  await smtp?.close();
  await database?.drop();
  // Leave nothing behind in the shared Redis.
  for (const prefix of prefixes) await deleteRedisPrefix(REDIS_URL, prefix);
});

describe("an update sent by the BullMQ workers", () => {
  let workers: QueueWorker[] = [];
  let updateId: number;

  beforeAll(() => {
    const prefix = newPrefix();
    // Two worker processes' worth: each its own job deps, mailer and Redis connections, one queue.
    const second = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, db: database.db });
    opened.push(second);
    workers = [
      startQueueWorker(deps({ prefix }), { redisUrl: REDIS_URL, prefix, relayEveryMs: 50 }),
      startQueueWorker(deps({ prefix, mailer: second }), { redisUrl: REDIS_URL, prefix, relayEveryMs: 50 }),
    ];
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  const outboxEmpty = async () =>
    (await database.db.selectFrom("outbox").select("id").where("status", "in", ["pending", "queued"]).execute()).length === 0;

  it("reaches each confirmed follower once, in their language, with one-click unsubscribe, through two workers at once", async () => {
    updateId = await publish("Campus vote");
    await waitUntil(async () => (await sends(updateId)).sent === eligible.size, 60_000, "every follower to be sent the update");
    await waitUntil(outboxEmpty, 15_000, "the outbox to be empty");
    await settle();
    const mails = mailsOf("Campus vote");
    expect(twice(mails)).toEqual([]);
    expect(new Set(mails.map((m) => m.to.toLowerCase()))).toEqual(new Set(eligible.keys()));
    expect(mails.filter((m) => excluded.has(m.to.toLowerCase()))).toEqual([]);
    expect(await sends(updateId)).toEqual({ sent: eligible.size });
    const update = await database.db.selectFrom("campaign_updates").selectAll().where("id", "=", updateId).executeTakeFirstOrThrow();
    expect(update.fanout_done_at).not.toBeNull();
    expect(update.fanout_batches).toBe(Math.ceil(eligible.size / 500));

    const ids = new Map(
      (await database.db.selectFrom("subscribers").select(["id", "email_normalized"]).execute()).map((r) => [r.email_normalized, r.id]),
    );
    for (const mail of mails) {
      const locale = eligible.get(mail.to.toLowerCase());
      expect(mail.subject).toBe(`Campus vote (${locale})`);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      const list = mail.headers.get("list") as { unsubscribe?: { url?: string; mail?: string }; "unsubscribe-post"?: { name?: string } };
      expect(list["unsubscribe-post"]?.name).toBe("List-Unsubscribe=One-Click");
      const url = new URL(list.unsubscribe?.url ?? "");
      expect(`${url.origin}${url.pathname.replace(/[^/]+$/, "")}`).toBe(`${APP_URL}/unsubscribe/`);
      expect(url.searchParams.get("lang")).toBe(locale);
      const subscriberId = ids.get(mail.to.toLowerCase());
      expect(readUnsubscribeToken(TEST_LINK_SECRET, url.pathname.split("/").at(-1)!)).toEqual({ subscriberId, campaignId });
      // The footer has the same unsubscribe link and the person's preferences link.
      expect(mail.text).toContain(url.href);
      expect(mail.html).toContain(`href="${url.href}"`);
      const preferences = /\/preferences\/([\w.-]+)\?lang=(\w+)/.exec(mail.text);
      expect(preferences && readPreferencesToken(TEST_LINK_SECRET, preferences[1])).toEqual({ subscriberId });
    }

    // Greetings by name (or without one), body and campaign link in the follower's language.
    const es = mails.find((m) => m.to === "follower.3@example.org")!;
    expect(es.text).toContain("Hola, Name3:");
    expect(es.html).toContain("<strong>Ganamos</strong>");
    expect(es.text).toContain(`${APP_URL}/campaigns/sanctuary-campus-movement?lang=es`);
    expect(es.text).toContain("Dejar de seguir esta campaña");
    const en = mails.find((m) => m.to === "follower.1@example.org")!;
    expect(en.text).toContain("Hi Name1,");
    expect(en.html).toContain("<strong>won</strong>");
    // A site-relative link in the update is made absolute for the mailbox.
    expect(en.html).toContain(`href="${APP_URL}/petitions/tell-your-mayor-defy-trump-expand-sanctuary"`);
    expect(mails.find((m) => m.to === "follower.7@example.org")!.text).toMatch(/^Hi,$/m);
  });

  it("sends nobody twice when the fan-out and the batches run again, or their outbox rows are relayed again", async () => {
    const before = smtp.messages.length;
    const batches = await batchesOf(updateId);
    await sendAll(updateId);
    expect(await batchesOf(updateId)).toBe(batches);

    // As if a relay had crashed before recording its work: every row of the update is pending again.
    await database.db
      .updateTable("outbox")
      .set({ status: "pending", done_at: null })
      .where(sql<boolean>`(payload->>'updateId')::int = ${updateId}`)
      .execute();
    // The relay moves them again; BullMQ still knows their job ids as completed, and the
    // handlers find nothing left to send were they to run.
    await waitUntil(
      async () => (await database.db.selectFrom("outbox").select("id").where("status", "=", "pending").execute()).length === 0,
      15_000,
      "the rows to be relayed again",
    );
    await settle();
    expect(smtp.messages.length).toBe(before);
    expect(await sends(updateId)).toEqual({ sent: eligible.size });
  });
});

// From here on no worker runs: the tests call the handlers themselves.
describe("the fan-out and batch handlers", () => {
  it("give each follower one send record and one email when two fan-outs and two runs of each batch go at once", async () => {
    const updateId = await publish("Twin runs");
    const a = deps();
    const b = deps();
    await Promise.all([fanOutUpdate(a, { updateId }, { pageSize: 200 }), fanOutUpdate(b, { updateId }, { pageSize: 200 })]);
    const batches = await batchesOf(updateId);
    expect(batches).toBe(Math.ceil(eligible.size / 200));
    const batchRows = await database.db
      .selectFrom("outbox")
      .select(sql<number>`(payload->>'batch')::int`.as("batch"))
      .where("kind", "=", JOB_KINDS.updateBatch)
      .where(sql<boolean>`(payload->>'updateId')::int = ${updateId}`)
      .execute();
    expect(batchRows.map((r) => r.batch).sort((x, y) => x - y)).toEqual(Array.from({ length: batches }, (_, i) => i + 1));
    expect(await sends(updateId)).toEqual({ pending: eligible.size });

    const runs = [];
    for (let batch = 1; batch <= batches; batch++) runs.push(sendUpdateBatch(a, { updateId, batch }), sendUpdateBatch(b, { updateId, batch }));
    // Each run takes the sends the other has not claimed, and waits for the other's to be done.
    await Promise.all(runs);
    expect(await sends(updateId)).toEqual({ sent: eligible.size });
    await settle();
    const mails = mailsOf("Twin runs");
    expect(twice(mails)).toEqual([]);
    expect(mails).toHaveLength(eligible.size);
  });

  it("after a temporary SMTP failure mid-batch, send only the rest on the retry", async () => {
    const updateId = await publish("Flaky server");
    let sent = 0;
    // The mail server starts answering 451 (try again later) after 200 messages of the first batch.
    const flaky: Mailer = {
      kind: "smtp",
      async send(mail) {
        await mailer.send(mail);
        if (++sent === 200) smtp.rejectWith(451);
      },
      close: async () => {},
    };
    const jobDeps = deps({ mailer: flaky });
    await fanOutUpdate(jobDeps, { updateId });
    try {
      await expect(sendUpdateBatch(jobDeps, { updateId, batch: 1 })).rejects.toMatchObject({ responseCode: 451 });
    } finally {
      smtp.rejectWith(null);
    }
    const half = await sends(updateId);
    expect(half.sent).toBeGreaterThanOrEqual(200);
    expect(half.sent).toBeLessThan(500);
    expect(half.failed).toBeUndefined();
    await settle();
    expect(mailsOf("Flaky server")).toHaveLength(half.sent);

    for (let batch = 1; batch <= (await batchesOf(updateId)); batch++) await sendUpdateBatch(jobDeps, { updateId, batch });
    await settle();
    const mails = mailsOf("Flaky server");
    expect(twice(mails)).toEqual([]);
    expect(mails).toHaveLength(eligible.size);
    expect(await sends(updateId)).toEqual({ sent: eligible.size });
  });

  it("skip followers who unsubscribed or were erased between the fan-out and the send", async () => {
    const updateId = await publish("Changed minds");
    const jobDeps = deps();
    await fanOutUpdate(jobDeps, { updateId });
    const left = await database.db.selectFrom("subscribers").select("id").where("email", "=", "follower.10@example.org").executeTakeFirstOrThrow();
    const gone = await database.db.selectFrom("subscribers").select("id").where("email", "=", "follower.11@example.org").executeTakeFirstOrThrow();
    await database.db.updateTable("follows").set({ status: "unsubscribed" }).where("subscriber_id", "=", left.id).execute();
    await database.db.updateTable("subscribers").set({ status: "erased", email: null }).where("id", "=", gone.id).execute();
    try {
      for (let batch = 1; batch <= (await batchesOf(updateId)); batch++) await sendUpdateBatch(jobDeps, { updateId, batch });
      expect(await sends(updateId)).toEqual({ sent: eligible.size - 2, skipped: 2 });
      await settle();
      const mails = mailsOf("Changed minds");
      expect(mails).toHaveLength(eligible.size - 2);
      expect(mails.map((m) => m.to)).not.toContain("follower.10@example.org");
      expect(mails.map((m) => m.to)).not.toContain("follower.11@example.org");
    } finally {
      await database.db.updateTable("follows").set({ status: "confirmed" }).where("subscriber_id", "=", left.id).execute();
      await database.db.updateTable("subscribers").set({ status: "active", email: "follower.11@example.org" }).where("id", "=", gone.id).execute();
    }
  });

  it("send nothing for a cancelled update, before or after its fan-out", async () => {
    const before = smtp.messages.length;
    const early = await publish("Withdrawn", { publishAt: new Date(Date.now() + 3_600_000) });
    await database.db.updateTable("campaign_updates").set({ status: "cancelled" }).where("id", "=", early).execute();
    await fanOutUpdate(deps(), { updateId: early });
    expect(await sends(early)).toEqual({});

    const late = await publish("Withdrawn late");
    const jobDeps = deps();
    await fanOutUpdate(jobDeps, { updateId: late });
    await database.db.updateTable("campaign_updates").set({ status: "cancelled" }).where("id", "=", late).execute();
    for (let batch = 1; batch <= (await batchesOf(late)); batch++) await sendUpdateBatch(jobDeps, { updateId: late, batch });
    expect(await sends(late)).toEqual({ skipped: eligible.size });
    await settle();
    expect(smtp.messages.length).toBe(before);
  });

  it("leave an update that is not due yet to a fan-out due at its time", async () => {
    const publishAt = new Date(Date.now() + 3_600_000);
    const updateId = await publish("Later", { publishAt });
    await fanOutUpdate(deps(), { updateId });
    expect(await sends(updateId)).toEqual({});
    const due = await database.db
      .selectFrom("outbox")
      .select("run_after")
      .where("kind", "=", JOB_KINDS.updateFanout)
      .where("status", "=", "pending")
      .where(sql<boolean>`(payload->>'updateId')::int = ${updateId}`)
      .execute();
    expect(due).toHaveLength(2);
    for (const row of due) expect(new Date(row.run_after).getTime()).toBe(publishAt.getTime());
  });

  it("mark a permanently refused address failed and send to everyone else", async () => {
    const refused = "follower.42@example.org";
    // The refusal is a real SMTP 550, from a second server that refuses every recipient.
    const refusing = await startSmtpSink();
    refusing.rejectWith(550);
    opened.push(refusing);
    const refusingMailer = createMailer({ smtpUrl: refusing.url, from: MAIL_FROM, db: database.db });
    opened.push(refusingMailer);
    const routing: Mailer = {
      kind: "smtp",
      send: (mail) => (mail.to === refused ? refusingMailer.send(mail) : mailer.send(mail)),
      close: async () => {},
    };
    const updateId = await publish("Bounce");
    await sendAll(updateId, deps({ mailer: routing }));
    expect(await sends(updateId)).toEqual({ sent: eligible.size - 1, failed: 1 });
    const row = await database.db
      .selectFrom("update_sends as us")
      .innerJoin("subscribers as s", "s.id", "us.subscriber_id")
      .select(["us.status", "us.error", "us.sent_at"])
      .where("us.update_id", "=", updateId)
      .where("s.email", "=", refused)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "failed", sent_at: null });
    expect(row.error).toContain("550");
    expect(row.error).not.toContain("@");
    await settle();
    const mails = mailsOf("Bounce");
    expect(mails).toHaveLength(eligible.size - 1);
    expect(mails.map((m) => m.to)).not.toContain(refused);
  });
});

describe("pacing and priority", () => {
  it("holds two workers together to MAIL_RATE_PER_MINUTE=600: 30 messages take about 3 s, evenly spaced", async () => {
    const followers = await addFollowers("paced", 30, [quietCampaignId]);
    const updateId = await publish("Paced", { campaign: quietCampaignId });
    const prefix = newPrefix();
    // Two workers' job deps: separate limiters and Redis connections, one shared pace.
    const a = deps({ rate: 600, prefix });
    const b = deps({ rate: 600, prefix });
    await fanOutUpdate(a, { updateId }, { pageSize: 15 });
    expect(await batchesOf(updateId)).toBe(2);
    const started = Date.now();
    await Promise.all([sendUpdateBatch(a, { updateId, batch: 1 }), sendUpdateBatch(b, { updateId, batch: 2 })]);
    const elapsed = Date.now() - started;
    // 600 a minute is one every 100 ms: the 30th message leaves 2.9 s after the first.
    expect(elapsed).toBeGreaterThanOrEqual(2_800);
    expect(elapsed).toBeLessThan(8_000);
    await settle();
    expect(mailsOf("Paced")).toHaveLength(followers.length);
    const times = (await database.db.selectFrom("update_sends").select("sent_at").where("update_id", "=", updateId).orderBy("sent_at").execute()).map(
      (r) => new Date(r.sent_at!).getTime() - started,
    );
    // Even spacing, not a burst at the start of each second.
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(11);
  });

  it("relays a few batches at a time, after everything else, so confirmations never wait behind an update", async () => {
    // Nothing else in the outbox: earlier tests' rows were never meant for a runner.
    await database.db.updateTable("outbox").set({ status: "done" }).where("status", "in", ["pending", "queued"]).execute();
    const prefix = newPrefix();
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(OUTBOX_QUEUE, { connection, prefix });
    let worker: Worker | null = null;
    try {
      // A big update's batches are pending, then another update's fan-out, then a signer's confirmation email.
      const batches: string[] = [];
      for (let batch = 1; batch <= 10; batch++) batches.push(await enqueueOutbox(database.db, JOB_KINDS.updateBatch, { updateId: 999_999, batch }));
      const fanout = await enqueueOutbox(database.db, JOB_KINDS.updateFanout, { updateId: 999_998 });
      const confirmation = await enqueueOutbox(database.db, JOB_KINDS.signatureConfirmation, { signatureId: 999_999 });
      await relayOutbox(database, queue);
      await relayOutbox(database, queue);
      const relayed = await database.db.selectFrom("outbox").select(["id", "kind"]).where("status", "=", "queued").execute();
      expect(relayed.filter((r) => r.kind === JOB_KINDS.updateBatch).map((r) => String(r.id))).toEqual(batches.slice(0, BATCHES_IN_FLIGHT));
      expect(relayed.map((r) => String(r.id))).toEqual(expect.arrayContaining([fanout, confirmation]));
      expect((await queue.getJob(`outbox-${confirmation}`))?.opts.priority ?? 0).toBe(0);
      expect((await queue.getJob(`outbox-${fanout}`))?.opts.priority).toBe(1);
      expect((await queue.getJob(`outbox-${batches[0]}`))?.opts.priority).toBe(2);

      // One slot: BullMQ hands out the job without a priority first, though it came last.
      const order: string[] = [];
      worker = new Worker(OUTBOX_QUEUE, async (job) => void order.push(job.name), { connection: connection.duplicate(), prefix, concurrency: 1 });
      await waitUntil(async () => order.length === BATCHES_IN_FLIGHT + 2, 10_000, "the jobs to run");
      expect(order).toEqual([JOB_KINDS.signatureConfirmation, JOB_KINDS.updateFanout, ...Array(BATCHES_IN_FLIGHT).fill(JOB_KINDS.updateBatch)]);
    } finally {
      await worker?.close();
      await database.db.updateTable("outbox").set({ status: "done" }).where("status", "in", ["pending", "queued"]).execute();
      await queue.close();
      connection.disconnect();
    }
  });
});
