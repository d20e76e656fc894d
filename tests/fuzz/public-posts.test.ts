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
import {
  confirmCases,
  formRequest,
  localeCases,
  loginCases,
  logoutCases,
  pathCases,
  pathRequest,
  rawCaseRequest,
  rawCases,
  routePatterns,
  setPasswordCases,
  signCases,
  validSignature,
  type AppInfo,
  type FormPost,
  type PathCase,
  type RawCase,
  type SignCase,
} from "./generators";

// Generated bad requests against the real app (Express + Remix build, Postgres, SMTP):
// no answer of 500 or more, no hang, nothing written, no console.error; and for valid
// signatures whose name or comment holds CR/LF, no header injected into the email.
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

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.updateTable("petitions").set({ status: "closed", closed_at: new Date() }).where("slug", "=", CLOSED_PETITION).execute();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
  devApp = await startTestApp({ DATABASE_URL: database.url }, { runJobsInProcess: false });
  const slugs = await database.db.selectFrom("petitions").select("slug").execute();
  info = {
    url: app.url,
    host: new URL(app.url).host,
    openSlug: SEEDED_PETITION,
    closedSlug: CLOSED_PETITION,
    slugs: new Set(slugs.map((row) => row.slug)),
  };
});

afterAll(async () => {
  await devApp?.close();
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

/** Tables a failed sign-in writes to by design (the sign-in limit counts failures per IP and account). */
const WRITTEN_BY_DESIGN = new Set(["login_failures"]);

/** Every table's row count and a digest of its contents, and the emails received so far. */
async function written(): Promise<Record<string, string | number>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(database.db);
  const snapshot: Record<string, string | number> = { emails: smtp.messages.length };
  for (const { name } of tables) {
    if (WRITTEN_BY_DESIGN.has(name)) continue;
    const { rows } = await sql<{ n: number; digest: string | null }>`
      select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as digest from ${sql.table(name)} t`.execute(database.db);
    snapshot[name] = `${rows[0].n} rows, ${rows[0].digest ?? "empty"}`;
  }
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

/** No hang and no 5xx. A raw socket the server closes without an answer is fine: the bytes were not HTTP. */
function expectSafe(value: unknown, request: HttpRequest, outcome: Outcome, baseUrl = app.url) {
  latencies.push(outcome.ms);
  if (outcome.error === "timeout") throw failure("no answer within 5 s", value, request, outcome, baseUrl);
  if (outcome.status !== null && outcome.status >= 500) throw failure(`answered ${outcome.status}`, value, request, outcome, baseUrl);
  if (request.via === "fetch" && outcome.status === null) throw failure("connection dropped without an answer", value, request, outcome, baseUrl);
}

let tag = 0;
/** Gives the signature's email (when it is a valid one) a tag of this attempt, so a row it writes can be found. */
function tagEmail(fields: Field[]): { fields: Field[]; pattern: string } {
  const id = `t${++tag}x${Math.floor(Math.random() * 1e6)}`;
  return {
    pattern: `fuzz.${id}.%`,
    fields: fields.map(([name, value]): Field => (name === "email" && "text" in value && /^fuzz\.[a-z0-9]+@example\.com$/.test(value.text) ? [name, text(value.text.replace("fuzz.", `fuzz.${id}.`))] : [name, value])),
  };
}

describe("fuzzing every public POST with bad requests", () => {
  it(`answers ${BAD_RUNS} generated bad requests without a 5xx, a hang, a write or a console.error`, { timeout: Math.max(300_000, BAD_RUNS * 40) }, async () => {
    const before = await written();
    const runs = shareRuns(BAD_RUNS, { sign: 36, confirm: 14, locale: 11, login: 7, setPassword: 3, logout: 3, raw: 14, paths: 12 });

    const sign: FuzzTarget<SignCase> = {
      name: "POST /petitions/:slug",
      arbitrary: signCases(info),
      runs: runs.sign,
      async check(c) {
        const tagged = tagEmail(c.post.fields);
        const request = formRequest({ ...c.post, fields: tagged.fields }, info);
        const outcome = await send(app.url, request);
        expectSafe(c, request, outcome);
        if (c.why === "oversized body" && outcome.status !== 413) throw failure("a body over 64 KB was not refused with 413", c, request, outcome);
        const rows = await database.db.selectFrom("signatures").select(["id", "first_name", "email", "postal_code"]).where("email", "like", tagged.pattern).execute();
        if (rows.length > 0) throw failure(`an invalid request (${c.why}) stored a signature: ${JSON.stringify(rows)}`, c, request, outcome);
      },
    };
    /** A form endpoint whose only pass conditions are the general ones (no 5xx, no hang, nothing written, no console.error). */
    const formTarget = (name: string, arbitrary: fc.Arbitrary<FormPost>, count: number): FuzzTarget<FormPost> => ({
      name,
      arbitrary,
      runs: count,
      async check(post) {
        const request = formRequest(post, info);
        expectSafe(post, request, await send(app.url, request));
      },
    });
    const confirm = formTarget("POST /confirm/:token", confirmCases(info), runs.confirm);
    const login = formTarget("POST /admin/login", loginCases(info), runs.login);
    const setPassword = formTarget("POST /admin/set-password/:token", setPasswordCases(info), runs.setPassword);
    const logout = formTarget("POST /admin/logout", logoutCases(info), runs.logout);
    const locale: FuzzTarget<FormPost> = {
      name: "POST /locale",
      arbitrary: localeCases(info),
      runs: runs.locale,
      async check(post) {
        const request = formRequest(post, info);
        const outcome = await send(app.url, request);
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
        expectSafe(c, request, await send(app.url, request));
      },
    };
    const paths: FuzzTarget<PathCase> = {
      name: "every route with garbage in its path",
      arbitrary: pathCases(info, routePatterns()),
      runs: runs.paths,
      async check(c) {
        const request = pathRequest(c);
        const base = c.devApp ? devApp.url : app.url;
        expectSafe(c, request, await send(base, request), base);
      },
    };

    const errors = new ConsoleErrorLog();
    errors.install();
    let report;
    try {
      report = await runFuzz([sign, confirm, locale, login, setPassword, logout, raw, paths] as FuzzTarget<unknown>[], { errors });
    } finally {
      errors.restore();
    }
    console.info(
      `[fuzz] seed ${FUZZ_SEED}: ${JSON.stringify(report.runs)}; answers ${summary(latencies)}; ` +
        `${errors.entries.filter((e) => e.known).length} known Remix 4xx logs tolerated (KNOWN_ISSUES.remixLogs4xx)`,
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

describe("CR/LF in a valid signature", () => {
  it(`puts no injected header into the confirmation email (${VALID_RUNS} signatures)`, { timeout: 120_000 }, async () => {
    // A plain signature first: its email's header names are the ones every email must have, no more.
    const plain = `plain.${Date.now()}@example.com`;
    const first = await app.post(`/petitions/${SEEDED_PETITION}`, { firstName: "Ana", lastName: "López", email: plain, postalCode: "94110" });
    expect(first.status).toBe(302);
    const [baseline] = await smtp.waitFor((mail) => mail.to === plain);
    const baselineHeaders = [...baseline.headers.keys()].sort();

    const problems = (mail: CapturedMail, email: string): string[] => {
      const found: string[] = [];
      const names = [...mail.headers.keys()].sort();
      for (const name of ["bcc", "cc", "x-injected", "reply-to"]) if (mail.headers.has(name) && !baselineHeaders.includes(name)) found.push(`a ${name} header`);
      if (JSON.stringify(names) !== JSON.stringify(baselineHeaders)) found.push(`headers ${JSON.stringify(names)} instead of ${JSON.stringify(baselineHeaders)}`);
      if (/[\r\n]/.test(mail.subject)) found.push(`a subject of more than one line: ${JSON.stringify(mail.subject)}`);
      if (mail.subject !== baseline.subject) found.push(`subject ${JSON.stringify(mail.subject)} instead of ${JSON.stringify(baseline.subject)}`);
      if (mail.to !== email) found.push(`sent to ${JSON.stringify(mail.to)}`);
      return found;
    };

    let attempt = 0;
    const target: FuzzTarget<{ fields: Field[]; encoding: "urlencoded" | "multipart" }> = {
      name: "valid signature with CR/LF",
      arbitrary: validSignature.chain((fields) => fcEncoding.map((encoding) => ({ fields, encoding }))),
      runs: VALID_RUNS,
      async check(value) {
        const email = `inject.${++attempt}.${Date.now()}@example.com`;
        const fields = value.fields.map(([name, v]): Field => (name === "email" ? [name, text(email)] : [name, v]));
        const request = formRequest({ path: `/petitions/${SEEDED_PETITION}`, origin: "same", encoding: value.encoding, fields }, info);
        const outcome = await send(app.url, request);
        if (outcome.status !== 302) throw failure("a valid signature was not accepted", value, request, outcome);
        const [mail] = await smtp.waitFor((m) => m.to === email, 1, 15_000);
        const found = problems(mail, email);
        if (found.length > 0) throw failure(`the email has ${found.join("; ")}`, value, request, outcome);
      },
    };
    const errors = new ConsoleErrorLog();
    errors.install();
    let report;
    try {
      report = await runFuzz([target as FuzzTarget<unknown>], { errors, chunkRuns: 5 });
    } finally {
      errors.restore();
    }
    expect(report.failures, `\n${report.failures.join("\n\n")}\n`).toEqual([]);
    expect(smtp.messages.filter((mail) => mail.headers.has("bcc"))).toEqual([]);
  });
});
