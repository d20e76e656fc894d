import { sql } from "kysely";
import { z } from "zod";
import { preferencesToken, unsubscribeToken } from "../../app/lib/subscriber-links.server";
import { LOCALES, type Locale } from "../../db/schema";
import { prepareCampaignUpdateEmail, type PreparedCampaignUpdate } from "../../emails/campaign-update";
import { isPermanentMailError } from "../../emails/transport";
import type { JobDeps } from "../deps";
import { undeliverable } from "../suppression";
import { describe } from "../execute";
import { persistently } from "../persistently";

export const UpdateBatchPayload = z.object({
  updateId: z.number().int().positive(),
  batch: z.number().int().positive(),
});

/** Messages of one batch in flight at once: enough to keep the mailer's pooled SMTP connections busy. */
export const BATCH_CONCURRENCY = 16;
/**
 * Recipients claimed (and checked: still following?) at a time. Under a rate cap a chunk
 * takes a while to send, so who still follows is read shortly before each message.
 */
const CHUNK = 100;
/** Sends accepted within this many milliseconds are recorded together. */
const MARK_EVERY_MS = 5;
/**
 * How long a claim on pending sends lasts. A run renews its claims every third of it; a
 * run that died leaves them to lapse, and a retry then takes them.
 */
export const CLAIM_SECONDS = 60;
/** A claim this close to lapsing is not used to start a send: the send must finish (SMTP times out after 10 s) while it holds. */
const CLAIM_MARGIN_SECONDS = 15;

/** Some of the batch's sends are claimed by another run of it; this one is retried and then finds them done. */
export class BatchBusyError extends Error {
  constructor(held: number) {
    super(`${held} sends of the batch are claimed by another run`);
  }
}

interface Recipient {
  /** When this run claimed it (Date.now() before the claim). */
  claimedAt: number;
  subscriber_id: number;
  email: string | null;
  first_name: string | null;
  locale: string;
  subscriber_status: string;
  follow_status: string | null;
}

const isLocale = (value: string): value is Locale => (LOCALES as readonly string[]).includes(value);

/** Claims the next chunk of the batch's pending sends that nobody holds, with what is needed to send them. */
async function claimChunk(deps: JobDeps, updateId: number, batch: number, campaignId: number): Promise<Recipient[]> {
  const claimedAt = Date.now();
  const { rows } = await sql<Omit<Recipient, "claimedAt">>`
    with pick as (
      select subscriber_id from update_sends
      where update_id = ${updateId} and batch = ${batch} and status = 'pending'
        and (claimed_until is null or claimed_until < now())
      order by subscriber_id
      limit ${CHUNK}
      for update skip locked
    ), claimed as (
      update update_sends us set claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS})
      from pick where us.update_id = ${updateId} and us.subscriber_id = pick.subscriber_id
      returning us.subscriber_id
    )
    select c.subscriber_id, s.email, s.first_name, s.locale, s.status as subscriber_status, f.status as follow_status
    from claimed c
    join subscribers s on s.id = c.subscriber_id
    left join follows f on f.subscriber_id = c.subscriber_id and f.campaign_id = ${campaignId}
    order by c.subscriber_id`.execute(deps.db);
  return rows.map((row) => ({ ...row, claimedAt }));
}

type Outcome = "sent" | "failed";

/**
 * Records sends as soon as the server accepted (or refused) them, a few at a time:
 * outcomes falling due within MARK_EVERY_MS, or while the previous write is on its
 * way, share one UPDATE, so Postgres commits a few hundred times a second rather than
 * once per email. A worker killed in that window sends those few again (docs/decisions/0006).
 * The returned function resolves once its outcome is stored.
 */
