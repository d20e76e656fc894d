/**
 * Whether an error Remix hands to handleError deserves the error log. A 4xx
 * of Remix's own making (a bad request, a POST to a page without an action,
 * a path no route matches) is the visitor's mistake, answered as such: logging
 * each would let anyone flood the log. Aborted requests are not errors either.
 */
export function shouldLogError(error: unknown, request: Request): boolean {
  if (request.signal.aborted) return false;
  if (error && typeof error === "object" && "status" in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return false;
  }
  if (error instanceof Error) {
    return !(
      /^You made a \w+ request to ".*" but did not provide an `action` for route/s.test(error.message) ||
      error.message.startsWith("Warning: Single fetch-enabled apps should not be making ?_data requests") ||
      /^Route ".*" does not match URL ".*"$/s.test(error.message) ||
      /^No route matches URL ".*"$/s.test(error.message)
    );
  }
  return true;
}
