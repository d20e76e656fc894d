import { data } from "@remix-run/node";
import type { MessageKey } from "~/i18n/i18n";

/** Forms here are small; anything bigger is not a person typing. */
export const MAX_FORM_BYTES = 64 * 1024;

/** A 4xx whose body names what went wrong, rendered by the route's error boundary. */
export function badRequest(status: number, messageKey: MessageKey) {
  return data({ messageKey }, { status, headers: { "Cache-Control": "no-store" } });
}

/** Wraps a loader or action so that "the database is unreachable" is a quick 503 page, not a 500. */
export function guard<Args, Result>(handler: (args: Args) => Promise<Result>): (args: Args) => Promise<Result> {
  return async (args) => {
    try {
      return await handler(args);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw data({ messageKey: "unavailable.body" }, { status: 503, headers: { "Retry-After": "10" } });
      // 22021: a NUL in a string from the request (a slug, an email), which Postgres cannot store or compare.
      if ((error as { code?: string } | null)?.code === "22021") throw badRequest(400, "errors.badRequest");
      throw error;
    }
  };
}

/**
 * Whether a state-changing request comes from another site. Remix's own check
 * (Origin's host against X-Forwarded-Host or Host) answers a 500, so the HTTP
 * layer makes the same comparison first and answers 403. A browser always
 * sends Origin (or at least Sec-Fetch-Site) on a cross-site POST, so a request
 * with neither comes from a non-browser client, which CSRF cannot come from.
 */
export function isCrossSite(headers: { origin?: string; secFetchSite?: string; host?: string; forwardedHost?: string }): boolean {
  const { origin } = headers;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return true;
    }
    const host = headers.forwardedHost?.split(",")[0]?.trim() || headers.host;
    return !originHost || originHost !== host;
  }
  return headers.secFetchSite === "cross-site";
}

/** The posted form, or a 4xx (never a 500) for a cross-site, oversized or unreadable body. */
export async function readForm(request: Request): Promise<FormData> {
  const length = Number(request.headers.get("Content-Length") ?? "0");
  if (length > MAX_FORM_BYTES) throw badRequest(413, "errors.badRequest");
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) throw badRequest(415, "errors.badRequest");
  // A chunked body has no Content-Length: count the bytes as they come, and stop at the limit. (Stop reading,
  // not cancel: cancelling destroys the connection before the 413 goes out; http.server.ts drains the rest.)
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  try {
    for (let next = await reader?.read(); next && !next.done; next = await reader?.read()) {
      size += next.value.byteLength;
      if (size > MAX_FORM_BYTES) throw badRequest(413, "errors.badRequest");
      chunks.push(next.value);
    }
  } catch (error) {
    throw size > MAX_FORM_BYTES ? error : badRequest(400, "errors.badRequest");
  } finally {
    reader?.releaseLock();
  }
  try {
    return await new Response(Buffer.concat(chunks), { headers: { "Content-Type": type } }).formData();
  } catch {
    throw badRequest(400, "errors.badRequest");
  }
}

/** A field as a string, or undefined: a file or a missing field is not text. */
export function field(form: Pick<FormData, "get">, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "53300", "08006", "08001", "08003"]);

/** Whether an error means "the database is unreachable right now" (a 503), as opposed to a bug (a 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|Query read timeout|not queryable/i.test(
    e.message ?? "",
  );
}

/**
 * Whether a redirect target is a path on this site that is safe to put in a
 * Location header: it starts with one "/" (never "//" or "/\\", which
 * browsers read as another host) and holds printable ASCII only, because
 * browsers drop tabs and newlines ("/\t/evil" reads as "//evil") and a
 * control character cannot go in a header anyway.
 */
export function isLocalPath(value: string | null | undefined): value is string {
  return Boolean(value) && value!.length <= 500 && /^\/(?![/\\])[\x21-\x7e]*$/.test(value!);
}