function recorder(deps: JobDeps, updateId: number, stored: (subscriberId: number) => void) {
  let due: { id: number; outcome: Outcome; error: string | null; done: () => void; failed: (e: unknown) => void }[] = [];
  let writing = false;
  const write = async () => {
    while (due.length > 0) {
      const started = Date.now();
      const group = due;
      due = [];
      try {
        await persistently(() =>
          sql`update update_sends us
              set status = r.status, sent_at = case when r.status = 'sent' then now() end, error = r.error, claimed_until = null
              from unnest(${sql.val(group.map((g) => g.id))}::int[], ${sql.val(group.map((g) => g.outcome))}::text[], ${sql.val(group.map((g) => g.error))}::text[])
                as r(subscriber_id, status, error)
              where us.update_id = ${updateId} and us.subscriber_id = r.subscriber_id`.execute(deps.db),
        );
        for (const g of group) {
          stored(g.id);
          g.done();
        }
      } catch (error) {
        for (const g of group) g.failed(error);
      }
      const wait = MARK_EVERY_MS - (Date.now() - started);
      if (due.length > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    writing = false;
  };
  return (id: number, outcome: Outcome, error: string | null) =>
    new Promise<void>((done, failed) => {
      due.push({ id, outcome, error, done, failed });
      if (!writing) {
        writing = true;
        setTimeout(() => void write(), MARK_EVERY_MS);
      }
    });
}

/**
 * Sends one batch of a campaign update: every `pending` send of the batch, each
 * marked `sent` the moment the mail server accepted it, so a retry sends only
 * what is left. Sends are claimed a chunk at a time (`claimed_until`), so two
 * runs of one batch at once never send the same row; sends another run holds
 * are waited for (it finishes them, or it died and this run takes them over when
 * the claim lapses) for about CLAIM_SECONDS, then BatchBusyError asks for a retry.
 * Followers who stopped following, bounced or were erased since the fan-out are
 * marked `skipped`. A permanent refusal marks that send `failed` and the batch
 * goes on; a temporary failure stops the batch with the rest still pending and
 * throws, and the runner retries. The update's Markdown and layout are rendered
 * once per language; each recipient costs two HMACs and a few string joins.
 */
export async function sendUpdateBatch(deps: JobDeps, payload: unknown, options: { concurrency?: number } = {}): Promise<void> {
  const { updateId, batch } = UpdateBatchPayload.parse(payload);
  const update = await deps.db
    .selectFrom("campaign_updates as u")
    .innerJoin("campaigns as c", "c.id", "u.campaign_id")
    .select(["u.status", "u.campaign_id", "c.slug"])
    .where("u.id", "=", updateId)
    .executeTakeFirst();
  if (!update) return;
  const skip = (ids: number[] | "all") =>
    persistently(() =>
      deps.db
        .updateTable("update_sends")
        .set({ status: "skipped" })
        .where("update_id", "=", updateId)
        .where("batch", "=", batch)
        .where("status", "=", "pending")
        .$if(ids !== "all", (qb) => qb.where("subscriber_id", "in", ids as number[]))
        .execute(),
    );
  if (update.status !== "active") {
    await skip("all");
    return;
  }

  const [translations, campaignTitles] = await Promise.all([
    deps.db.selectFrom("campaign_update_translations").select(["locale", "title", "body"]).where("update_id", "=", updateId).execute(),
    deps.db.selectFrom("campaign_translations").select(["locale", "title"]).where("campaign_id", "=", update.campaign_id).execute(),
  ]);
  const prepared = new Map<Locale, PreparedCampaignUpdate>();
  const emailIn = (locale: Locale): PreparedCampaignUpdate => {
    let email = prepared.get(locale);
    if (!email) {
      const text = translations.find((t) => t.locale === locale) ?? translations.find((t) => t.locale === "en") ?? translations[0];
      const campaign = campaignTitles.find((t) => t.locale === locale) ?? campaignTitles.find((t) => t.locale === "en");
      if (!text) throw new Error(`campaign update ${updateId} has no text`);
      email = prepareCampaignUpdateEmail({
        locale,
        title: text.title,
        body: text.body,
        campaignTitle: campaign?.title ?? update.slug,
        campaignUrl: `${deps.appUrl}/campaigns/${update.slug}?lang=${locale}`,
        appUrl: deps.appUrl,
      });
      prepared.set(locale, email);
    }
    return email;
  };

  // Sends this run has claimed and not yet finished: renewed while it runs, released when it stops.
  const held = new Set<number>();
  const heldIds = () => sql`${sql.val([...held])}::int[]`;
  let renewedAt = 0;
  const renewing = setInterval(() => {
    if (held.size === 0) return;
    const at = Date.now();
    void sql`update update_sends set claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS})
             where update_id = ${updateId} and subscriber_id = any(${heldIds()}) and status = 'pending'`
      .execute(deps.db)
      .then(() => (renewedAt = at))
      .catch((error: Error) => console.warn(`[jobs] update.batch: renewing claims failed: ${error.message}`));
  }, (CLAIM_SECONDS * 1000) / 3);
  renewing.unref();

  try {
    let buffer: Recipient[] = [];
    let exhausted = false;
    let loading: Promise<void> | null = null;
    const load = async () => {
      const rows = await claimChunk(deps, updateId, batch, update.campaign_id);
      if (rows.length === 0) exhausted = true;
      // One lookup per chunk instead of the mailer's one per message (it was a tenth of the cost of a send).
      const bounced = await undeliverable(deps.db, rows.flatMap((r) => (r.email ? [r.email] : [])));
      const gone = rows.filter(
        (r) => r.subscriber_status !== "active" || r.follow_status !== "confirmed" || !r.email || bounced.has(r.email),
      );
      if (gone.length > 0) await skip(gone.map((r) => r.subscriber_id));
      const live = rows.filter((r) => !gone.includes(r));
      for (const r of live) held.add(r.subscriber_id);
      buffer = buffer.concat(live);
    };
    const next = async (): Promise<Recipient | undefined> => {
      while (buffer.length === 0 && !exhausted) {
        loading ??= load().finally(() => (loading = null));
        await loading;
      }
      return buffer.shift();
    };

    let failure: unknown = null;
    const record = recorder(deps, updateId, (id) => held.delete(id));
    // Each sender takes the next recipient from the shared list, so no row goes out twice.
    // The first temporary failure (or database error) stops them all; what is left stays pending.
    const sender = async () => {
      try {
        while (failure === null) {
          const recipient = await next();
          if (!recipient) return;
          await deps.bulkMailLimiter.acquire();
          if (failure !== null) return;
          // Renewals failed for a while (Postgres away?): another run may take these sends soon.
          if (Date.now() - Math.max(recipient.claimedAt, renewedAt) > (CLAIM_SECONDS - CLAIM_MARGIN_SECONDS) * 1000) {
            throw new Error("the claim on the batch's sends could not be renewed");
          }
          const locale = isLocale(recipient.locale) ? recipient.locale : "en";
          const mail = emailIn(locale).render({
            firstName: recipient.first_name,
            unsubscribeUrl: `${deps.appUrl}/unsubscribe/${unsubscribeToken(deps.linkSecret, recipient.subscriber_id, update.campaign_id)}?lang=${locale}`,
            preferencesUrl: `${deps.appUrl}/preferences/${preferencesToken(deps.linkSecret, recipient.subscriber_id)}?lang=${locale}`,
          });
          try {
            await deps.mailer.send({ to: recipient.email as string, ...mail, suppressionChecked: true });
          } catch (error) {
            if (!isPermanentMailError(error)) throw error;
            await record(recipient.subscriber_id, "failed", describe(error));
            continue;
          }
          await record(recipient.subscriber_id, "sent", null);
        }
      } catch (error) {
        failure ??= error;
      }
    };
    // Sends claimed by another run are either finished by it or, if it died, free once its
    // claim lapses: wait about that long, taking over whatever comes free, before giving up.
    let deadline = 0;
    for (;;) {
      await Promise.all(Array.from({ length: options.concurrency ?? BATCH_CONCURRENCY }, sender));
      if (failure !== null) throw failure;
      const left = await deps.db
        .selectFrom("update_sends")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("update_id", "=", updateId)
        .where("batch", "=", batch)
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      if (left.n === 0) return;
      deadline ||= Date.now() + (CLAIM_SECONDS + 5) * 1000;
      if (Date.now() > deadline) throw new BatchBusyError(left.n);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      exhausted = false;
    }
  } finally {
    clearInterval(renewing);
    // What this run did not get to is free at once for the retry, not only when the claim lapses.
    if (held.size > 0) {
      await sql`update update_sends set claimed_until = null
                where update_id = ${updateId} and subscriber_id = any(${heldIds()}) and status = 'pending'`
        .execute(deps.db)
        .catch(() => undefined);
    }
  }
}
