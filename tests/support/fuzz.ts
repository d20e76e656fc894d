import net from "node:net";
import { inspect } from "node:util";
import fc from "fast-check";

/**
 * Shared machinery of the fuzz suite (tests/fuzz): form values that can hold
 * any bytes, bodies built from them, two ways to send a request (fetch, and a
 * raw socket for bytes fetch refuses to send), console.error bookkeeping, and
 * a runner that spreads fast-check properties over a few concurrent workers.
 */

/** Generated requests in all, across every endpoint: ~500 in `npm test`, 10,000 in `npm run test:fuzz`. */
export const FUZZ_RUNS = Math.max(20, Number(process.env.FUZZ_RUNS ?? 500));
/** Replay a run with FUZZ_SEED=<the seed in the failure message>. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Requests in flight at once. Modest: the point is bad input, not load. */
export const FUZZ_CONCURRENCY = Math.max(1, Number(process.env.FUZZ_CONCURRENCY ?? 8));
/** A request not answered (or closed) within this is a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;

// ─── Bugs reported outside tests/fuzz and not fixed yet ────────────────────────
//
// Each entry leaves out of the generators (or, for logging, tolerates) exactly
// the input that trips a bug already reported, so the suite keeps guarding
// everything else. tests/fuzz/reproducers.test.ts pins each one as an expected
// failure: when a fix lands that test fails, and then set the entry to false
// here, which both turns that test into a plain regression test and lets the
// generators send those inputs again.
export const KNOWN_ISSUES = {
  /**
   * Remix logs (console.error) a 4xx thrown from a resource route or raised by
   * its own router: any bad POST /locale or /admin/logout (400/413/415), a POST
   * to a page with no action (405), a path with an encoded newline (404), a
   * `?_data=` request (403). No handleError in app/entry.server.tsx.
   */
  remixLogs4xx: false,
  /** POST /locale with a returnTo holding a control character or one above U+00FF answers 500 (invalid Location header). */
  localeReturnToControlChars: false,
  /** POST /locale with returnTo "/\t/evil.example" redirects off-site: browsers drop the tab and read "//evil.example". */
  localeReturnToTab: false,
  /** GET /dev/mail/<integer above 2^31-1> answers 500 (Postgres: value out of range for type integer). */
  devMailIdOverflow: false,
  /**
   * A page still streaming when its connection is gone is logged (console.error "The
   * destination stream errored while writing data.", app/entry.server.tsx onError): e.g. a
   * POST with "Transfer-Encoding: identity" to a route that answers without reading the body
   * (the one-click unsubscribe, a page with no action), which Node answers 400 and closes
   * while Remix renders. Anyone can fill the log with it; the client got its 400.
   */
  abortedRenderLogs: false,
};

// ─── Values and bodies ──────────────────────────────────────────────────────────

/**
 * One form value, kept short and readable in a failure message:
 * `text` is sent as UTF-8 (a lone surrogate becomes U+FFFD, as in a browser);
 * `bytes` is any octets, one char per byte (invalid UTF-8: "\xC3\x28");
 * `verbatim` goes into an urlencoded body as is (malformed escapes: "%E0%A4%A"; no "+", which
 * would read as a space there), and unescaped into a multipart one;
 * `repeat` is a long value (1 MB) that the message shows by its recipe.
 */
export type Value = { text: string } | { bytes: string } | { verbatim: string } | { repeat: string; times: number };
export type Field = [name: string, value: Value];

export const text = (value: string): Value => ({ text: value });

/** The bytes of "%C3%28x%ZZ": escapes decoded, malformed ones left as they are. */
function unescapeBytes(escaped: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const hex = escaped.slice(i + 1, i + 3);
    if (escaped[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(escaped[i], "utf8"));
    }
  }
  return Buffer.from(bytes);
}

/** The value's bytes as the app receives them (in a multipart body, `verbatim` is sent unescaped). */
export function valueBytes(value: Value): Buffer {
  if ("text" in value) return Buffer.from(value.text, "utf8");
  if ("bytes" in value) return Buffer.from(value.bytes, "latin1");
  if ("verbatim" in value) return unescapeBytes(value.verbatim);
  return Buffer.from(value.repeat.repeat(value.times), "utf8");
}

/** The string the app reads for this value (UTF-8 decoded, invalid sequences as U+FFFD). */
export function decodedValue(value: Value): string {
  return new TextDecoder().decode(valueBytes(value));
}

