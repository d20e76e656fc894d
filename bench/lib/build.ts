import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bundle } from "../../scripts/build-server.js";
import { onCleanup } from "./cleanup";
import { startChild } from "./process";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The production build — `remix build` with NODE_ENV=production, and server.ts bundled
 * as build/server.js, as `npm run build` makes them — into a directory of this run's own
 * (node_modules/.cache/sanctuary-bench-build-<pid>), where the servers then run
 * (`node build/server.js` reads ./build/index.js and serves ./public from its working directory).
 *
 * Not the shared ./build: vitest's global setup rebuilds that at any moment
 * with NODE_ENV=test (React's development JSX runtime, which a production
 * process cannot render), and a benchmark must not change what others run.
 * The directory is inside the project so the build's imports resolve to its
 * node_modules (and under node_modules, so no linter or type check of the
 * project looks at it); its remix.config.js is the project's with the outputs here.
 */
export async function buildForProduction(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = path.join(ROOT, "node_modules", ".cache", `sanctuary-bench-build-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "public"), { recursive: true });
  const remove = onCleanup(`build directory ${path.relative(ROOT, dir)}`, () => rmSync(dir, { recursive: true, force: true }));
  try {
    writeFileSync(
      path.join(dir, "remix.config.js"),
      `import base from ${JSON.stringify(path.join(ROOT, "remix.config.js"))};\n` +
        `export default { ...base, appDirectory: ${JSON.stringify(path.join(ROOT, "app"))}, serverBuildPath: "build/index.js", assetsBuildDirectory: "public/build", cacheDirectory: ".cache" };\n`,
    );
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    // Remix's compiler resolves "~/…" with the tsconfig of the directory it builds in, and does not
    // follow an inherited relative "paths": spell it out absolutely.
    const tsconfig = { extends: path.join(ROOT, "tsconfig.json"), compilerOptions: { paths: { "~/*": [path.join(ROOT, "app/*")] } } };
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    for (const entry of readdirSync(path.join(ROOT, "public"))) {
      if (entry !== "build") symlinkSync(path.join(ROOT, "public", entry), path.join(dir, "public", entry));
    }
    const child = startChild("remix build", path.join(ROOT, "node_modules/.bin/remix"), ["build"], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: "production" },
    });
    const code = await child.exited;
    await child.stop();
    if (code !== 0) throw new Error(`remix build exited ${code}:\n${child.output()}`);
    if (/from "~\//.test(readFileSync(path.join(dir, "build/index.js"), "utf8"))) throw new Error("remix build left \"~/\" imports unresolved");
    await bundle({ outdir: path.join(dir, "build"), entries: ["server"] });
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
