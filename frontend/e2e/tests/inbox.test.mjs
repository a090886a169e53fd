// Feeding WikiMind from the Inbox: a note and a corpus page by URL reach `compiled` live, several
// links pasted at once become one source each, a
// duplicate is reported as such, a PDF dropped on the page is ingested, and Jobs shows the work.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, corpusDir, launchBrowser, openPage, screenshot,
  startCorpusServer, startGateway, PHONE,
} from "../harness.mjs";

let gateway;
let corpus;
let browser;
/** Ids of the sources this file adds, in order; the Jobs test below checks each has its job. */
const created = [];

before(async () => {
  corpus = await startCorpusServer();
  gateway = await startGateway();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await corpus?.close();
});

/** Records every stage a source row shows, as the page renders it (no reloads). */
async function watchStages(page) {
  await page.evaluate(() => {
    window.__stages = {};
    const record = () => {
      for (const li of document.querySelectorAll('[aria-label="Sources"] li[data-source-id]')) {
        const seen = (window.__stages[li.dataset.sourceId] ??= []);
        if (seen[seen.length - 1] !== li.dataset.status) seen.push(li.dataset.status);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    record();
  });
}

/** The socket is open: progress events from here on reach the page (none are lost before it). */
async function waitLive(page) {
  await page.locator(".live.live-open").waitFor();
}

/** Adds `text` and returns the reply to this submission (never the one left from the last). */
async function addFromQuickBar(page, text) {
  const previous = page.locator(".quick-add-result");
  const before = (await previous.count()) ? await previous.getAttribute("data-submitted-at") : null;
  await page.getByLabel("Add a link or a note").fill(text);
  await page.getByRole("button", { name: "Add", exact: true }).click();
  const result = before
    ? page.locator(`.quick-add-result:not([data-submitted-at="${before}"])`)
    : page.locator(".quick-add-result");
  await result.waitFor();
  return result;
}

test("an empty Inbox teaches, and added sources reach compiled live", async () => {
  const page = await openPage(browser);
  await page.goto(gateway.url);
  await page.getByRole("heading", { name: "Drop a PDF here or paste a link" }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "inbox-empty");
  await waitLive(page);
  await watchStages(page);

  const note = await addFromQuickBar(
    page,
    "Tide pools\n\nTide pools form on rocky shores when the sea retreats at low tide. Anemones, crabs and snails live in them and must survive changes of temperature and salinity twice a day.",
  );
  assert.equal(await note.getAttribute("data-outcome"), "added");
  // The page is served slowly so that the fetching stage is on screen long enough to be seen.
  const url = `${corpus.url}/html/python/heapq.html?delay=1500`;
  const page2 = await addFromQuickBar(page, url);
  assert.equal(await page2.getAttribute("data-outcome"), "added");

  const rows = page.locator('[aria-label="Sources"] li[data-source-id]');
  await page.waitForFunction(
    () => {
      const rows = document.querySelectorAll('[aria-label="Sources"] li[data-source-id]');
      return rows.length === 2 && Array.from(rows).every((li) => li.dataset.status === "compiled");
    },
    null,
    { timeout: 90_000 },
  );
  assert.equal(await rows.count(), 2);
  created.push(...(await rows.evaluateAll((lis) => lis.map((li) => li.dataset.sourceId))));
  // The rows moved through the pipeline on screen, fed by the WebSocket, without a reload.
  const stages = await page.evaluate(() => window.__stages);
  const pageId = await rows.filter({ hasText: /heapq/i }).first().getAttribute("data-source-id");
  for (const [id, seen] of Object.entries(stages)) {
    assert.equal(seen[seen.length - 1], "compiled", `${id}: ${seen}`);
  }
  assert.ok(stages[pageId].includes("fetching"), `the page showed ${stages[pageId]}`);
  await screenshot(page, "inbox");

  // The same page again is reported as a duplicate, linking the existing source.
  const dup = await addFromQuickBar(page, url);
  assert.equal(await dup.getAttribute("data-outcome"), "duplicate");
  assert.match(await dup.textContent(), /Already in your library/);

  // Several links pasted one per line become one source each; the known one is reported.
  const batch = await addFromQuickBar(page, `${corpus.url}/html/python/bisect.html\n${url}`);
  assert.equal(await batch.getAttribute("data-outcome"), "batch");
  assert.match(await batch.textContent(), /Added 1 link, 1 already in your library/);
  await rows.filter({ hasText: /bisect/i }).first().waitFor();

  // A compiled row links to its article.
  const heapq = rows.filter({ hasText: /heapq/i }).first();
  await heapq.getByRole("link", { name: /Read the article|Article 1/ }).first().click();
  await page.waitForURL(/\/wiki\//);
  await page.getByRole("heading", { level: 1 }).waitFor();
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("a PDF dropped on the Inbox is ingested and becomes an article with grounded claims", async () => {
  const page = await openPage(browser);
  await page.goto(gateway.url);
  await page.getByRole("heading", { level: 1, name: "Inbox" }).waitFor();
  await waitLive(page);
  const pdf = readFileSync(join(corpusDir, "pdf/debian-reference-pages-1-12.pdf")).toString("base64");
  const transfer = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "debian-reference-pages-1-12.pdf", { type: "application/pdf" }));
    return dt;
  }, pdf);
  const zone = page.locator(".drop-zone");
  await zone.dispatchEvent("dragenter", { dataTransfer: transfer });
  await zone.dispatchEvent("dragover", { dataTransfer: transfer });
  await zone.dispatchEvent("drop", { dataTransfer: transfer });
  const upload = page.locator('[aria-label="Uploads"] li').first();
  await page.waitForFunction(
    () => ["added", "duplicate"].includes(document.querySelector('[aria-label="Uploads"] li')?.dataset.uploadState),
  );
  assert.equal(await upload.getAttribute("data-upload-state"), "added");

  const row = page.locator('[aria-label="Sources"] li[data-source-id]').filter({ hasText: /pdf/i }).first();
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('[aria-label="Sources"] li[data-source-id]')).some(
        (li) => /pdf/i.test(li.textContent) && li.dataset.status === "compiled",
      ),
    null,
    { timeout: 120_000 },
  );
  const sourceId = await row.getAttribute("data-source-id");
  const source = await api(gateway.url, `/api/sources/${sourceId}`);
  assert.equal(source.kind, "pdf");
  created.push(sourceId);
  await row.getByRole("link", { name: /Read the article|Article 1/ }).first().click();
  await page.getByRole("heading", { level: 1 }).waitFor();
  await page.getByRole("list", { name: "Claims" }).getByRole("button", { name: "Show quote in source" }).first().click();
  await page.locator("mark.quote-highlight").first().waitFor();
  await screenshot(page, "article-pdf");
  assertNoConsoleErrors(page);
  await page.context().close();
});

