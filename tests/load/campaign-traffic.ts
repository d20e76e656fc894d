import { performance } from "node:perf_hooks";
import type { Kysely } from "kysely";
import { createOrganizerAccount, setPasswordWithToken } from "../../app/models/organizers.server";
import type { DB } from "../../db/schema";
import { PASSWORD } from "../support/organizers";
import { percentile, sleep, type ServerProcess } from "../support/processes";
import type { CapturedMail } from "../support/smtp";

// What runs beside signing in the load suite (tests/load/signing.test.ts), on the same web
// server and worker: people reading campaign pages and their Atom feeds, people following
// campaigns (5 % of them again, in another case), and an organizer watching the petition's
// dashboard and exporting its signers as CSV while the signatures come in.

export const CAMPAIGNS = ["sanctuary-cities-and-counties", "sanctuary-campus-movement", "casa-de-maryland-trust-act"];
export const FOLLOW_CONFIRM_SUBJECT = "Confirm that you want to follow:";
export const FOLLOW_REMINDER_SUBJECT = "You have not confirmed yet:";

export interface Timed {
  status: number;
  ms: number;
  error?: string;
}

export interface FollowRequest extends Timed {
  email: string;
  campaign: string;
  repeat: boolean;
  sentAt: number;
}

export interface ExportRequest extends Timed {
  /** CSV lines after the header. */
  rows: number;
  bytes: number;
}

export interface CampaignTrafficResult {
  follows: FollowRequest[];
  reads: (Timed & { path: string })[];
  dashboards: Timed[];
  exports: ExportRequest[];
}

export interface CampaignTrafficOptions {
  server: ServerProcess;
  seconds: number;
  /** Follow requests a second (open loop). */
  followRate: number;
  /** Campaign page and feed reads a second (open loop). */
  readRate: number;
  dashboardEverySeconds: number;
  exportEverySeconds: number;
  organizerCookie: string;
  petitionSlug: string;
  runId: string;
}

