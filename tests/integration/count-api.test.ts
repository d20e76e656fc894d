import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DB } from "../../db/schema";
import { createHttpApp } from "../../app/http.server";
import { COUNT_MAX_AGE_MS, SignatureCounts } from "../../app/models/counts.server";
import { PETITION_REF_MAX_AGE_MS } from "../../app/models/petitions.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { insertPetition, petitionId, SEEDED_PETITION } from "../support/factories";
import { startSmtpSink, type SmtpSink } from "../support/smtp";

// Issue 5: the count API is answered ahead of Remix (app/lib/count-api.server.ts). It must answer exactly as the
// Remix route does — same JSON, status and headers — which still answers what the fast path leaves to it (a slug
// with an escaped character), so the two can be compared request for request.

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;
let production: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url });
  production = await startTestApp({ NODE_ENV: "production", DATABASE_URL: database.url, SMTP_URL: smtp.url });
  await insertPetition(database.db, { slug: "a-draft-petition", status: "draft", title: "A draft" });
});

afterAll(async () => {
  await production?.close();
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request as a plain client sends it (no Accept-Encoding, unlike fetch), with every response header. */
function raw(baseUrl: string, target: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Raw> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: target, method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The same slug with its first hyphen escaped: Remix decodes it to the same slug, the fast path leaves it to Remix. */
const viaRemix = (slug: string) => slug.replace("-", "%2D");

/** A signature row as signing stores one (the API counts confirmed ones). */
const signatureRow = (petition: number) => ({
  petition_id: petition,
  first_name: "Rosa",
  last_name: "Parks",
  email: "rosa@example.com",
  email_normalized: "rosa@example.com",
  postal_code: "94110",
  zip5: "94110",
  locale: "en" as const,
});

/** What may differ between two answers with the same content: framing and the clock. */
const FRAMING = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);
const comparable = (answer: Raw) => ({
  status: answer.status,
  body: answer.body,
  headers: Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !FRAMING.has(name))),
});

