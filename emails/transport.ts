import type { Kysely } from "kysely";
import nodemailer from "nodemailer";
import type { DB } from "../db/schema";

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Set verbatim (e.g. List-Unsubscribe). Names are fixed strings in code, never user input. */
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
  /** The sender already looked the recipient up in undeliverable_addresses (bulk mail checks a chunk at once). */
  suppressionChecked?: boolean;
}

export interface Mailer {
  kind: "smtp" | "dev";
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** smtp:// or smtps:// URL; without it mail goes to the dev mailbox (the dev_mail table). */
  smtpUrl?: string;
  /** The From header, e.g. `Sanctuary <no-reply@example.org>`. */
  from: string;
  db: Kysely<DB>;
}

// Short enough that an SMTP outage fails the job (which is retried) instead of holding a worker.
const SMTP_TIMEOUT_MS = 10_000;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/**
 * Rejects header names that are not plain tokens and values with line breaks:
 * either could smuggle extra headers (or a second body) into the message.
 * The error names the header only, never its value.
 */
function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new Error("invalid mail header name");
    if (/[\r\n]/.test(value)) throw new Error(`mail header ${name} contains a line break`);
  }
}

/**
 * Creates the mailer: pooled SMTP when smtpUrl is set, else the dev mailbox, which
 * stores each message in `dev_mail` so /dev/mail in the web process can show mail
 * sent by any process. Neither path logs addresses or bodies.
 */
export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl ? createSmtpMailer(options.smtpUrl, options.from) : createDevMailer(options.from, options.db);
}

function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const host = new URL(smtpUrl).hostname;
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    dnsTimeout: SMTP_TIMEOUT_MS,
    // Nodemailer's logger would print envelopes, i.e. recipients' addresses.
    logger: false,
    debug: false,
    // Local test and dev servers (smtp-server, Mailpit) present self-signed certificates;
    // anywhere else the certificate is checked.
    ...(LOCAL_HOSTS.has(host) ? { tls: { rejectUnauthorized: false } } : {}),
  });

  return {
    kind: "smtp",
    async send(mail) {
      if (mail.headers) checkHeaders(mail.headers);
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        attachments: mail.attachments?.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content,
        })),
      });
    },
    async close() {
      transporter.close();
    },
  };
}

function createDevMailer(from: string, db: Kysely<DB>): Mailer {
  return {
    kind: "dev",
    async send(mail) {
      if (mail.headers) checkHeaders(mail.headers);
      // Stringified because pg would send a JS array as a Postgres array, not as JSON.
      await db
        .insertInto("dev_mail")
        .values({
          to_address: mail.to,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          headers: JSON.stringify({ From: from, ...mail.headers }),
          attachments: JSON.stringify(mail.attachments ?? []),
        })
        .execute();
    },
    // The database handle belongs to the caller.
    async close() {},
  };
}

interface MailErrorShape {
  code?: unknown;
  responseCode?: unknown;
}

/** The code of the error thrown instead of sending to an address recorded as undeliverable (jobs/suppression.ts). */
export const SUPPRESSED_CODE = "ESUPPRESSED";

/**
 * True when retrying cannot help: the server refused the message or recipient with a
 * 5xx reply, nodemailer refused the envelope (an unusable address) before sending,
 * or the address is recorded as undeliverable and nothing was sent.
 * 503 "bad sequence of commands" is excluded, as nodemailer does: it reflects the
 * session's state, and the same message can go through on a fresh connection.
 * Everything else (4xx, connection failures, timeouts, unknown errors) is retryable.
 */
export function isPermanentMailError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, responseCode } = error as MailErrorShape;
  if (typeof responseCode === "number") return responseCode >= 500 && responseCode < 600 && responseCode !== 503;
  return code === "EENVELOPE" || code === SUPPRESSED_CODE;
}

/**
 * A log-safe description of a mail error (code and SMTP reply code only): the
 * error's message often quotes the server's reply, which can contain the recipient.
 */
export function describeMailError(error: unknown): string {
  if (typeof error !== "object" || error === null) return "unknown mail error";
  const { code, responseCode } = error as MailErrorShape;
  const parts = [typeof code === "string" ? code : "EUNKNOWN"];
  if (typeof responseCode === "number") parts.push(String(responseCode));
  return `mail error ${parts.join(" ")}`;
}