// Depends on the two tests above (node:test runs a file's tests in order, and e2e/run.mjs passes
// --test-concurrency=1): it checks the jobs of the sources they added rather than adding more.
test("jobs show the ingests with status, attempts and duration", async () => {
  assert.ok(created.length >= 3, `the ingest tests above added the sources (${created.length})`);
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/jobs`);
  const table = page.getByRole("table", { name: "Recent jobs" });
  await table.waitFor();
  // Every source added above has at least one succeeded job linking to it.
  await page.waitForFunction(
    (ids) => ids.every((id) => document.querySelector(`tr[data-status="succeeded"] a[href="/sources/${id}"]`)),
    created,
  );
  const first = await table.locator("tbody tr").first().textContent();
  assert.match(first, /succeeded/);
  assert.match(first, /Ingest/);
  await assertAccessibleBasics(page);
  await screenshot(page, "jobs");
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the Inbox works on a phone", async () => {
  const page = await openPage(browser, PHONE);
  await page.goto(gateway.url);
  await page.locator('[aria-label="Sources"] li[data-source-id]').first().waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "inbox");
  await page.goto(`${gateway.url}/jobs`);
  await page.getByRole("table", { name: "Recent jobs" }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "jobs");
  assertNoConsoleErrors(page);
  await page.context().close();
});
