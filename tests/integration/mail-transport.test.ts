import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { createMailer, isPermanentMailError, type Mailer } from "../../emails/transport";

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const FROM = "Sanctuary <no-reply@sanctuary.example.org>";

interface Received {
  from: string;
  to: string[];
  raw: string;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Headers of a raw message, unfolded, keyed by lower-case name. */
function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

describe("SMTP mailer", () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let mailer: Mailer;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address === "nobody@example.org") return callback(smtpError("no such user", 550));
        if (address.address === "later@example.org") return callback(smtpError("try again later", 451));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.server.address() as AddressInfo;
    mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, db: undefined as never });
  });

  afterAll(async () => {
    await mailer?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("delivers a message with custom headers and an attachment", async () => {
    expect(mailer.kind).toBe("smtp");
    await mailer.send({
      to: "ana@example.org",
      subject: "Confirme su firma: ¿Ciudad santuario?",
      html: "<p>Hola</p>",
      text: "Hola",
      headers: { "X-Test": "1" },
      attachments: [{ filename: "signatures.csv", contentType: "text/csv; charset=utf-8", content: "\uFEFFa,b\r\n1,2\r\n" }],
    });

    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message.from).toBe("no-reply@sanctuary.example.org");
    expect(message.to).toEqual(["ana@example.org"]);
    const headers = headersOf(message.raw);
    expect(headers.get("x-test")).toBe("1");
    expect(headers.get("from")).toContain("no-reply@sanctuary.example.org");
    // Non-ASCII subjects are MIME-encoded on the wire.
    expect(headers.get("subject")).toMatch(/=\?UTF-8\?/i);
    expect(message.raw).toMatch(/Content-Disposition: attachment; filename=signatures\.csv|filename="signatures\.csv"/);
  });

  it("sends an ASCII subject as is", async () => {
    await mailer.send({ to: "ben@example.org", subject: "Confirm your signature: Sanctuary now", html: "<p>Hi</p>", text: "Hi" });
    expect(headersOf(received[received.length - 1].raw).get("subject")).toBe("Confirm your signature: Sanctuary now");
  });

  it("rejects a 550 recipient as a permanent error", async () => {
    const error = await mailer
      .send({ to: "nobody@example.org", subject: "s", html: "<p>h</p>", text: "h" })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { responseCode?: number }).responseCode).toBe(550);
    expect(isPermanentMailError(error)).toBe(true);
  });

  it("rejects a 451 recipient as a temporary error", async () => {
    const error = await mailer
      .send({ to: "later@example.org", subject: "s", html: "<p>h</p>", text: "h" })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { responseCode?: number }).responseCode).toBe(451);
    expect(isPermanentMailError(error)).toBe(false);
  });

  it("refuses header names and values that could inject headers", async () => {
    const base = { to: "ana@example.org", subject: "s", html: "h", text: "h" };
    await expect(mailer.send({ ...base, headers: { "Bad Name": "1" } })).rejects.toThrow(/header name/);
    await expect(mailer.send({ ...base, headers: { "X-Test": "1\r\nBcc: x@example.org" } })).rejects.toThrow(/line break/);
  });

  it("fails a send quickly and retryably when the server is unreachable", async () => {
    const probe = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const { port } = probe.server.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const down = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, db: undefined as never });
    try {
      const error = await down
        .send({ to: "ana@example.org", subject: "s", html: "h", text: "h" })
        .then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isPermanentMailError(error)).toBe(false);
    } finally {
      await down.close();
    }
  });
});

describe("dev mailbox", () => {
  const dbName = `mailtest_${randomBytes(6).toString("hex")}`;
  let handle: DatabaseHandle | undefined;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    handle = await openDatabase({ databaseUrl: url.toString() });
    await migrateToLatest(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it("stores the message in dev_mail", async () => {
    const db = handle!.db;
    const mailer = createMailer({ from: FROM, db });
    expect(mailer.kind).toBe("dev");
    await mailer.send({
      to: "ana@example.org",
      subject: "Confirm your signature: Sanctuary now",
      html: "<p>Hola <b>Ana</b></p>",
      text: "Hola Ana",
      headers: { "List-Unsubscribe": "<https://sanctuary.example.org/u/1>" },
      attachments: [{ filename: "a.csv", contentType: "text/csv", content: "\uFEFFx\r\n" }],
    });
    await mailer.close();

    const rows = await db.selectFrom("dev_mail").selectAll().execute();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.to_address).toBe("ana@example.org");
    expect(row.subject).toBe("Confirm your signature: Sanctuary now");
    expect(row.html).toBe("<p>Hola <b>Ana</b></p>");
    expect(row.text).toBe("Hola Ana");
    expect(row.headers).toEqual({ From: FROM, "List-Unsubscribe": "<https://sanctuary.example.org/u/1>" });
    expect(row.attachments).toEqual([{ filename: "a.csv", contentType: "text/csv", content: "\uFEFFx\r\n" }]);
  });
});
