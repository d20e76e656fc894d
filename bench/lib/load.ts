import autocannon from "autocannon";
import { onCleanup } from "./cleanup";

export interface LoadResult {
  seconds: number;
  requests: number;
  /** Responses per second over the whole run (any status). */
  rps: number;
  /** Responses with the expected status, per second. */
  okRps: number;
  ok: number;
  /** Responses with any other status. */
  unexpected: number;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  statusCodes: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  expectStatus: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Builds each request's body (a fresh one per request). */
  body?: () => string;
}

/** Runs autocannon against one URL and summarises what came back. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { body } = options;
  let finish: (error: Error | null, result: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? "GET",
    headers: options.headers,
    timeout: 10,
    ...(body
      ? {
          requests: [
            {
              method: options.method ?? "POST",
              setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }),
            },
          ],
        }
      : {}),
  }, (error, result) => finish(error, result));
  const release = onCleanup(`load on ${options.url}`, () => {
    instance.stop();
  });
  const result = await done.finally(() => release());
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const ok = statusCodes[String(options.expectStatus)] ?? 0;
  const requests = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  const seconds = result.duration;
  return {
    seconds,
    requests,
    rps: requests / seconds,
    okRps: ok / seconds,
    ok,
    unexpected: requests - ok,
    errors: result.errors,
    statusCodes,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}