describe("the count API ahead of Remix", () => {
  it("answers with the JSON, status and headers of the Remix route, for a petition, an unknown slug and a draft", async () => {
    for (const server of [app, production]) {
      for (const slug of [SEEDED_PETITION, "no-such-petition", "a-draft-petition"]) {
        const fast = await raw(server.url, `/api/petitions/${slug}`);
        const remix = await raw(server.url, `/api/petitions/${viaRemix(slug)}`);
        // Proof that the two took different paths: Remix streams its body, the fast path knows the length.
        expect(fast.headers["content-length"], slug).toBe(String(Buffer.byteLength(fast.body)));
        expect(remix.headers["transfer-encoding"], slug).toBe("chunked");
        expect(comparable(fast), slug).toEqual(comparable(remix));
      }
    }
    const found = await raw(app.url, `/api/petitions/${SEEDED_PETITION}`);
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body)).toEqual({
      slug: SEEDED_PETITION,
      title: expect.stringContaining("Tell Your Mayor"),
      signatureCount: 0,
      goal: expect.any(Number),
      status: "open",
    });
    expect(found.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "public, max-age=1, stale-while-revalidate=1",
      "access-control-allow-origin": "*",
      "x-content-type-options": "nosniff",
      "referrer-policy": "strict-origin-when-cross-origin",
      "x-frame-options": "DENY",
      vary: "Accept-Encoding",
    });
    expect(found.headers["content-security-policy"]).toBeUndefined();
    expect(found.headers["strict-transport-security"]).toBeUndefined();
    expect((await raw(production.url, `/api/petitions/${SEEDED_PETITION}`)).headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    for (const slug of ["no-such-petition", "a-draft-petition"]) {
      const missing = await raw(app.url, `/api/petitions/${slug}`);
      expect(missing.status, slug).toBe(404);
      expect(JSON.parse(missing.body)).toEqual({ error: "No petition with that slug" });
      expect(missing.headers["cache-control"]).toBe("public, max-age=5");
    }
  });

  it("answers HEAD with the headers only, and a query string, a trailing slash or capitals as Remix matches them", async () => {
    const get = await raw(app.url, `/api/petitions/${SEEDED_PETITION}`);
    const head = await raw(app.url, `/api/petitions/${SEEDED_PETITION}`, { method: "HEAD" });
    expect(head.body).toBe("");
    expect(comparable({ ...head, body: get.body })).toEqual(comparable(get));
    for (const target of [`/api/petitions/${SEEDED_PETITION}?lang=es`, `/api/petitions/${SEEDED_PETITION}/`, `/API/Petitions/${SEEDED_PETITION}`]) {
      expect(comparable(await raw(app.url, target)), target).toEqual(comparable(get));
    }
    // Not this route's to answer: the slug is case-sensitive, as in the database.
    expect((await raw(app.url, `/api/petitions/${SEEDED_PETITION.toUpperCase()}`)).status).toBe(404);
  });

  it("answers a client that accepts gzip with the same small JSON, uncompressed (compression would not compress it either)", async () => {
    const res = await raw(app.url, `/api/petitions/${SEEDED_PETITION}`, { headers: { "Accept-Encoding": "gzip, br" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.headers.vary).toBe("Accept-Encoding");
    expect(JSON.parse(res.body).slug).toBe(SEEDED_PETITION);
  });

  it("leaves everything else to the app: other methods, a NUL in the slug, a Host with credentials", async () => {
    const post = await raw(app.url, `/api/petitions/${SEEDED_PETITION}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(post.status).toBe(405);
    expect((await raw(app.url, "/api/petitions/%00")).status).toBe(400);
    expect((await raw(app.url, `/api/petitions/${SEEDED_PETITION}`, { headers: { Host: "user@example.org" } })).status).toBe(400);
  });

  it("shows a change to the petition once its cached copy is a second old, and a confirmation once the count is two", async () => {
    // The clock stands still (Date only; timers run) and moves when this test says: no race with a slow machine.
    vi.useFakeTimers({ toFake: ["Date"] });
    const id = await petitionId(database.db);
    const read = async () => JSON.parse((await raw(app.url, `/api/petitions/${SEEDED_PETITION}`)).body) as { status: string; signatureCount: number };
    try {
      const before = await read();
      expect(before.status).toBe("open");
      // As another web process would: straight in the database, so nothing in this process is told.
      await database.db.updateTable("petitions").set({ status: "closed" }).where("id", "=", id).execute();
      await database.db
        .insertInto("signatures")
        .values({ ...signatureRow(id), status: "confirmed", confirmed_at: new Date() })
        .execute();
      expect(await read()).toMatchObject({ status: "open", signatureCount: before.signatureCount });
      vi.setSystemTime(Date.now() + PETITION_REF_MAX_AGE_MS + 1);
      expect((await read()).status).toBe("closed");
      vi.setSystemTime(Date.now() + COUNT_MAX_AGE_MS - PETITION_REF_MAX_AGE_MS);
      expect((await read()).signatureCount).toBe(before.signatureCount + 1);
    } finally {
      await database.db.updateTable("petitions").set({ status: "open" }).where("id", "=", id).execute();
      vi.useRealTimers();
    }
  });
});

describe("the count API while the database is away", () => {
  let server: http.Server;
  let url: string;
  let unreachable: Kysely<DB>;

  beforeAll(async () => {
    // Nothing listens on port 1: every query fails to connect, as during a Postgres restart.
    unreachable = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none", connectionTimeoutMillis: 1_000 }) }),
    });
    const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
    const services = { ...app.services, db: unreachable, counts: new SignatureCounts(unreachable) };
    server = createHttpApp(services, build).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await unreachable?.destroy();
  });

  it("answers a quick 503 that no cache keeps, on both paths", async () => {
    const started = Date.now();
    const fast = await raw(url, `/api/petitions/${SEEDED_PETITION}`);
    const remix = await raw(url, `/api/petitions/${viaRemix(SEEDED_PETITION)}`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(fast.status).toBe(503);
    expect(JSON.parse(fast.body)).toEqual({ error: "Temporarily unavailable; try again shortly" });
    expect(fast.headers["cache-control"]).toBe("no-store");
    expect(comparable(fast)).toEqual(comparable(remix));
  });
});
