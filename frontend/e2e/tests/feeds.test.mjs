// Feeds in the browser: subscribe to an RSS feed on loopback from the Inbox, see it read with
// its items, its items arrive as sources, a later item arrives after "Read now", and
// unsubscribing keeps the sources.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { api, assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway } from "../harness.mjs";

let gateway;
let browser;
let feedServer;
let base;
const items = [];

const PAGES = {
  "/posts/tides.html":
    "High tide at the harbour comes at six in the morning. The harbour master posts the tide tables on the quay every Monday.",
  "/posts/lamps.html":
    "The lighthouse lamp burned whale oil until the keepers changed it for paraffin. Each wick was trimmed at dusk.",
  "/posts/bells.html":
    "The fog bell rang every thirty seconds while fog lay on the harbour mouth, struck by a clockwork hammer.",
};

function item(guid, title, path) {
  return `<item><guid>${guid}</guid><title>${title}</title><link>${base}${path}</link><description>${title}</description></item>`;
}

before(async () => {
  feedServer = createServer((req, res) => {
    if (req.url === "/feed.xml") {
      res.writeHead(200, { "content-type": "application/rss+xml" });
      res.end(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour notes</title><link>${base}/</link>` +
          `<description>Notes</description>${[...items].reverse().join("")}</channel></rss>`,
      );
      return;
    }
    const text = PAGES[req.url];
    if (!text) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<html><head><title>${req.url}</title></head><body><p>${text}</p></body></html>`);
  });
  await new Promise((ok) => feedServer.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${feedServer.address().port}`;
  items.push(item("t1", "Harbour tides", "/posts/tides.html"), item("l1", "Lamps", "/posts/lamps.html"));
  gateway = await startGateway();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await new Promise((ok) => feedServer?.close(ok));
});

test("a feed subscribed in the Inbox brings its items in as sources, and later ones on Read now", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/`);
  const feeds = page.getByRole("region", { name: "Feeds" });
  await feeds.getByLabel("Feed address").fill(`${base}/feed.xml`);
  await feeds.getByRole("button", { name: "Subscribe" }).click();
  const row = feeds.getByRole("listitem").filter({ hasText: "Harbour notes" });
  await row.getByText("2 items").waitFor({ timeout: 30_000 });
  const sources = page.getByRole("list", { name: "Sources" });
  await sources.locator('.source-item[data-status="compiled"]').nth(1).waitFor({ timeout: 60_000 });
  assert.equal(await sources.locator(".source-item").count(), 2);
  await screenshot(page, "inbox-feeds");

  items.push(item("b1", "Fog bells", "/posts/bells.html"));
  await row.getByRole("button", { name: "Read now" }).click();
  await row.getByText("3 items").waitFor({ timeout: 30_000 });
  await sources.locator('.source-item[data-status="compiled"]').nth(2).waitFor({ timeout: 60_000 });
  assert.equal(await sources.locator(".source-item").count(), 3);

  await row.getByRole("button", { name: "Unsubscribe from Harbour notes" }).click();
  await row.waitFor({ state: "detached" });
  const { total } = await api(gateway.url, "/api/sources");
  assert.equal(total, 3, "the sources stay");
  assertNoConsoleErrors(page);
  await page.context().close();
});
