import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvError, loadEnv, parseDuration } from "~/env.server";

const dataDir = mkdtempSync(path.join(tmpdir(), "sanctuary-env-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("configuration", () => {
  it("has working defaults for the embedded mode, and keeps one generated session secret", () => {
    const env = loadEnv({ DATA_DIR: dataDir });
    expect(env).toMatchObject({ PORT: 3000, APP_URL: "http://localhost:3000", DELIVERY_INTERVAL: 86_400_000, DATA_DIR: dataDir });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SESSION_SECRET).toHaveLength(64);
    expect(readFileSync(path.join(dataDir, "session-secret"), "utf8")).toBe(env.SESSION_SECRET);
    expect(loadEnv({ DATA_DIR: dataDir }).SESSION_SECRET).toBe(env.SESSION_SECRET);
  });

  it("derives APP_URL from PORT and strips a trailing slash", () => {
    expect(loadEnv({ DATA_DIR: dataDir, PORT: "8080" }).APP_URL).toBe("http://localhost:8080");
    expect(loadEnv({ DATA_DIR: dataDir, APP_URL: "https://sign.example.org/" }).APP_URL).toBe("https://sign.example.org");
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ DELIVERY_INTERVAL: "daily" }, "DELIVERY_INTERVAL"],
    [{ SMTP_URL: "http://mail" }, "SMTP_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379" }, "REDIS_URL"],
    [{ NODE_ENV: "production", SMTP_URL: "smtp://mail:25" }, "SESSION_SECRET"],
    [{ NODE_ENV: "production", SESSION_SECRET: "x".repeat(40) }, "SMTP_URL"],
  ])("stops with a message naming the bad variable: %j", (vars, name) => {
    expect(() => loadEnv({ DATA_DIR: dataDir, ...vars })).toThrow(EnvError);
    expect(() => loadEnv({ DATA_DIR: dataDir, ...vars })).toThrow(new RegExp(`${name}:`));
  });

  it("reads durations", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("0s")).toBeNull();
    expect(parseDuration("soon")).toBeNull();
  });
});
