import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export interface PageProblem {
  kind: "console" | "pageerror";
  url: string;
  text: string;
}

export interface TestBrowser {
  context: BrowserContext;
  /** The context's first page (a persistent context opens with one). */
  page: Page;
  /** console.error messages and uncaught exceptions from every page of the context, in order. */
  problems: PageProblem[];
  /** Forgets the problems collected so far (e.g. after a step that expects one). */
  clearProblems(): void;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--disable-dev-shm-usage",
];

/**
 * Debian's Chromium, headless, as a phone (390×844, touch). Uses a persistent
 * context in a temp profile dir, because chromium.launch() refuses --user-data-dir.
 */
export async function launchBrowser(options: { locale?: string } = {}): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "sanctuary-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: options.locale ?? "en-US",
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const problems: PageProblem[] = [];
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      problems.push({ kind: "console", url: message.location().url || page.url(), text: message.text() });
    });
    page.on("pageerror", (error) => {
      problems.push({ kind: "pageerror", url: page.url(), text: error.stack ?? error.message });
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    problems,
    clearProblems: () => void problems.splice(0),
    newPage: () => context.newPage(),
    async close() {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Waits until React has hydrated the page (it attaches its props to the DOM
 * nodes it owns), so that clicks and submits go through Remix's client router.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const main = document.getElementById("main");
    return main !== null && Object.keys(main).some((key) => key.startsWith("__reactProps"));
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

/** Runs axe-core (WCAG 2.0/2.1 A and AA, plus best practices) on the page and returns the violations. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const loaded = await page.evaluate(() => "axe" in window);
  // Not page.addScriptTag({ content }): the app's Content-Security-Policy (script-src 'self' + nonce)
  // rightly blocks an inline <script>. Evaluating the source through the DevTools protocol is not
  // subject to the page's CSP, so the page is tested under its real policy.
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
    }));
  });
}

/** Violations as readable lines for a failure message: id, impact, help and each target. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} [${v.impact ?? "?"}] ${v.help}\n` +
        v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}\n      ${n.failureSummary?.replace(/\n/g, " ") ?? ""}`).join("\n"),
    )
    .join("\n");
}

/** Problems as readable lines for a failure message. */
export function formatProblems(problems: PageProblem[]): string {
  return problems.map((p) => `${p.kind} at ${p.url}: ${p.text}`).join("\n");
}
