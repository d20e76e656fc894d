import { execSync } from "node:child_process";

/** The integration and browser tests serve the real Remix build, so build it once per run. */
export default function setup() {
  execSync("npx remix build", { stdio: "pipe" });
}
