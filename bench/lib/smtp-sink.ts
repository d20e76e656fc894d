import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { onCleanup } from "./cleanup";

export interface DiscardSink {
  url: string;
  /** Messages received so far (their content is thrown away). */
  received(): number;
  close(): Promise<void>;
}

/** An SMTP server in this process that accepts every message and keeps none of it. */
export async function startDiscardSink(): Promise<DiscardSink> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      stream.on("end", () => {
        received++;
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const release = onCleanup("SMTP sink", () => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `smtp://127.0.0.1:${port}`, received: () => received, close: release };
}
