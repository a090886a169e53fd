// `npm run e2e`: the browser suite against the release gateway binary. Without Chromium or the
// binary it skips with a message, except under CI=true where both must be present.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumPath, fakeLlmBinary, gatewayBinary } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ci = process.env.CI === "true";
const missing = [];
if (!existsSync(chromiumPath())) missing.push(`Chromium at ${chromiumPath()} (apt-get install chromium)`);
if (!existsSync(gatewayBinary())) missing.push(`the gateway binary at ${gatewayBinary()} (make release)`);
if (!existsSync(fakeLlmBinary())) missing.push(`the fake LLM server at ${fakeLlmBinary()} (make e2e builds it)`);
if (missing.length) {
  const message = `browser suite: missing ${missing.join(" and ")}`;
  if (ci) {
    console.error(`${message} — required under CI=true`);
    process.exit(1);
  }
  console.log(`${message} — SKIPPED`);
  process.exit(0);
}

// `npm run e2e -- reader login` runs only the files whose names contain those words.
const only = process.argv.slice(2);
const tests = readdirSync(join(here, "tests"))
  .filter((f) => f.endsWith(".test.mjs") && (only.length === 0 || only.some((w) => f.includes(w))))
  .sort()
  .map((f) => join(here, "tests", f));
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...tests], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
