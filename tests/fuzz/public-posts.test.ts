import { appendFileSync } from "node:fs";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION } from "../support/factories";
import {
  ConsoleErrorLog,
  describeOutcome,
  describeRequest,
  FUZZ_RUNS,
  FUZZ_SEED,
  runFuzz,
  send,
  shareRuns,
  text,
  type Field,
  type FuzzTarget,
  type HttpRequest,
  type Outcome,
} from "../support/fuzz";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";
import { CAMPUS } from "../support/subscribers";
import { archivedCampaign, checkFixtures, organizerInfo, outboxSettled, subscriberLinks } from "./fixtures";
import {
  cancelCases,
  confirmCases,
  erasureCases,
  followCases,
  followTokenCases,
  formRequest,
  linkGetCases,
  linkGetRequest,
  localeCases,
  loginCases,
  logoutCases,
  pathCases,
  pathRequest,
  petitionEditCases,
  preferencesCases,
  preferencesLinkCases,
  rawCaseRequest,
  rawCases,
  routePatterns,
  setPasswordCases,
  signCases,
  unsubscribeCases,
  updateFormCases,
  validFollow,
  validSignature,
  type AppInfo,
  type FormCase,
  type FormPost,
  type LinkGet,
  type OrganizerInfo,
  type PathCase,
  type RawCase,
  type SubscriberLinks,
} from "./generators";

// Generated bad requests against the real app (Express + Remix build, Postgres, SMTP):
// every public POST (signing, confirming, following a campaign, the follow, unsubscribe,
// preferences and erasure links, sign-in), GETs of every link page with real and forged
// tokens, and the organizer's update, cancel and petition forms as a signed-in organizer:
// no answer of 500 or more, no hang, nothing written, no console.error; and for valid
// signatures and follows whose names hold CR/LF, no header injected into the email.
// FUZZ_RUNS requests in all (500 in `npm test`, 10,000 in `npm run test:fuzz`); a
// failure names the seed (FUZZ_SEED=… replays it) and the shrunk counterexample.

const fcEncoding = fc.constantFrom<"urlencoded" | "multipart">("urlencoded", "multipart");
const CLOSED_PETITION = "mayors-dontgivein-expand-sanctuary";
const VALID_RUNS = Math.min(100, Math.max(5, Math.round(FUZZ_RUNS / 50)));
const BAD_RUNS = FUZZ_RUNS - VALID_RUNS;

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
/** The same database behind the dev mailer, for /dev/mail/:id (its job runner is off: mail goes through `app`). */
let devApp: TestApp;
let info: AppInfo;
let links: SubscriberLinks;
let org: OrganizerInfo;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.updateTable("petitions").set({ status: "closed", closed_at: new Date() }).where("slug", "=", CLOSED_PETITION).execute();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
  devApp = await startTestApp({ DATABASE_URL: database.url }, { runJobsInProcess: false });
  const slugs = await database.db.selectFrom("petitions").select("slug").execute();
  const archived = await archivedCampaign(database.db);
  const campaigns = await database.db.selectFrom("campaigns").select("slug").execute();
  info = {
    url: app.url,
    host: new URL(app.url).host,
    openSlug: SEEDED_PETITION,
    closedSlug: CLOSED_PETITION,
    slugs: new Set(slugs.map((row) => row.slug)),
    campaignSlug: CAMPUS,
    archivedCampaignSlug: archived,
    campaignSlugs: new Set(campaigns.map((row) => row.slug)),
  };
  links = await subscriberLinks(database.db);
  org = await organizerInfo(app, database.db);
  await checkFixtures(app, links, org);
  // The published update goes to its follower now: that must be over before the "nothing written" snapshot.
  await outboxSettled(database.db);
});

