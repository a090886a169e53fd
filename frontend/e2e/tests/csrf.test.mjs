// Another web page the person visits cannot use their WikiMind: a page on another port of the
// same host (which shares its cookies) and a page on another origin each submit plain HTML
// forms (multipart and text/plain, which need no preflight) to the gateway and open its
// WebSocket; nothing is written and the socket never opens. With a token, the person's own
// session cookie does not help them. Everything runs on 127.0.0.1 / localhost.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { launchBrowser, startGateway } from "../harness.mjs";

const TOKEN = "e2e-a-token-that-is-long-enough-for-any-address";
let open;
let guarded;
let hostile;
let browser;

/** The attacker's page: forms aimed at `target`, a WebSocket to it, and a record of what happened. */
function attackPage(target) {
  const ws = target.replace(/^http/, "ws");
  return `<!doctype html><html><head><title>Cheap flights</title></head><body>
<iframe name="sink1" title="sink 1"></iframe><iframe name="sink2" title="sink 2"></iframe>
<iframe name="sink3" title="sink 3"></iframe>
<form id="upload" method="post" enctype="multipart/form-data" action="${target}/api/sources/file" target="sink1">
  <input type="hidden" name="note" value="x">
</form>
<form id="plain" method="post" enctype="text/plain" action="${target}/api/sources/text" target="sink2">
  <input type="hidden" name='{"content": "planted by a text/plain form", "x": "' value='"}'>
</form>
<form id="urlencoded" method="post" action="${target}/api/providers/openai/test" target="sink3">
  <input type="hidden" name="a" value="b">
</form>
<script>
  window.socket = "pending";
  const socket = new WebSocket(${JSON.stringify(ws + "/api/ws")});
  socket.onopen = () => { window.socket = "open"; };
  socket.onerror = () => { window.socket = "refused"; };
  socket.onclose = () => { if (window.socket === "pending") window.socket = "refused"; };
  window.submitAll = () => {
    const file = new DataTransfer();
    file.items.add(new File(["planted by a multipart form"], "planted.md", { type: "text/markdown" }));
    const input = document.createElement("input");
    input.type = "file"; input.name = "file"; input.files = file.files;
    document.getElementById("upload").appendChild(input);
    for (const id of ["upload", "plain", "urlencoded"]) document.getElementById(id).submit();
  };
</script></body></html>`;
}

before(async () => {
  open = await startGateway();
  guarded = await startGateway({ token: TOKEN });
  hostile = createServer((req, res) => {
    const target = new URL(req.url, "http://x").searchParams.get("target");
    if (!target) {
      res.writeHead(404).end(); // favicon and the like
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(attackPage(target));
  });
  await new Promise((ok) => hostile.listen(0, "127.0.0.1", ok));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (hostile ? hostile.close(ok) : ok()));
  await open?.stop();
  await guarded?.stop();
});

async function sourceCount(gateway, headers = {}) {
  const r = await fetch(`${gateway.url}/api/sources`, { headers });
  assert.equal(r.status, 200);
  return (await r.json()).total;
}

/** Opens the attack page at `pageOrigin`, aimed at `gateway`, in `context`, and fires it. */
async function attack(context, pageOrigin, gateway) {
  const page = await context.newPage();
  const responses = [];
  page.on("response", (r) => {
    if (r.url().startsWith(gateway.url) && r.request().method() === "POST") responses.push(r.status());
  });
  await page.goto(`${pageOrigin}/?target=${encodeURIComponent(gateway.url)}`);
  await page.waitForFunction(() => window.socket !== "pending", null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.socket), "refused", "the WebSocket did not open");
  await page.evaluate(() => window.submitAll());
  // Each form got its answer from the gateway: refused as cross-origin.
  const deadline = Date.now() + 10_000;
  while (responses.length < 3 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
  assert.deepEqual(responses.sort(), [403, 403, 403]);
  await page.close();
}

function origins() {
  const port = hostile.address().port;
  // Another port of the same host, and another origin (localhost is another site than 127.0.0.1).
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

test("pages on another port or origin cannot write to an open local wiki", async () => {
  for (const origin of origins()) {
    const context = await browser.newContext();
    await attack(context, origin, open);
    await context.close();
  }
  assert.equal(await sourceCount(open), 0, "nothing was written");
});

test("with a token, the person's session cookie does not let another page write", async () => {
  const context = await browser.newContext();
  // Log in as the person would, so the session cookie is in this browser context.
  const login = await context.request.post(`${guarded.url}/api/auth/login`, {
    data: { token: TOKEN },
    headers: { origin: guarded.url },
  });
  assert.equal(login.status(), 200);
  const cookies = await context.cookies(guarded.url);
  assert.ok(cookies.some((c) => c.name === "wikimind_session"), "logged in");
  for (const origin of origins()) await attack(context, origin, guarded);
  await context.close();
  assert.equal(await sourceCount(guarded, { authorization: `Bearer ${TOKEN}` }), 0, "nothing was written");
});
