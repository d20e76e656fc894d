import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import http from "node:http";

/**
 * The machine's limit for the reading benchmarks: a bare node:http server that
 * answers each path with bytes recorded from the real app once (status,
 * headers, body), with no framework, no database and no rendering.
 *
 * Usage: node --import tsx bench/bare-server.ts <recorded.json> <port> <processes>
 */

export interface RecordedResponse {
  path: string;
  status: number;
  /** Header name/value pairs as the app sent them (hop-by-hop ones removed). */
  headers: [string, string][];
  bodyBase64: string;
}

const [file, portText, processesText] = process.argv.slice(2);
const processes = Number(processesText ?? "1");

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedResponse[];
  const byPath = new Map(
    recorded.map((entry) => {
      const body = Buffer.from(entry.bodyBase64, "base64");
      const headers: [string, string][] = [...entry.headers, ["content-length", String(body.length)]];
      return [entry.path, { status: entry.status, headers, body }];
    }),
  );
  const server = http.createServer((req, res) => {
    const entry = byPath.get(req.url ?? "");
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    // Flat [name, value, name, value…] keeps repeated headers, as the app sent them.
    res.writeHead(entry.status, entry.headers.flat());
    res.end(entry.body);
  });
  server.keepAliveTimeout = 5_000;
  server.listen(Number(portText), "127.0.0.1", () => console.log(`[bare] listening on ${portText}`));
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
}
