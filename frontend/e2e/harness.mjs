// End-to-end harness: starts the real release gateway on a fresh data directory, a loopback web
// server with the corpus (and a hostile page), and headless Debian Chromium via playwright-core.
// Every page a test opens is watched for console errors, which fail the test at the end.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
export const corpusDir = join(repoRoot, "testdata/corpus");
export const screenshotDir = join(repoRoot, "target/screenshots");

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export function gatewayBinary() {
  return process.env.WIKIMIND_GATEWAY_BIN ?? join(repoRoot, "target/release/gateway");
}

/** The fake LLM server (testkit's `fake-llm`), speaking the real provider protocols. */
export function fakeLlmBinary() {
  return process.env.WIKIMIND_FAKE_LLM_BIN ?? join(repoRoot, "target/release/fake-llm");
}

/**
 * Starts the fake LLM server on a free loopback port; streamed replies wait `streamDelayMs`
 * between pieces so a browser can see them arrive.
 */
export async function startFakeLlm({ streamDelayMs = 0 } = {}) {
  const proc = spawn(fakeLlmBinary(), ["--stream-delay-ms", String(streamDelayMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((ok, fail) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("http://"));
      if (line) ok(line.trim());
    });
    proc.once("exit", (code) => fail(new Error(`fake-llm exited with ${code}`)));
  });
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once("exit", ok)));
    },
  };
}

export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = netServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** A page that tries every trick: scripts, handlers and `javascript:` links. */
export const HOSTILE_PAGE = `<!doctype html><html><head><title>Lighthouse keeping</title>
<script>window.__pwned = true; document.title = "pwned";</script></head>
<body><main><h1>Lighthouse keeping</h1>
<p>Lighthouse keepers tended the lamps of coastal towers through the night, trimming the wicks
and winding the clockwork that turned the lens. The keepers kept a log of passing ships and of
the weather at every watch.</p>
<p>Read <a href="javascript:window.__pwned=true">the keeper's log</a> or
<a href="javascript:alert(1)">[[Fog signals]]</a>.</p>
<img src="x" onerror="window.__pwned = true">
<p onclick="window.__pwned = true">A fresnel lens concentrates the light of a small lamp into a
beam visible from twenty nautical miles away. &lt;script&gt;window.__pwned = true&lt;/script&gt;</p>
<script>window.__pwned = true</script>
</main></body></html>`;

