import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CapturedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  /** The header lines as received (unfolded), e.g. "List-Unsubscribe: <https://…>": mailparser's `headers` restructures some. */
  headerLines?: string[];
  attachments: { filename?: string; content: Buffer }[];
}

export interface SmtpSink {
  url: string;
  messages: CapturedMail[];
  /** Waits until `count` messages match, or fails after timeoutMs. */
  waitFor(predicate: (mail: CapturedMail) => boolean, count?: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Makes the server refuse recipients with this SMTP code (e.g. 550) until reset with null. */
  rejectWith(code: number | null): void;
  close(): Promise<void>;
}

/** A real SMTP server in the test process that keeps every message it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  let rejectCode: number | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (rejectCode) {
        const error = Object.assign(new Error("refused by test"), { responseCode: rejectCode });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed: ParsedMail) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(","),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: parsed.headers,
            headerLines: parsed.headerLines.map((h) => h.line.replace(/\r?\n(?=[ \t])/g, "")),
            attachments: parsed.attachments.map((a) => ({ filename: a.filename, content: a.content })),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(predicate, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} matching emails, got ${found.length} of ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    rejectWith(code) {
      rejectCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The confirmation link in an email's text part. */
export function confirmLink(mail: CapturedMail): string {
  const match = /https?:\/\/\S+\/confirm\/[\w-]+(\?lang=\w+)?/.exec(mail.text);
  if (!match) throw new Error("no confirmation link in the email");
  return match[0];
}