function percentEncode(bytes: Buffer): string {
  const out: string[] = [];
  for (const byte of bytes) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2a || byte === 0x2d || byte === 0x2e || byte === 0x5f) {
      out.push(String.fromCharCode(byte));
    } else if (byte === 0x20) {
      out.push("+");
    } else {
      out.push(`%${byte.toString(16).toUpperCase().padStart(2, "0")}`);
    }
  }
  return out.join("");
}

/** application/x-www-form-urlencoded, as a browser encodes it (plus whatever `verbatim` holds). */
export function urlencodedBody(fields: Field[]): Buffer {
  const pairs = fields.map(([name, value]) => {
    if ("repeat" in value && /^[A-Za-z0-9]+$/.test(value.repeat)) return `${percentEncode(Buffer.from(name))}=${value.repeat.repeat(value.times)}`;
    return `${percentEncode(Buffer.from(name))}=${"verbatim" in value ? value.verbatim : percentEncode(valueBytes(value))}`;
  });
  return Buffer.from(pairs.join("&"), "latin1");
}

/** How a multipart body is broken on purpose (see multipartBody). */
export type MultipartBreak =
  | { kind: "none" }
  | { kind: "boundary-mismatch" }
  | { kind: "no-boundary-param" }
  | { kind: "boundary-param"; value: string }
  | { kind: "no-closing-delimiter" }
  | { kind: "truncate"; keep: number }
  | { kind: "huge-part-header"; size: number }
  | { kind: "no-content-disposition" }
  | { kind: "no-name" }
  | { kind: "lf-line-endings" }
  | { kind: "file-part" }
  | { kind: "part-header"; line: string }
  | { kind: "garbage-after-boundary"; bytes: string }
  | { kind: "nested-multipart" };

export interface Multipart {
  contentType: string;
  body: Buffer;
}

const quoteName = (name: string) => name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

/** multipart/form-data of these fields, well-formed or broken as asked. The boundary never occurs in a value. */
export function multipartBody(fields: Field[], broken: MultipartBreak = { kind: "none" }): Multipart {
  const boundary = "----SanctuaryFuzz7MA4YWxkTrZu0gW";
  let contentType = `multipart/form-data; boundary=${boundary}`;
  const eol = broken.kind === "lf-line-endings" ? "\n" : "\r\n";
  const parts = fields.map(([name, value], index) => {
    const headers: string[] = [];
    if (broken.kind === "no-content-disposition" && index === 0) headers.push("Content-Type: text/plain");
    else if (broken.kind === "no-name" && index === 0) headers.push("Content-Disposition: form-data");
    else if (broken.kind === "file-part" && index === 0) headers.push(`Content-Disposition: form-data; name="${quoteName(name)}"; filename="a.txt"`, "Content-Type: text/plain");
    else headers.push(`Content-Disposition: form-data; name="${quoteName(name)}"`);
    if (broken.kind === "huge-part-header" && index === 0) headers.push(`X-Padding: ${"p".repeat(broken.size)}`);
    if (broken.kind === "part-header" && index === 0) headers.push(broken.line);
    const head = Buffer.from(`--${boundary}${eol}${headers.join(eol)}${eol}${eol}`, "latin1");
    return Buffer.concat([head, valueBytes(value), Buffer.from(eol, "latin1")]);
  });
  let body = Buffer.concat([...parts, Buffer.from(`--${boundary}--${eol}`, "latin1")]);
  switch (broken.kind) {
    case "boundary-mismatch":
      contentType = "multipart/form-data; boundary=SomethingElseEntirely";
      break;
    case "no-boundary-param":
      contentType = "multipart/form-data";
      break;
    case "boundary-param":
      contentType = `multipart/form-data; boundary=${broken.value}`;
      break;
    case "no-closing-delimiter":
      body = Buffer.concat(parts);
      break;
    case "truncate":
      body = body.subarray(0, Math.min(broken.keep, body.length - 1));
      break;
    case "garbage-after-boundary":
      body = Buffer.concat([Buffer.from(`--${boundary}${broken.bytes}\r\n`, "latin1"), body]);
      break;
    case "nested-multipart": {
      const inner = body;
      body = Buffer.concat([
        Buffer.from(`--${boundary}X\r\nContent-Disposition: form-data; name="files"\r\nContent-Type: ${contentType}\r\n\r\n`, "latin1"),
        inner,
        Buffer.from(`\r\n--${boundary}X--\r\n`, "latin1"),
      ]);
      contentType = `multipart/form-data; boundary=${boundary}X`;
      break;
    }
  }
  return { contentType, body };
}

