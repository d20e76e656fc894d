import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { SEEDED_PETITION } from "../support/factories";
import { KNOWN_ISSUES, rawRequest, send, type Outcome } from "../support/fuzz";
import { allowConsoleErrors } from "../support/setup";

// The shrunk reproducers of what the fuzz suite (public-posts.test.ts) found,
// kept as plain tests so each stays fixed whatever the next random run draws.
//
// "reported issues": bugs outside the files the fuzz suite's authors may change,
// reported and not fixed yet. Each is pinned as an expected failure while its
// KNOWN_ISSUES entry is true (and the fuzz generators leave its input out);
// once fixed, the test here fails: set the entry to false, and this becomes a
// plain regression test while the generators send that input again.

let database: TestDatabase;
/** The dev mailer (no SMTP_URL), as in development: /dev/mail/:id is served. */
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const pinned = (known: boolean) => (known ? it.fails : it);

/** For a test of a bug that logs: keeps the expected console.error out of the output and out of setup.ts's check. */
function quietErrors() {
  allowConsoleErrors();
  return vi.spyOn(console, "error").mockImplementation(() => {});
}

describe("reported issues found by fuzzing", () => {
  pinned(KNOWN_ISSUES.remixLogs4xx)("a refused POST /locale (400) logs nothing: remixLogs4xx", async () => {
    const spy = quietErrors();
    try {
      const res = await app.post("/locale", { locale: "xx" });
      expect(res.status).toBe(400);
      const thanks = await app.post("/petitions/tell-your-mayor-defy-trump-expand-sanctuary/thanks", { x: "1" });
      expect(thanks.status).toBe(405);
      const newline = await app.get("/a%0Ab.data");
      expect(newline.status).toBe(404);
      expect(spy.mock.calls).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  pinned(KNOWN_ISSUES.localeReturnToControlChars)("POST /locale with CR/LF, NUL or U+FFFD in returnTo is not a 500: localeReturnToControlChars", async () => {
    quietErrors();
    for (const returnTo of ["/\r\nX-Injected: 1", "/\u0000", "/\uFFFD"]) {
      const res = await app.post("/locale", { locale: "es", returnTo });
      expect(res.status, JSON.stringify(returnTo)).toBeLessThan(500);
    }
  });

  pinned(KNOWN_ISSUES.localeReturnToTab)("POST /locale with returnTo /<TAB>/evil.example stays on-site: localeReturnToTab", async () => {
    const res = await app.post("/locale", { locale: "es", returnTo: "/\t/evil.example" });
    const location = res.headers.get("location") ?? "/";
    // Browsers drop tabs and newlines from a URL before resolving it, as new URL() does.
    expect(new URL(location, app.url).origin).toBe(new URL(app.url).origin);
  });

  pinned(KNOWN_ISSUES.devMailIdOverflow)("GET /dev/mail/2147483648 is a 404, not a 500: devMailIdOverflow", async () => {
    quietErrors();
    const res = await app.get("/dev/mail/2147483648");
    expect(res.status).toBe(404);
  });

  pinned(KNOWN_ISSUES.abortedRenderLogs)("a page that Node cuts off (a 400 for Transfer-Encoding: identity) logs nothing: abortedRenderLogs", async () => {
    const spy = quietErrors();
    try {
      const host = new URL(app.url).host;
      for (const target of [`/unsubscribe/1.1.${"A".repeat(22)}`, "/"]) {
        const bytes = rawRequest({
          target,
          headers: [["Host", host], ["Content-Type", "application/x-www-form-urlencoded"], ["Transfer-Encoding", "identity"]],
          body: Buffer.from("List-Unsubscribe=One-Click"),
        });
        expect(statusLines(await rawExchange(bytes)), target).toEqual([400]);
      }
      // The log line comes from the render that goes on after the connection closed.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(spy.mock.calls.map((args) => String(args[0]))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

const sign = `/petitions/${SEEDED_PETITION}`;

/** A form POST whose urlencoded body is sent exactly as written (raw escapes such as %C3%28 included). */
function postRaw(path: string, body: string | Buffer, headers: Record<string, string> = {}, chunked = false): Promise<Outcome> {
  return send(app.url, {
    via: "fetch",
    method: "POST",
    path,
    headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, "latin1"),
    chunked,
  });
}

async function signatureCount(): Promise<number> {
  const row = await database.db.selectFrom("signatures").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Everything the server sends back on one connection, until it closes it (or 5 s pass). */
function rawExchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(new URL(app.url).port), "127.0.0.1");
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, 5_000);
    socket.on("data", (data) => chunks.push(data));
    socket.on("close", done);
    socket.on("error", done);
    socket.write(bytes);
  });
}

const statusLines = (answer: string) => [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe("fixed bugs found by fuzzing", () => {
  it("refuses invalid UTF-8 in a name or comment with 422 and stores nothing (it stored U+FFFD)", async () => {
    const before = await signatureCount();
    for (const [field, value] of [["firstName", "a%C3%28b"], ["lastName", "%FF"], ["firstName", "%ED%A0%80"], ["comment", "ok%C3%28"]]) {
      const fields = { firstName: "Ana", lastName: "López", comment: "hi", [field]: value };
      const body = `${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join("&")}&email=utf8.${field}.${value.length}%40example.com&postalCode=94110`;
      const res = await postRaw(sign, body);
      expect(res.status, `${field}=${value}`).toBe(422);
    }
    expect(await signatureCount()).toBe(before);
  });

  it("refuses a chunked body over 64 KB with 413 and stores nothing (it read it whole and stored the signature in it)", async () => {
    const before = await signatureCount();
    const body = `firstName=Ana&lastName=B&email=chunked.big%40example.com&postalCode=94110&padding=${"a".repeat(65_537)}`;
    const res = await postRaw(sign, body, {}, true);
    expect(res.status).toBe(413);
    expect(await signatureCount()).toBe(before);
  });

  it("answers the next request on a connection after refusing an unread body (it hung)", async () => {
    const big = rawRequest({
      target: sign,
      headers: [["Host", new URL(app.url).host], ["Origin", app.url], ["Content-Type", "application/x-www-form-urlencoded"], ["Connection", "keep-alive"]],
      body: Buffer.alloc(200_000, "a"),
    });
    const next = rawRequest({ method: "GET", target: "/healthz", headers: [["Host", new URL(app.url).host]] });
    expect(statusLines(await rawExchange(Buffer.concat([big, next])))).toEqual([413, 200]);
  });

  it("answers 400 for a NUL in a path, not 500 (Postgres refused the slug)", async () => {
    for (const path of ["/petitions/%00", "/campaigns/%00", "/api/petitions/%00", "/petitions/a%00b/thanks"]) {
      expect((await app.get(path)).status, path).toBe(400);
    }
    expect((await postRaw("/petitions/%00", "firstName=Ana")).status).toBe(400);
  });

  it("answers a NUL in the sign-in email with a 4xx, not 500 (Postgres refused it)", async () => {
    const res = await postRaw("/admin/login", "email=owner%00%40example.org&password=whatever", { "X-Forwarded-For": "203.0.113.9" });
    expect(res.status).toBe(400);
  });

  it("answers 4xx, not 500, when Remix's adapter cannot build the request's URL or method", async () => {
    const host = new URL(app.url).host;
    const cases: [string, Buffer][] = [
      ["Host: a b", rawRequest({ method: "GET", target: "/", headers: [["Host", "a b"]] })],
      ["Host: x:99999999", rawRequest({ method: "GET", target: "/", headers: [["Host", "x:99999999"]] })],
      ["Host: a@b", rawRequest({ method: "GET", target: "/", headers: [["Host", "a@b"]] })],
      ["Host: 1.2.3.256", rawRequest({ method: "GET", target: "/", headers: [["Host", "1.2.3.256"]] })],
      ["X-Forwarded-Host: a b", rawRequest({ target: "/locale", headers: [["Host", host], ["X-Forwarded-Host", "a b"]], body: Buffer.from("locale=es") })],
      ["absolute-form target", rawRequest({ method: "GET", target: "http://evil.example/", headers: [["Host", host]] })],
      ["OPTIONS *", rawRequest({ method: "OPTIONS", target: "*", headers: [["Host", host]] })],
      ["target without a slash", rawRequest({ method: "GET", target: "petitions/x", headers: [["Host", host]] })],
      ["TRACE", rawRequest({ method: "TRACE", target: "/", headers: [["Host", host]] })],
    ];
    for (const [what, bytes] of cases) {
      const [status] = statusLines(await rawExchange(bytes));
      expect(status, what).toBeGreaterThanOrEqual(400);
      expect(status, what).toBeLessThan(500);
    }
  });
});
