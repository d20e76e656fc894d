// `npm start` / `npm run worker`: builds when the build is missing or older than the sources, then
// runs build/server.js (or build/worker.js with the argument "worker") in this same process, so
// signals reach the server itself. Production images run `node build/server.js` directly.
import cluster from "node:cluster";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, ROOT } from "./build-server.js";

const which = process.argv[2] === "worker" ? "worker" : "server";
const tag = which === "worker" ? "[worker]" : "[web]";

// Cluster workers run this file again (WEB_CONCURRENCY > 1): the primary has already built.
if (cluster.isPrimary) {
  try {
    await ensureBuilt(which, { log: (line) => console.log(`${tag} ${line}`) });
  } catch (error) {
    console.error(`${tag} failed to build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
await import(pathToFileURL(path.join(ROOT, "build", `${which}.js`)).href);
