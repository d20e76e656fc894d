import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { CapturedMail } from "../support/smtp";
import { sleep } from "../support/processes";

export interface AcceptedMail extends CapturedMail {
  /** When the server accepted it (replied 250). */
  at: number;
}

export interface SlowSink {
  url: string;
  /** Messages accepted, i.e. answered 250 on a connection that was still open. */
  messages: AcceptedMail[];
  /** Each message waits this long before the server accepts it. */
  delayMs: number;
  /** Holds every message (received, not yet accepted) until release(). */
  hold(): void;
  /** Accepts the held messages whose connection is still open; the others were never accepted. */
  release(): void;
  /** Messages waiting in hold(); `open` counts those whose client is still connected. */
  held(): { total: number; open: number };
  waitFor(predicate: (mail: AcceptedMail) => boolean, count?: number, timeoutMs?: number): Promise<AcceptedMail[]>;
  close(): Promise<void>;
}

/**
 * An SMTP server that is slow (delayMs per message) and can be frozen, so a test
 * can kill a worker while its messages are in the middle of the SMTP transaction.
 * A message counts as sent only once the server replied 250 on a live connection,
 * as with a real mail server: one whose client died before that reply was never sent.
 */
export async function startSlowSink(options: { delayMs?: number } = {}): Promise<SlowSink> {
  const messages: AcceptedMail[] = [];
  const closed = new Set<string>();
  const waiting = new Set<{ session: string }>();
  let holding = false;
  let released: (() => void) | null = null;
  let releasedPromise: Promise<void> = Promise.resolve();

  const sink: Partial<SlowSink> = { delayMs: options.delayMs ?? 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          if (sink.delayMs) await sleep(sink.delayMs);
          if (holding) {
            const entry = { session: session.id };
            waiting.add(entry);
            await releasedPromise;
            waiting.delete(entry);
          }
          if (closed.has(session.id)) return; // the client is gone: never accepted
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(","),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: parsed.headers,
            attachments: parsed.attachments.map((a) => ({ filename: a.filename, content: a.content })),
            at: Date.now(),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;

  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    hold() {
      if (holding) return;
      holding = true;
      releasedPromise = new Promise<void>((resolve) => (released = resolve));
    },
    release() {
      holding = false;
      released?.();
      released = null;
    },
    held() {
      const all = [...waiting];
      return { total: all.length, open: all.filter((w) => !closed.has(w.session)).length };
    },
    async waitFor(predicate: (mail: AcceptedMail) => boolean, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} matching emails, got ${found.length} of ${messages.length}`);
        await sleep(50);
      }
    },
    close() {
      this.release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as SlowSink;
}