const TYPES = { ".html": "text/html; charset=utf-8", ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8" };

/** Serves `testdata/corpus` and `/hostile.html` on loopback; `?delay=ms` holds the answer back. */
export async function startCorpusServer() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const path = decodeURIComponent(url.pathname);
    const delay = Number(url.searchParams.get("delay") ?? 0);
    if (delay > 0) await new Promise((ok) => setTimeout(ok, Math.min(delay, 10_000)));
    if (path === "/hostile.html") {
      res.writeHead(200, { "content-type": TYPES[".html"] });
      res.end(HOSTILE_PAGE);
      return;
    }
    const file = resolve(corpusDir, "." + path);
    if (!file.startsWith(corpusDir) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Starts `gateway serve` with a clean environment on its own data directory, or on `dataDir`
 * (kept at the stop) when a benchmark brings a seeded one.
 */
export async function startGateway({ token, env: extraEnv = {}, dataDir: given } = {}) {
  const dataDir = given ?? mkdtempSync(join(tmpdir(), "wikimind-e2e-"));
  const port = await freePort();
  const env = {};
  // Nothing from the caller's WikiMind configuration (keys, databases, Redis) leaks in.
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("WIKIMIND_") && k !== "DATABASE_URL" && k !== "REDIS_URL") env[k] = v;
  }
  Object.assign(env, {
    WIKIMIND_DATA_DIR: dataDir,
    WIKIMIND_SERVER__HOST: "127.0.0.1",
    WIKIMIND_SERVER__PORT: String(port),
    WIKIMIND_INGEST__ALLOW_PRIVATE_URLS: "true",
    RUST_LOG: "warn",
  });
  if (token) env.WIKIMIND_AUTH_TOKEN = token;
  Object.assign(env, extraEnv);
  const proc = spawn(gatewayBinary(), ["serve"], { cwd: dataDir, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${url}/health/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway not ready in 30 s: ${stderr}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return {
    url,
    dataDir,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once("exit", ok)));
      if (!given) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium; every page records console errors and uncaught exceptions. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  return browser;
}

/** A new page at `viewport` whose console errors are collected in `page.errors`. */
export async function openPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") page.errors.push(`console: ${msg.text()} @ ${msg.location().url}`);
  });
  page.on("pageerror", (err) => page.errors.push(`exception: ${err.message}`));
  page.on("dialog", (d) => {
    page.errors.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.setDefaultTimeout(20_000);
  return page;
}

export function assertNoConsoleErrors(page) {
  assert.deepEqual(page.errors, [], `the page logged errors: ${page.errors.join("; ")}`);
}

/**
 * Lighthouse-style basics: a title, one main landmark, and accessible names for images,
 * buttons, links and form fields.
 */
export async function assertAccessibleBasics(page) {
  const title = await page.title();
  assert.ok(title.trim().length > 0, "the page has a title");
  const problems = await page.evaluate(() => {
    const out = [];
    if (document.querySelectorAll("main, [role=main]").length !== 1) out.push("exactly one main landmark");
    // Text a screen reader reads: content under aria-hidden="true" (icons, decorative marks)
    // is skipped, so a control named only by hidden text counts as unnamed.
    const spoken = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? "";
      if (node.nodeType !== Node.ELEMENT_NODE || node.getAttribute("aria-hidden") === "true") return "";
      return Array.from(node.childNodes, spoken).join("");
    };
    const contentText = (el) => Array.from(el.childNodes, spoken).join("");
    const named = (el) =>
      (el.getAttribute("aria-label") ?? "").trim() ||
      (el.getAttribute("aria-labelledby") ?? "")
        .split(/\s+/)
        .map((id) => {
          const target = id ? document.getElementById(id) : null;
          return target ? contentText(target) : "";
        })
        .join("")
        .trim() ||
      contentText(el).trim() ||
      (el.getAttribute("title") ?? "").trim();
    for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) out.push(`img without alt: ${img.outerHTML.slice(0, 80)}`);
    for (const el of document.querySelectorAll("button, [role=button], a[href]")) {
      if (!named(el) && !el.querySelector("img[alt]:not([alt=''])")) out.push(`unnamed ${el.tagName}: ${el.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
      const labelled =
        named(el) ||
        (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) ||
        el.closest("label") ||
        (el.getAttribute("placeholder") ?? "").trim();
      if (!labelled) out.push(`unlabelled field: ${el.outerHTML.slice(0, 80)}`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`horizontal scroll: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    return out;
  });
  assert.deepEqual(problems, [], `accessibility basics on ${page.url()}`);
}

/** Saves `target/screenshots/<name>-<desktop|phone>.png`. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const size = page.viewportSize();
  const kind = size && size.width < 500 ? "phone" : "desktop";
  await page.screenshot({ path: join(screenshotDir, `${name}-${kind}.png`), fullPage: true });
}

/** The API, for setting up state and waiting (the browser is what is under test). */
export async function api(base, path, init = {}) {
  const r = await fetch(`${base}${path}`, init);
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits until the source reaches `compiled` (or fails the test with its error). */
export async function waitCompiled(base, id, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await api(base, `/api/sources/${id}`);
    if (s.status === "compiled") return s;
    if (s.status === "failed") throw new Error(`source ${id} failed: ${s.error}`);
    if (Date.now() > deadline) throw new Error(`source ${id} still ${s.status}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** POSTs JSON to the gateway and returns the reply's JSON. */
export function postJson(base, path, body) {
  return api(base, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Adds a note and waits until it is compiled. */
export async function ingestNote(base, title, content) {
  const { source } = await postJson(base, "/api/sources/text", { title, content });
  return waitCompiled(base, source.id);
}

/** Adds a web page by URL and waits until it is compiled. */
export async function ingestUrl(base, url) {
  const { source } = await postJson(base, "/api/sources/url", { url });
  return waitCompiled(base, source.id);
}
