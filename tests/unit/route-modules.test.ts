import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A route's `export const loader = guard(...)` is a call the browser build cannot drop unless it is
// marked pure; unmarked, the browser bundle calls an emptied .server module and no page hydrates.

const ROUTES = path.resolve("app/routes");

describe("route modules", () => {
  it("mark every loader/action built by a call as pure, so the browser build drops it", () => {
    const offenders: string[] = [];
    for (const file of readdirSync(ROUTES)) {
      const source = readFileSync(path.join(ROUTES, file), "utf8");
      for (const match of source.matchAll(/export const (loader|action)\s*=\s*(.{0,20})/g)) {
        if (!match[2].startsWith("/* @__PURE__ */")) offenders.push(`${file}: ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("import validation schemas only from .server modules, so zod stays out of the browser bundle", () => {
    const offenders = readdirSync(ROUTES).filter((file) =>
      /from "~\/validation\/(?!.*\.server")/.test(readFileSync(path.join(ROUTES, file), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
