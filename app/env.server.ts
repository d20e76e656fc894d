import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseAllowList, parseRateLimits } from "./lib/abuse.server";
import { parseDuration } from "./lib/duration";

export { parseDuration };


const duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration such as 24h, 15m or 30s` });
    return z.NEVER;
  }
  return ms;
});

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
  );

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    APP_URL: url(["http:", "https:"]).optional(),
    DATABASE_URL: url(["postgres:", "postgresql:"]).optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    REDIS_URL: url(["redis:", "rediss:"]).optional(),
    REDIS_PREFIX: z.string().regex(/^[\w:{}-]+$/, "may hold letters, digits, _ - : { } only").default("sanctuary"),
    SMTP_URL: url(["smtp:", "smtps:"]).optional(),
    MAIL_FROM: z.string().min(3).default("Sanctuary <no-reply@sanctuary.example.org>"),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    DELIVERY_INTERVAL: duration.default(parseDuration("24h")!),
    MAIL_RATE_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    SIGN_RATE_LIMITS: z
      .string()
      .default("1/1m,5/5m")
      .transform((value, ctx) => {
        const limits = parseRateLimits(value);
        if (limits === null) {
          ctx.addIssue({ code: "custom", message: `"${value}" is not a list such as 1/1m,5/5m (or "off")` });
          return z.NEVER;
        }
        return limits;
      }),
    SIGN_RATE_ALLOWLIST: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const list = parseAllowList(value);
        if (list === null) {
          ctx.addIssue({ code: "custom", message: `"${value}" is not a comma-separated list of IP addresses and CIDR ranges` });
          return z.NEVER;
        }
        return list;
      }),
    TRUST_PROXY: z
      .string()
      .regex(/^[\w.:/, -]+$/, "is a list such as loopback, 10.0.0.0/8 or a number of hops")
      .default("loopback"),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_URL && !env.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_URL"],
        message: "needs DATABASE_URL too: a separate worker cannot share the embedded database (unset REDIS_URL to run jobs in the web process)",
      });
    }
    if (env.WEB_CONCURRENCY > 1 && !env.DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["WEB_CONCURRENCY"], message: "above 1 needs DATABASE_URL: the embedded database allows one process" });
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.SESSION_SECRET) ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "is required in production" });
    if (!env.SMTP_URL) ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "is required in production (the dev mailbox is for development only)" });
  });

export type Env = z.infer<typeof EnvSchema> & { APP_URL: string; SESSION_SECRET: string };

export class EnvError extends Error {}

/**
 * Parses the process environment once at start-up. Throws an EnvError whose
 * message names every bad variable, so the process can stop with it.
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  const appUrl = (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  return { ...env, APP_URL: appUrl, SESSION_SECRET: env.SESSION_SECRET ?? embeddedSessionSecret(env.DATA_DIR) };
}

/** In embedded mode the secret is generated once and kept beside the data, so sessions survive restarts. */
function embeddedSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** loadEnv for a process entry point: a bad configuration prints its message and exits 1. */
export function loadEnvOrExit(): Env {
  try {
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
