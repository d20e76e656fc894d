import { afterEach, beforeEach, expect, vi } from "vitest";

// An unexpected console.error fails the test: errors must not pass silently.
// A test that expects one calls allowConsoleErrors().

let allowed = false;
let spy: ReturnType<typeof vi.spyOn> | null = null;

export function allowConsoleErrors() {
  allowed = true;
}

beforeEach(() => {
  allowed = false;
  spy = vi.spyOn(console, "error");
});

afterEach(() => {
  const calls = spy?.mock.calls ?? [];
  spy?.mockRestore();
  if (!allowed) expect(calls.map((args: unknown[]) => args.map(String).join(" ")), "unexpected console.error").toEqual([]);
});