/** An organizer of the seeded organization with a password, signed in on the server: the Cookie header value. */
export async function signInOrganizer(db: Kysely<DB>, server: ServerProcess, email: string): Promise<string> {
  const account = await createOrganizerAccount(db, { email, organizationSlug: "sanctuary", role: "organizer" });
  await setPasswordWithToken(db, account.token, PASSWORD);
  const res = await server.post("/admin/login", { email, password: PASSWORD });
  if (res.status !== 302) throw new Error(`sign-in failed with ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res.headers.get("set-cookie")!.split(";")[0];
}

/** The same address with its case changed at random (the app folds case). */
function recase(email: string): string {
  const flipped = Array.from(email, (c) => (Math.random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join("");
  return flipped === email ? email.toUpperCase() : flipped;
}

async function timed<T extends Timed>(entry: T, request: () => Promise<Response>, read: (res: Response, entry: T) => Promise<void> = async (res) => void (await res.arrayBuffer())): Promise<T> {
  const started = performance.now();
  try {
    const res = await request();
    entry.status = res.status;
    await read(res, entry);
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    entry.error = e.cause ? `${e.message}: ${e.cause.code ?? e.cause.message}` : e.message;
  }
  entry.ms = performance.now() - started;
  return entry;
}

/**
 * Calls `fire(i)` `rate` times a second for `seconds`, on schedule whatever the answers take;
 * resolves when every call has. With `offset`, each call comes half an interval later (a slow
 * task, such as an export every 15 s, then runs in the middle of a short run, not at its start).
 */
async function openLoop(rate: number, seconds: number, fire: (i: number) => Promise<unknown>, offset = false): Promise<void> {
  if (rate <= 0) return;
  const inflight: Promise<unknown>[] = [];
  const started = performance.now();
  const total = offset ? Math.max(1, Math.round(rate * seconds)) : Math.floor(rate * seconds);
  for (let i = 0; i < total; i++) {
    const wait = started + ((i + (offset ? 0.5 : 0)) * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(fire(i));
  }
  await Promise.all(inflight);
}

/** Runs every kind of campaign and organizer traffic for `seconds`, each at its own pace. */
export async function runCampaignTraffic(o: CampaignTrafficOptions): Promise<CampaignTrafficResult> {
  const result: CampaignTrafficResult = { follows: [], reads: [], dashboards: [], exports: [] };
  const timeout = () => AbortSignal.timeout(60_000);
  const firstTimers: { email: string; campaign: string }[] = [];

  const follows = openLoop(o.followRate, o.seconds, (i) => {
    const again = firstTimers.length > 0 && Math.random() < 0.05;
    const target = again ? firstTimers[Math.floor(Math.random() * firstTimers.length)] : { email: `follower.${i}.${o.runId}@example.com`, campaign: CAMPAIGNS[i % CAMPAIGNS.length] };
    if (!again) firstTimers.push(target);
    const entry: FollowRequest = { email: again ? recase(target.email) : target.email, campaign: target.campaign, repeat: again, sentAt: Date.now(), status: 0, ms: 0 };
    result.follows.push(entry);
    return timed(entry, () =>
      o.server.post(`/campaigns/${target.campaign}`, { email: entry.email, firstName: "Sigue", postalCode: "94110" }, { signal: timeout() }),
    );
  });

  const reads = openLoop(o.readRate, o.seconds, (i) => {
    const campaign = CAMPAIGNS[i % CAMPAIGNS.length];
    const path = i % 4 === 3 ? `/campaigns/${campaign}/feed` : `/campaigns/${campaign}`;
    const entry = { path, status: 0, ms: 0 };
    result.reads.push(entry);
    return timed(entry, () => o.server.get(path, { signal: timeout() }));
  });

  const headers = { Cookie: o.organizerCookie };
  const dashboards = openLoop(1 / o.dashboardEverySeconds, o.seconds, () => {
    const entry: Timed = { status: 0, ms: 0 };
    result.dashboards.push(entry);
    return timed(entry, () => o.server.get(`/admin/petitions/${o.petitionSlug}`, { headers, signal: timeout() }));
  }, true);

  const exports = openLoop(1 / o.exportEverySeconds, o.seconds, () => {
    const entry: ExportRequest = { status: 0, ms: 0, rows: 0, bytes: 0 };
    result.exports.push(entry);
    return timed(
      entry,
      // Every signer so far, pending ones included: during the run few have confirmed.
      () => o.server.get(`/admin/petitions/${o.petitionSlug}/export?status=all`, { headers, signal: timeout() }),
      async (res, e) => {
        const body = await res.text();
        e.bytes = Buffer.byteLength(body);
        // One line per signer after the header (no field holds a newline in this run).
        e.rows = Math.max(0, body.split("\n").filter((line) => line.trim() !== "").length - 1);
      },
    );
  }, true);

  await Promise.all([follows, reads, dashboards, exports]);
  return result;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : "-");

/** "n requests, p50 … p99 … max …; statuses 200: n, …" for the report. */
export function describeTimed(entries: Timed[]): string {
  const ms = entries.map((e) => e.ms);
  const byStatus = new Map<string, number>();
  for (const e of entries) byStatus.set(e.status ? String(e.status) : `error (${e.error ?? "?"})`, (byStatus.get(e.status ? String(e.status) : `error (${e.error ?? "?"})`) ?? 0) + 1);
  return `${entries.length}, p50 ${fmt(percentile(ms, 50))} ms, p99 ${fmt(percentile(ms, 99))} ms, max ${fmt(Math.max(0, ...ms))} ms; ${[...byStatus].map(([s, n]) => `${s}: ${n}`).join(", ")}`;
}

export interface FollowCheck {
  /** "address|campaign" of every follow answered 302, normalized. */
  accepted: Set<string>;
  /** The same for the follows table (campaign slug). */
  stored: string[];
  notPending: number;
  confirmationsTo: Map<string, number>;
  reminders: number;
  expectedReminders: number;
  remindersOff: string[];
}

/**
 * The follows the run made against the database and the mail: one pending follow per
 * distinct (address, campaign), one confirmation email per follow, and exactly the
 * reminders the database says it queued (repeats after the cooldown get one).
 */
export async function checkFollows(db: Kysely<DB>, result: CampaignTrafficResult, messages: CapturedMail[], runId: string): Promise<FollowCheck> {
  const accepted = new Set(result.follows.filter((f) => f.status === 302).map((f) => `${f.email.toLowerCase()}|${f.campaign}`));
  const rows = await db
    .selectFrom("follows as f")
    .innerJoin("subscribers as s", "s.id", "f.subscriber_id")
    .innerJoin("campaigns as c", "c.id", "f.campaign_id")
    .select(["s.email_normalized", "c.slug", "f.status", "f.emails_sent"])
    .where("s.email_normalized", "like", `follower.%.${runId}@example.com`)
    .execute();
  const isFollowMail = (m: CapturedMail) => m.to.toLowerCase().endsWith(`.${runId}@example.com`) && m.to.toLowerCase().startsWith("follower.");
  const confirmationsTo = new Map<string, number>();
  const remindersTo = new Map<string, number>();
  for (const m of messages.filter(isFollowMail)) {
    const to = m.to.toLowerCase();
    if (m.subject.startsWith(FOLLOW_CONFIRM_SUBJECT)) confirmationsTo.set(to, (confirmationsTo.get(to) ?? 0) + 1);
    if (m.subject.startsWith(FOLLOW_REMINDER_SUBJECT)) remindersTo.set(to, (remindersTo.get(to) ?? 0) + 1);
  }
  // Each address follows one campaign in this run, so the reminders of an address are its follow's.
  const remindersOff = rows.filter((r) => (remindersTo.get(r.email_normalized ?? "") ?? 0) !== r.emails_sent - 1).map((r) => r.email_normalized ?? "?");
  return {
    accepted,
    stored: rows.map((r) => `${r.email_normalized}|${r.slug}`),
    notPending: rows.filter((r) => r.status !== "pending").length,
    confirmationsTo,
    reminders: [...remindersTo.values()].reduce((a, b) => a + b, 0),
    expectedReminders: rows.reduce((sum, r) => sum + (r.emails_sent - 1), 0),
    remindersOff,
  };
}