afterAll(async () => {
  await devApp?.close();
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

/** Tables a failed sign-in writes to by design (the sign-in limit counts failures per IP and account). */
const WRITTEN_BY_DESIGN = new Set(["login_failures"]);
/** Columns every request may write: a session's idle clock moves with each organizer request. */
const TOUCHED_BY_DESIGN: Record<string, string[]> = { organizer_sessions: ["last_seen_at"] };
/** Tables the snapshot must cover (it covers every table; these are named so that a rename cannot drop one unnoticed). */
const WATCHED_TABLES = [
  "signatures", "signature_tokens", "outbox", "audit_log", "organizer_sessions", "petitions",
  "subscribers", "follows", "follow_tokens", "erasure_tokens", "campaign_updates", "campaign_update_translations", "update_sends",
];

/** Every table's row count and a digest of its contents, and the emails received so far. */
async function written(): Promise<Record<string, string | number>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(database.db);
  const snapshot: Record<string, string | number> = { emails: smtp.messages.length };
  for (const { name } of tables) {
    if (WRITTEN_BY_DESIGN.has(name)) continue;
    const row = sql`to_jsonb(t) - ${sql.val(TOUCHED_BY_DESIGN[name] ?? [])}::text[]`;
    const { rows } = await sql<{ n: number; digest: string | null }>`
      select count(*)::int as n, md5(string_agg((${row})::text, '|' order by (${row})::text)) as digest from ${sql.table(name)} t`.execute(database.db);
    snapshot[name] = `${rows[0].n} rows, ${rows[0].digest ?? "empty"}`;
  }
  const missing = WATCHED_TABLES.filter((name) => !(name in snapshot));
  if (missing.length > 0) throw new Error(`the snapshot does not cover ${missing.join(", ")}`);
  return snapshot;
}

/** What a failure message says: why the request is invalid, what was sent, what came back. */
function failure(problem: string, value: unknown, request: HttpRequest, outcome: Outcome, baseUrl = app.url): Error {
  return messageOnly(`${problem}\n  case: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" && v.length > 300 ? `${v.slice(0, 300)}…` : v))}\n  sent: ${describeRequest(baseUrl, request)}\n  got: ${describeOutcome(outcome)}`);
}

/** An Error without a stack: fast-check prints it into the report, where the stack is noise. */
function messageOnly(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/** Answer times in ms, for the summary line. */
const latencies: number[] = [];

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

/** Answers per target and status ("closed": no answer), for the summary: a target whose requests all stop at the same door tests little. */
const answers = new Map<string, Map<string, number>>();

/** The slowest answers, to name in the summary (and in FUZZ_SLOW_LOG, every answer over 2 s as it happens). */
const slowest: { ms: number; line: string }[] = [];

function tally(target: string, outcome: Outcome, request: HttpRequest): void {
  const line = () => `${Math.round(outcome.ms)} ms ${target} ${describeRequest(app.url, request).split("\n")[0].slice(0, 160)} → ${outcome.status ?? outcome.error}`;
  if (process.env.FUZZ_SLOW_LOG && outcome.ms > 2_000) appendFileSync(process.env.FUZZ_SLOW_LOG, `${line()}\n`);
  if ((slowest.length < 3 || outcome.ms > slowest[slowest.length - 1].ms)) {
    slowest.push({ ms: outcome.ms, line: line() });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 3);
  }
  const byStatus = answers.get(target) ?? new Map<string, number>();
  const key = outcome.status === null ? "closed" : String(outcome.status);
  byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  answers.set(target, byStatus);
}

function answersSummary(): string {
  return [...answers]
    .map(([target, byStatus]) => `  ${target}: ${[...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}×${n}`).join(" ")}`)
    .join("\n");
}

function slowestSummary(): string {
  return slowest.map((entry) => `  ${entry.line}`).join("\n");
}

/** No hang and no 5xx. A raw socket the server closes without an answer is fine: the bytes were not HTTP. */
function expectSafe(value: unknown, request: HttpRequest, outcome: Outcome, baseUrl = app.url) {
  latencies.push(outcome.ms);
  if (outcome.error === "timeout") throw failure("no answer within 5 s", value, request, outcome, baseUrl);
  if (outcome.status !== null && outcome.status >= 500) throw failure(`answered ${outcome.status}`, value, request, outcome, baseUrl);
  if (request.via === "fetch" && outcome.status === null) throw failure("connection dropped without an answer", value, request, outcome, baseUrl);
}

let tag = 0;
/** Gives the signature's or follow's email (when it is a valid one) a tag of this attempt, so a row it writes can be found. */
function tagEmail(fields: Field[]): { fields: Field[]; pattern: string } {
  const id = `t${++tag}x${Math.floor(Math.random() * 1e6)}`;
  return {
    pattern: `fuzz.${id}.%`,
    fields: fields.map(([name, value]): Field => (name === "email" && "text" in value && /^fuzz\.[a-z0-9]+@example\.com$/.test(value.text) ? [name, text(value.text.replace("fuzz.", `fuzz.${id}.`))] : [name, value])),
  };
}

describe("fuzzing every public POST with bad requests", () => {
  it(`answers ${BAD_RUNS} generated bad requests without a 5xx, a hang, a write or a console.error`, { timeout: Math.max(300_000, BAD_RUNS * 60) }, async () => {
    const before = await written();
    // One budget for every target (FUZZ_RUNS in all), weighted by how much each endpoint can get wrong.
    const runs = shareRuns(BAD_RUNS, {
      sign: 20, confirm: 7, locale: 6, login: 4, setPassword: 2, logout: 2, raw: 9, paths: 7,
      follow: 11, followToken: 4, unsubscribe: 4, preferencesLink: 4, preferences: 5, erasure: 3, linkGets: 5,
      updateForm: 5, cancel: 2, petitionEdit: 2,
    });

    /** A form that would create a row (a signature, a follow) but for one thing: it must not. */
    const creating = (name: string, arbitrary: fc.Arbitrary<FormCase>, count: number, stored: (pattern: string) => Promise<unknown[]>): FuzzTarget<FormCase> => ({
      name,
      arbitrary,
      runs: count,
      async check(c) {
        const tagged = tagEmail(c.post.fields);
        const request = formRequest({ ...c.post, fields: tagged.fields }, info);
        const outcome = await send(app.url, request);
        tally(name, outcome, request);
        expectSafe(c, request, outcome);
        if (c.why === "oversized body" && outcome.status !== 413) throw failure("a body over 64 KB was not refused with 413", c, request, outcome);
        const rows = await stored(tagged.pattern);
        if (rows.length > 0) throw failure(`an invalid request (${c.why}) stored ${JSON.stringify(rows)}`, c, request, outcome);
      },
    });
    const sign = creating("POST /petitions/:slug", signCases(info), runs.sign, (pattern) =>
      database.db.selectFrom("signatures").select(["id", "first_name", "email", "postal_code"]).where("email", "like", pattern).execute(),
    );
    const follow = creating("POST /campaigns/:slug", followCases(info), runs.follow, (pattern) =>
      database.db.selectFrom("subscribers").select(["id", "first_name", "email", "postal_code"]).where("email", "like", pattern).execute(),
    );
    /** A form endpoint whose only pass conditions are the general ones (no 5xx, no hang, nothing written, no console.error). */
    const formTarget = (name: string, arbitrary: fc.Arbitrary<FormPost>, count: number): FuzzTarget<FormPost> => ({
      name,
      arbitrary,
      runs: count,
      async check(post) {
        const request = formRequest(post, info);
        const outcome = await send(app.url, request);
        tally(name, outcome, request);
        expectSafe(post, request, outcome);
      },
    });
    const confirm = formTarget("POST /confirm/:token", confirmCases(info), runs.confirm);
    const login = formTarget("POST /admin/login", loginCases(info), runs.login);
    const setPassword = formTarget("POST /admin/set-password/:token", setPasswordCases(info), runs.setPassword);
    const logout = formTarget("POST /admin/logout", logoutCases(info), runs.logout);
    const followToken = formTarget("POST /follow/:token", followTokenCases(info, links), runs.followToken);
    const unsubscribe = formTarget("POST /unsubscribe/:token", unsubscribeCases(info, links), runs.unsubscribe);
    const erasure = formTarget("POST /erase/:token", erasureCases(info, links), runs.erasure);
    const preferences = formTarget("POST /preferences/:token", preferencesCases(info, links), runs.preferences);
    const preferencesLink = formTarget("POST /preferences", preferencesLinkCases(info, links), runs.preferencesLink);
    const updateForm = formTarget("POST /admin/campaigns/:slug/updates/new (signed in)", updateFormCases(info, org), runs.updateForm);
    const cancel = formTarget("POST /admin/campaigns/:slug/updates (cancel, signed in)", cancelCases(info, org), runs.cancel);
    const petitionEdit = formTarget("POST /admin/petitions/:slug/edit (milestone switch, signed in)", petitionEditCases(info, org), runs.petitionEdit);
    const linkGets: FuzzTarget<LinkGet> = {
      name: "GET of link and campaign pages",
      arbitrary: linkGetCases(info, links),
      runs: runs.linkGets,
      async check(c) {
        const request = linkGetRequest(c);
        const outcome = await send(app.url, request);
        tally(this.name, outcome, request);
        expectSafe(c, request, outcome);
      },
    };
    const locale: FuzzTarget<FormPost> = {
      name: "POST /locale",
      arbitrary: localeCases(info),
      runs: runs.locale,
      async check(post) {
        const request = formRequest(post, info);
        const outcome = await send(app.url, request);
        tally(this.name, outcome, request);
        expectSafe(post, request, outcome);
        const location = outcome.headers.location;
        if (location !== undefined && new URL(location, app.url).origin !== new URL(app.url).origin) {
          throw failure(`redirected off-site to ${JSON.stringify(location)}`, post, request, outcome);
        }
      },
    };
    const raw: FuzzTarget<RawCase> = {
      name: "raw socket",
      arbitrary: rawCases,
      runs: runs.raw,
      async check(c) {
        const request = rawCaseRequest(c, info);
        const outcome = await send(app.url, request);
        tally(this.name, outcome, request);
        expectSafe(c, request, outcome);
      },
    };
    const paths: FuzzTarget<PathCase> = {
      name: "every route with garbage in its path",
      arbitrary: pathCases(info, routePatterns()),
      runs: runs.paths,
      async check(c) {
        const request = pathRequest(c);
        const base = c.devApp ? devApp.url : app.url;
        const outcome = await send(base, request);
        tally(this.name, outcome, request);
        expectSafe(c, request, outcome, base);
      },
    };

    const errors = new ConsoleErrorLog();
    errors.install();
    let report;
    try {
      report = await runFuzz(
        [sign, confirm, locale, login, setPassword, logout, raw, paths, follow, followToken, unsubscribe, erasure, preferences, preferencesLink, linkGets, updateForm, cancel, petitionEdit] as FuzzTarget<unknown>[],
        { errors },
      );
    } finally {
      errors.restore();
    }
    console.info(
      `[fuzz] seed ${FUZZ_SEED}: ${JSON.stringify(report.runs)}; answers ${summary(latencies)}; ` +
        `${errors.entries.filter((e) => e.known).length} logs of known issues tolerated (KNOWN_ISSUES in tests/support/fuzz.ts); answers by status:\n${answersSummary()}\nslowest:\n${slowestSummary()}`,
    );
    expect(report.failures, `\n${report.failures.join("\n\n")}\n`).toEqual([]);

    // Give the job runner a moment: an outbox row written by mistake would turn into a token and an email.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await written();
    if (after.signatures !== before.signatures) {
      const rows = await database.db.selectFrom("signatures").select(["first_name", "last_name", "email", "postal_code", "comment"]).execute();
      expect.fail(`invalid requests stored signatures (FUZZ_SEED=${FUZZ_SEED}): ${JSON.stringify(rows).slice(0, 2_000)}`);
    }
    expect(after, `tables or emails written by invalid requests (FUZZ_SEED=${FUZZ_SEED})`).toEqual(before);
  });
});

/** What is wrong with an email's headers, next to those of a plain one of its kind (no more headers, one-line subject, one recipient). */
function headerProblems(mail: CapturedMail, baseline: CapturedMail, email: string): string[] {
  const baselineHeaders = [...baseline.headers.keys()].sort();
  const found: string[] = [];
  const names = [...mail.headers.keys()].sort();
  for (const name of ["bcc", "cc", "x-injected", "reply-to"]) if (mail.headers.has(name) && !baselineHeaders.includes(name)) found.push(`a ${name} header`);
  if (JSON.stringify(names) !== JSON.stringify(baselineHeaders)) found.push(`headers ${JSON.stringify(names)} instead of ${JSON.stringify(baselineHeaders)}`);
  if (/[\r\n]/.test(mail.subject)) found.push(`a subject of more than one line: ${JSON.stringify(mail.subject)}`);
  if (mail.subject !== baseline.subject) found.push(`subject ${JSON.stringify(mail.subject)} instead of ${JSON.stringify(baseline.subject)}`);
  if (mail.to !== email) found.push(`sent to ${JSON.stringify(mail.to)}`);
  return found;
}

describe("CR/LF in a valid signature or follow", () => {
  it(`puts no injected header into the confirmation email (${VALID_RUNS} signatures and follows)`, { timeout: 120_000 }, async () => {
    // A plain signature and a plain follow first: their emails' header names are the ones every such email must have, no more.
    const plainSigner = `plain.${Date.now()}@example.com`;
    const plainFollower = `plain.follower.${Date.now()}@example.com`;
    expect((await app.post(`/petitions/${SEEDED_PETITION}`, { firstName: "Ana", lastName: "López", email: plainSigner, postalCode: "94110" })).status).toBe(302);
    expect((await app.post(`/campaigns/${CAMPUS}`, { firstName: "Ana", email: plainFollower, postalCode: "94110" })).status).toBe(302);
    const [signBaseline] = await smtp.waitFor((mail) => mail.to === plainSigner);
    const [followBaseline] = await smtp.waitFor((mail) => mail.to === plainFollower);

    let attempt = 0;
    type Valid = { fields: Field[]; encoding: "urlencoded" | "multipart" };
    const valid = (name: string, fields: fc.Arbitrary<Field[]>, path: string, baseline: CapturedMail, runs: number): FuzzTarget<Valid> => ({
      name,
      arbitrary: fields.chain((f) => fcEncoding.map((encoding) => ({ fields: f, encoding }))),
      runs,
      async check(value) {
        const email = `inject.${++attempt}.${Date.now()}@example.com`;
        const fields = value.fields.map(([n, v]): Field => (n === "email" ? [n, text(email)] : [n, v]));
        const request = formRequest({ path, origin: "same", encoding: value.encoding, fields }, info);
        const outcome = await send(app.url, request);
        if (outcome.status !== 302) throw failure("a valid submission was not accepted", value, request, outcome);
        const [mail] = await smtp.waitFor((m) => m.to === email, 1, 15_000);
        const found = headerProblems(mail, baseline, email);
        if (found.length > 0) throw failure(`the email has ${found.join("; ")}`, value, request, outcome);
      },
    });
    const signRuns = Math.ceil(VALID_RUNS / 2);
    const targets = [
      valid("valid signature with CR/LF", validSignature, `/petitions/${SEEDED_PETITION}`, signBaseline, signRuns),
      // Followers' names are what CR/LF can reach here: the follow form has no other free text.
      valid("valid follow with CR/LF", validFollow.filter((fields) => fields.some(([n]) => n === "firstName")), `/campaigns/${CAMPUS}`, followBaseline, VALID_RUNS - signRuns),
    ];
    const errors = new ConsoleErrorLog();
    errors.install();
    let report;
    try {
      report = await runFuzz(targets as FuzzTarget<unknown>[], { errors, chunkRuns: 5 });
    } finally {
      errors.restore();
    }
    expect(report.failures, `\n${report.failures.join("\n\n")}\n`).toEqual([]);
    expect(smtp.messages.filter((mail) => mail.headers.has("bcc"))).toEqual([]);
  });
});
