// Looking after the library: a failed source shows its error and retries, Jobs updates live
// while work happens, a source is re-compiled and deleted with its articles, and the wiki
// filters by concept and status filters survive a reload.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertNoConsoleErrors, launchBrowser, openPage, startCorpusServer, startGateway, waitCompiled,
  postJson,
} from "../harness.mjs";

let gateway;
let corpus;
let browser;

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

test("a failed source shows its error, and Retry runs it again", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/?status=failed`);
  await page.locator(".live.live-open").waitFor();
  const { source } = await postJson(gateway.url, "/api/sources/url", { url: `${corpus.url}/no/such/page.html` });
  const row = page.locator(`li[data-source-id="${source.id}"]`);
  // The failed filter is live too: the row appears once the fetch has failed.
  await row.and(page.locator('[data-status="failed"]')).waitFor({ timeout: 60_000 });
  assert.match(await row.textContent(), /404/);
  const jobsBefore = (await api(gateway.url, "/api/jobs")).items.filter((j) => j.source_id === source.id).length;
  await row.getByRole("button", { name: "Retry" }).click();
  await page.waitForFunction(
    async ([base, id, n]) => {
      const r = await fetch(`${base}/api/jobs`);
      const { items } = await r.json();
      return items.filter((j) => j.source_id === id && j.status === "failed").length > n;
    },
    [gateway.url, source.id, jobsBefore],
    { timeout: 60_000, polling: 250 },
  );
  // The filter is in the address, so a reload keeps it.
  await page.reload();
  assert.equal(await page.getByRole("combobox", { name: "Filter by status" }).inputValue(), "failed");
  await row.waitFor();
  // The failed fetch and the failed retry both logged a 404 in the gateway, not in the page.
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("jobs appear live, and a source is re-compiled and then deleted with its articles", async () => {
  const { source } = await postJson(gateway.url, "/api/sources/text", {
    title: "Sourdough",
    content:
      "Sourdough bread rises with a culture of wild yeast and lactic acid bacteria. The starter is fed flour and water every day. A long cold proof develops the sour flavour and an open crumb.",
  });
  const compiled = await waitCompiled(gateway.url, source.id);
  const articleId = compiled.article_ids[0];

  const jobs = await openPage(browser);
  await jobs.goto(`${gateway.url}/jobs`);
  await jobs.locator(".live.live-open").waitFor();
  const rowsBefore = await jobs.locator("tbody tr").count();

  const page = await openPage(browser);
  await page.goto(`${gateway.url}/sources/${source.id}`);
  await page.getByRole("heading", { level: 1, name: "Sourdough" }).waitFor();
  await page.getByRole("button", { name: "Re-compile" }).click();
  await page.getByText("Re-compile queued").waitFor();
  // The other tab's Jobs table gains the re-compile without a reload.
  await jobs.waitForFunction((n) => document.querySelectorAll("tbody tr").length > n, rowsBefore);
  await jobs.locator('tbody tr[data-status="succeeded"]', { hasText: "Re-compile" }).first().waitFor();
  const article = await api(gateway.url, `/api/articles/${articleId}`);
  assert.equal(article.version, 2, "the re-compile replaced the article in place");

  await page.getByRole("button", { name: "Delete…" }).click();
  const confirm = page.getByRole("group", { name: "Delete this source?" });
  await confirm.getByRole("checkbox", { name: /Also delete the 1 article/ }).check();
  await confirm.getByRole("button", { name: "Delete source" }).click();
  await page.waitForURL(`${gateway.url}/`);
  await page.getByText(/Deleted “Sourdough”/).waitFor();
  const gone = await fetch(`${gateway.url}/api/articles/${articleId}`);
  assert.equal(gone.status, 404);
  assert.equal((await fetch(`${gateway.url}/api/sources/${source.id}`)).status, 404);
  assertNoConsoleErrors(jobs);
  assertNoConsoleErrors(page);
  await jobs.context().close();
  await page.context().close();
});

test("the wiki filters by concept from the concept list", async () => {
  const { source } = await postJson(gateway.url, "/api/sources/text", {
    title: "Tide pools",
    content:
      "Tide pools form on rocky shores when the sea retreats at low tide. Anemones, crabs and snails live in tide pools and survive changes of temperature and salinity twice a day.",
  });
  await waitCompiled(gateway.url, source.id);
  const { items: concepts } = await api(gateway.url, "/api/concepts");
  const concept = concepts[0];
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki`);
  await page.getByRole("heading", { level: 1, name: "Wiki" }).waitFor();
  // On narrow screens the list starts folded; unfold it (only then: a click would fold it).
  const details = page.locator("details.wiki-concepts");
  await details.waitFor();
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
  const nav = page.getByRole("navigation", { name: "Concepts" });
  // Found by its target rather than its text, which may hold any character.
  const param = new URLSearchParams({ concept: concept.name }).toString();
  const link = nav.locator(`a[href*="${param}"]`).first();
  assert.match(await link.textContent(), new RegExp(`\\(${concept.article_count}\\)`));
  await link.click();
  await page.waitForURL((url) => url.searchParams.get("concept") === concept.name);
  const cards = page.getByRole("list", { name: "Articles" }).locator(":scope > li");
  await page.waitForFunction(
    (n) => document.querySelectorAll('[aria-label="Articles"] > li').length === n,
    concept.article_count,
  );
  assert.equal(await cards.count(), concept.article_count);
  await page.reload();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[aria-label="Articles"] > li').length === n,
    concept.article_count,
  );
  assertNoConsoleErrors(page);
  await page.context().close();
});