// ─── Sending ────────────────────────────────────────────────────────────────────

/** A request fetch can send: any ASCII path, any body bytes, chunked when `chunked`. */
export interface FetchRequest {
  via: "fetch";
  method: string;
  /** Path and query, appended to the app's URL. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | null;
  /** Send the body as a stream: chunked transfer encoding, no Content-Length. */
  chunked?: boolean;
}

/** Bytes written to a socket exactly as given. */
export interface RawRequest {
  via: "raw";
  bytes: Buffer;
  /** Close our side after writing, as a client that gives up mid-request. */
  halfClose?: boolean;
}

export type HttpRequest = FetchRequest | RawRequest;

export interface Outcome {
  /** null: the server closed the connection without an answer. */
  status: number | null;
  headers: Record<string, string>;
  /** The first 2 KB of the body. */
  body: string;
  ms: number;
  /** "timeout" for a hang; otherwise what went wrong on our side. */
  error?: string;
}

/** A raw HTTP/1.1 request with a correct Content-Length and Connection: close, unless `headers` already frame it. */
export function rawRequest(options: { method?: string; target: string; headers: [string, string][]; body?: Buffer | null; version?: string }): Buffer {
  const headers = [...options.headers];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name.toLowerCase());
  const body = options.body ?? null;
  if (body && !has("content-length") && !has("transfer-encoding")) headers.push(["Content-Length", String(body.length)]);
  if (!has("connection")) headers.push(["Connection", "close"]);
  const head = `${options.method ?? "POST"} ${options.target} ${options.version ?? "HTTP/1.1"}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body ?? Buffer.alloc(0)]);
}

function streamOf(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + 16_384)));
      offset += 16_384;
    },
  });
}

async function sendFetch(baseUrl: string, request: FetchRequest): Promise<Outcome> {
  const started = performance.now();
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const body = request.body ? (request.chunked ? streamOf(request.body) : new Uint8Array(request.body)) : undefined;
  try {
    const res = await fetch(baseUrl + request.path, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
      signal,
      ...(request.chunked ? { duplex: "half" } : {}),
    } as RequestInit);
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), body: text.slice(0, 2000), ms: performance.now() - started };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const timedOut = signal.aborted || e.name === "TimeoutError";
    return {
      status: null,
      headers: {},
      body: "",
      ms: performance.now() - started,
      error: timedOut ? "timeout" : `${e.message}${e.cause ? ` (${[e.cause.code, e.cause.message].filter(Boolean).join(": ")})` : ""}`,
    };
  }
}

function sendRaw(port: number, request: RawRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1");
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks).toString("latin1");
      // Skip interim answers (100 Continue): the status is the first final one.
      const statuses = [...data.matchAll(/(?:^|\r\n\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      const status = statuses.find((s) => s >= 200) ?? null;
      const head = data.split("\r\n\r\n")[0] ?? "";
      const headers: Record<string, string> = {};
      for (const line of head.split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: data.slice(head.length + 4, head.length + 4 + 2000), ms: performance.now() - started, error });
    };
    const timer = setTimeout(() => finish("timeout"), REQUEST_TIMEOUT_MS);
    socket.on("data", (data) => {
      chunks.push(data);
      // A keep-alive answer does not end with a close: stop once the answer is whole.
      if (answerComplete(Buffer.concat(chunks).toString("latin1"))) finish();
    });
    socket.on("close", () => finish());
    // A reset after the server answered (it stops reading a body it refused) is not an error.
    socket.on("error", (error) => finish(chunks.length > 0 ? undefined : (error as NodeJS.ErrnoException).code ?? error.message));
    socket.write(request.bytes, () => {
      if (request.halfClose) socket.end();
    });
  });
}

/** Whether `data` holds a whole final answer (after any 1xx): its head, and its body by Content-Length or chunked framing. */
function answerComplete(data: string): boolean {
  let start = 0;
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", start);
    if (headEnd < 0) return false;
    const head = data.slice(start, headEnd);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    if (status >= 100 && status < 200) {
      start = headEnd + 4;
      continue;
    }
    const body = data.slice(headEnd + 4);
    if (status === 204 || status === 304) return true;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) return body.length >= Number(length[1]);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return body === "0\r\n\r\n" || body.endsWith("\r\n0\r\n\r\n");
    return false;
  }
}

export function send(baseUrl: string, request: HttpRequest): Promise<Outcome> {
  return request.via === "fetch" ? sendFetch(baseUrl, request) : sendRaw(Number(new URL(baseUrl).port), request);
}

const clip = (value: string, max = 600) => (value.length > max ? `${value.slice(0, max)}… (${value.length} chars)` : value);

/** The request as sent, for a failure message (long parts clipped). */
export function describeRequest(baseUrl: string, request: HttpRequest): string {
  if (request.via === "raw") {
    return `raw socket${request.halfClose ? " (then half-closed)" : ""}: ${JSON.stringify(clip(request.bytes.toString("latin1"), 1200))}`;
  }
  let sent = request.path;
  try {
    const url = new URL(baseUrl + request.path);
    sent = url.pathname + url.search;
  } catch {
    // fetch refuses it too; show it as given.
  }
  const body = request.body ? JSON.stringify(clip(request.body.toString("latin1"))) : "(none)";
  return `${request.method} ${sent}${request.chunked ? " (chunked)" : ""}\n  headers: ${JSON.stringify(request.headers)}\n  body: ${body}`;
}

export function describeOutcome(outcome: Outcome): string {
  if (outcome.error) return `${outcome.error} after ${Math.round(outcome.ms)} ms${outcome.status ? ` (status ${outcome.status})` : ""}`;
  return `${outcome.status ?? "closed without an answer"} in ${Math.round(outcome.ms)} ms: ${JSON.stringify(clip(outcome.body, 300))}`;
}

// ─── console.error ──────────────────────────────────────────────────────────────

export interface LoggedError {
  text: string;
  /** A known issue (KNOWN_ISSUES.remixLogs4xx, abortedRenderLogs) rather than a new problem. */
  known: boolean;
}

/** Whether console.error arguments are React failing to stream a page into a closed connection (KNOWN_ISSUES.abortedRenderLogs). */
export function isAbortedRenderLog(args: unknown[]): boolean {
  const [first] = args;
  return first instanceof Error && first.message === "The destination stream errored while writing data.";
}

/**
 * Whether console.error arguments are Remix logging a 4xx of its own making:
 * a route error response, a POST to a route without an action, a path no
 * route matches (a splat does not match a newline: /a%0Ab.data), or the
 * `?_data` warning (KNOWN_ISSUES.remixLogs4xx).
 */
export function isRemix4xxLog(args: unknown[]): boolean {
  const [first] = args;
  if (first && typeof first === "object" && "status" in first && "internal" in first) {
    const status = (first as { status: unknown }).status;
    return typeof status === "number" && status >= 400 && status < 500;
  }
  if (first instanceof Error) {
    return (
      /^You made a \w+ request to ".*" but did not provide an `action` for route/s.test(first.message) ||
      first.message.startsWith("Warning: Single fetch-enabled apps should not be making ?_data requests") ||
      /^Route ".*" does not match URL ".*"$/s.test(first.message) ||
      /^No route matches URL ".*"$/s.test(first.message)
    );
  }
  return false;
}

/**
 * Records every console.error (and still passes it on, so setup.ts sees it)
 * so a property can tell which request logged one.
 */
export class ConsoleErrorLog {
  readonly entries: LoggedError[] = [];
  private original: typeof console.error | null = null;

  install(): void {
    this.original = console.error;
    const original = this.original;
    console.error = (...args: unknown[]) => {
      const known = (KNOWN_ISSUES.remixLogs4xx && isRemix4xxLog(args)) || (KNOWN_ISSUES.abortedRenderLogs && isAbortedRenderLog(args));
      this.entries.push({ text: args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 2 }))).join(" "), known });
      if (!known) original(...args);
    };
  }

  restore(): void {
    if (this.original) console.error = this.original;
    this.original = null;
  }

  mark(): number {
    return this.entries.length;
  }

  /** Unknown errors logged since `mark`. */
  since(mark: number): LoggedError[] {
    return this.entries.slice(mark).filter((entry) => !entry.known);
  }
}

// ─── Running properties ─────────────────────────────────────────────────────────

export interface FuzzTarget<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  runs: number;
  /** Throws when `value` shows a problem; its message goes into the failure report. */
  check(value: T): Promise<void>;
}

export interface FuzzReport {
  failures: string[];
  /** Property runs done, per target. */
  runs: Record<string, number>;
}

/**
 * Runs each target's property for its number of runs, split into chunks that
 * run FUZZ_CONCURRENCY at a time, each chunk with its own seed. A failing
 * chunk takes the floor: the others stand by while fast-check shrinks it
 * alone, so what it shrinks to (and any console.error) is its own.
 */
export async function runFuzz(
  targets: FuzzTarget<unknown>[],
  options: { errors: ConsoleErrorLog; seed?: number; concurrency?: number; chunkRuns?: number; maxFailures?: number },
): Promise<FuzzReport> {
  const seed = options.seed ?? FUZZ_SEED;
  const concurrency = options.concurrency ?? FUZZ_CONCURRENCY;
  const chunkRuns = options.chunkRuns ?? 25;
  const maxFailures = options.maxFailures ?? 3;
  const { errors } = options;
  const failures: string[] = [];
  const runs: Record<string, number> = {};
  const state = { owner: null as number | null, inflight: 0 };

  const drained = async () => {
    while (state.inflight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  interface Job {
    id: number;
    target: FuzzTarget<unknown>;
    runs: number;
  }
  const jobs: Job[] = [];
  for (const target of targets) {
    runs[target.name] = 0;
    for (let done = 0; done < target.runs; done += chunkRuns) {
      jobs.push({ id: jobs.length, target, runs: Math.min(chunkRuns, target.runs - done) });
    }
  }

  const runJob = async (job: Job) => {
    const attempt = async (value: unknown) => {
      const mark = errors.mark();
      state.inflight++;
      try {
        await job.target.check(value);
      } finally {
        state.inflight--;
      }
      return errors.since(mark);
    };
    const predicate = async (value: unknown): Promise<void> => {
      // Another chunk is shrinking a failure: wait for it to finish.
      while (state.owner !== null && state.owner !== job.id) await new Promise((resolve) => setTimeout(resolve, 20));
      runs[job.target.name]++;
      let logged: LoggedError[];
      try {
        logged = await attempt(value);
      } catch (error) {
        if (state.owner === null) state.owner = job.id;
        if (state.owner !== job.id) return; // another chunk took the floor first; a later run will meet this again
        throw error;
      }
      if (logged.length === 0) return;
      if (state.owner !== job.id) {
        // Another request in flight may have logged it: take the floor (once free) and try again alone.
        while (state.owner !== null && state.owner !== job.id) await new Promise((resolve) => setTimeout(resolve, 20));
        state.owner = job.id;
        await drained();
        logged = await attempt(value);
        if (logged.length === 0) {
          state.owner = null;
          return;
        }
      }
      throw new Error(`console.error while handling it:\n${logged.map((entry) => `  ${entry.text.split("\n").slice(0, 6).join("\n  ")}`).join("\n")}`);
    };
    const details = await fc.check(fc.asyncProperty(job.target.arbitrary, predicate), {
      numRuns: job.runs,
      seed: seed + job.id,
      includeErrorInReport: true,
      // A hang costs REQUEST_TIMEOUT_MS per shrinking step: keep the search bounded.
      interruptAfterTimeLimit: 120_000,
    });
    if (details.failed) {
      failures.push(`[${job.target.name}] ${fc.defaultReportMessage(details) ?? "failed"}\n(FUZZ_SEED=${seed}, chunk ${job.id})`);
    }
    if (state.owner === job.id) state.owner = null;
  };

  let next = 0;
  const worker = async () => {
    while (next < jobs.length && failures.length < maxFailures) {
      const job = jobs[next++];
      await runJob(job);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return { failures, runs };
}

/** Splits `total` runs over weighted targets (each gets at least one). */
export function shareRuns<K extends string>(total: number, weights: Record<K, number>): Record<K, number> {
  const keys = Object.keys(weights) as K[];
  const sum = keys.reduce((acc, key) => acc + weights[key], 0);
  const shares = {} as Record<K, number>;
  let given = 0;
  keys.forEach((key, index) => {
    const share = index === keys.length - 1 ? total - given : Math.max(1, Math.round((total * weights[key]) / sum));
    shares[key] = share;
    given += share;
  });
  return shares;
}
