// Lists longer than a page: 105 notes added through the API are all reachable in the browser by
// paging. The 101st source in the Inbox, the 101st article in the Wiki and the older jobs are one
// click away; the page is kept in the URL across a reload and Back, and a filter change returns
// to the first page. The same notes show the Sort control: "Title A–Z" puts the alphabetically
// first item at the top, whichever page the list was on. The concept list beside the Wiki finds a
// concept by name and sorts by name.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, launchBrowser, openPage, postJson, startGateway, PHONE,
} from "../harness.mjs";

/** One more page than the 100 a list shows at once. */
const NOTES = 105;

let gateway;
let browser;

before(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  // A few at a time: the gateway takes them as fast as one by one, without a burst of 105.
  for (let start = 1; start <= NOTES; start += 15) {
    const batch = [];
    for (let n = start; n < Math.min(start + 15, NOTES + 1); n += 1) {
      batch.push(postJson(gateway.url, "/api/sources/text", { title: noteTitle(n), content: noteText(n) }));
    }
    await Promise.all(batch);
  }
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

function noteTitle(n) {
  return `Paging note ${String(n).padStart(3, "0")}`;
}

/** A short note of its own (the same text twice would be one source and a duplicate). */
function noteText(n) {
  return (
    `Lighthouse number ${n} stands on a rocky point and its lamp turns ${n} times a minute. ` +
    `Its keeper logs the weather at every watch, and ship ${n} passed it at dawn in calm seas.`
  );
}

/** Waits until every note is compiled and no job is left to run, so the lists stop moving. */
async function waitSettled(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const compiled = await api(gateway.url, "/api/sources?status=compiled&limit=1");
    const failed = await api(gateway.url, "/api/sources?status=failed&limit=1");
    assert.equal(failed.total, 0, `a note failed: ${JSON.stringify(failed.items[0])}`);
    if (compiled.total === NOTES) {
      const busy = await Promise.all(
        ["queued", "running"].map((status) => api(gateway.url, `/api/jobs?status=${status}&limit=1`)),
      );
      if (busy.every((page) => page.total === 0)) return;
    }
    if (Date.now() > deadline) throw new Error(`only ${compiled.total} of ${NOTES} notes compiled`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

/** The pager named `label`, once it says `range`. */
async function pagerShowing(page, label, range) {
  const pager = page.getByRole("navigation", { name: label });
  await pager.getByRole("status").filter({ hasText: range }).waitFor();
  return pager;
}

test("the Inbox reaches its 101st source on page 2, kept in the URL", async () => {
  const page = await openPage(browser);
  await page.goto(gateway.url);
  const pager = await pagerShowing(page, "Pages of sources", `Showing 1–100 of ${NOTES} sources`);
  const rows = page.locator('[aria-label="Sources"] li[data-source-id]');
  assert.equal(await rows.count(), 100);
  assert.equal(await pager.getByRole("button", { name: "Previous page" }).isDisabled(), true);
  await assertAccessibleBasics(page);

  // The API's 101st source, newest first, is the first row of page 2.
  const [sourceAt101] = (await api(gateway.url, "/api/sources?limit=1&offset=100")).items;
  await pager.getByRole("button", { name: "Next page" }).click();
  await pagerShowing(page, "Pages of sources", `Showing 101–${NOTES} of ${NOTES} sources`);
  assert.match(page.url(), /[?&]page=2\b/);
  await page.locator(`li[data-source-id="${sourceAt101.id}"]`).waitFor();
  assert.equal(await rows.first().getAttribute("data-source-id"), sourceAt101.id);
  assert.equal(await rows.count(), NOTES - 100);
  assert.equal(await pager.getByRole("button", { name: "Next page" }).isDisabled(), true);
  assert.equal(await pager.getByRole("button", { name: "Last page" }).isDisabled(), true);

  // A reload stays on page 2; Back returns to page 1.
  await page.reload();
  await pagerShowing(page, "Pages of sources", `Showing 101–${NOTES} of ${NOTES} sources`);
  assert.equal(await rows.first().getAttribute("data-source-id"), sourceAt101.id);
  await page.goBack();
  await pagerShowing(page, "Pages of sources", `Showing 1–100 of ${NOTES} sources`);

  // Another order is another list too: from the last page back to the first, note 001 on top.
  const firstTitle = () => rows.first().locator(".source-item-title").textContent();
  await pager.getByRole("button", { name: "Last page" }).click();
  await pagerShowing(page, "Pages of sources", `Showing 101–${NOTES}`);
  const sortSources = page.getByRole("combobox", { name: "Sort sources" });
  await sortSources.selectOption({ label: "Title A–Z" });
  await page.waitForURL((url) => url.searchParams.get("sort") === "title" && !url.searchParams.has("page"));
  await pagerShowing(page, "Pages of sources", `Showing 1–100 of ${NOTES} sources`);
  await page.locator(".source-item-title", { hasText: noteTitle(1) }).first().waitFor();
  assert.equal(await firstTitle(), noteTitle(1));
  await sortSources.selectOption({ label: "Title Z–A" });
  await page.waitForURL((url) => url.searchParams.get("order") === "desc");
  await page.locator(".source-item-title", { hasText: noteTitle(NOTES) }).first().waitFor();
  assert.equal(await firstTitle(), noteTitle(NOTES));
  // Back to the order a plain address means, which leaves nothing of it in the URL.
  await sortSources.selectOption({ label: "Newest" });
  await page.waitForURL((url) => !url.searchParams.has("sort") && !url.searchParams.has("order"));

  // A status filter is another list: it starts at its first page.
  await pager.getByRole("button", { name: "Last page" }).click();
  await pagerShowing(page, "Pages of sources", `Showing 101–${NOTES}`);
  await page.getByRole("combobox", { name: "Filter by status" }).selectOption("compiled");
  await page.waitForURL((url) => url.searchParams.get("status") === "compiled" && !url.searchParams.has("page"));
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the pager fits a phone", async () => {
  const page = await openPage(browser, PHONE);
  await page.goto(`${gateway.url}/?page=2`);
  await pagerShowing(page, "Pages of sources", `Showing 101–${NOTES} of ${NOTES} sources`);
  await assertAccessibleBasics(page);
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the Wiki reaches its 101st article, and Jobs its older jobs, by paging", async () => {
  await waitSettled();
  const articles = await api(gateway.url, "/api/articles?limit=1&offset=100");
  assert.ok(articles.total > 100, `${articles.total} articles`);
  const [articleAt101] = articles.items;

  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki`);
  const total = articles.total.toLocaleString("en-US");
  const pager = await pagerShowing(page, "Pages of articles", `Showing 1–100 of ${total} articles`);
  await pager.getByRole("button", { name: "Next page" }).click();
  await pagerShowing(page, "Pages of articles", `Showing 101–`);
  assert.match(page.url(), /[?&]page=2\b/);
  const cards = page.getByRole("list", { name: "Articles" }).getByRole("article");
  assert.equal(
    await cards.first().getByRole("link").first().getAttribute("href"),
    `/wiki/${encodeURIComponent(articleAt101.slug)}`,
  );
  await assertAccessibleBasics(page);

  // "Title A–Z" starts again at page 1 with the article the API puts first in that order (how
  // titles compare is the database's collation, not something to compute here).
  const [firstByTitle] = (await api(gateway.url, "/api/articles?sort=title&limit=1")).items;
  await page.getByRole("combobox", { name: "Sort articles" }).selectOption({ label: "Title A–Z" });
  await page.waitForURL((url) => url.searchParams.get("sort") === "title" && !url.searchParams.has("page"));
  // The range names page 1 only once its articles have replaced page 2's.
  await pagerShowing(page, "Pages of articles", `Showing 1–100 of ${total} articles`);
  const firstCardTitle = await cards.first().locator(".wiki-card-title").textContent();
  assert.equal(firstCardTitle.trim(), firstByTitle.title);

  // A filter starts again at page 1.
  await page.getByRole("combobox", { name: "Page type" }).selectOption("source");
  await page.waitForURL((url) => url.searchParams.get("page_type") === "source" && !url.searchParams.has("page"));

  // Jobs: at least one per note, newest first; page 2 holds the older ones.
  const jobs = await api(gateway.url, "/api/jobs?limit=100&offset=100");
  assert.ok(jobs.total > 100 && jobs.total <= 200, `${jobs.total} jobs`);
  await page.goto(`${gateway.url}/jobs?page=2`);
  await pagerShowing(page, "Pages of jobs", `Showing 101–${jobs.total} of ${jobs.total} jobs`);
  const jobRows = page.getByRole("table", { name: "Recent jobs" }).locator("tbody tr");
  assert.equal(await jobRows.first().getAttribute("data-job-id"), jobs.items[0].id);
  assert.equal(await jobRows.count(), jobs.total - 100);
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the concept list finds a concept by name and sorts by name, kept in the URL", async () => {
  await waitSettled();
  const concepts = (await api(gateway.url, "/api/concepts")).items;
  assert.ok(concepts.length > 1, `${concepts.length} concepts`);
  // The least used concept, found by its name typed in lower case.
  const target = concepts[concepts.length - 1];
  const typed = target.display_name.toLowerCase();
  const matching = concepts.filter(
    (c) => c.display_name.toLowerCase().includes(typed) || c.name.toLowerCase().includes(typed),
  );
  /** A concept's link in the list: its name, then its article count. */
  const named = (c) => new RegExp(`^${c.display_name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(`);

  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki`);
  const nav = page.getByRole("navigation", { name: "Concepts" });
  await nav.getByRole("link", { name: "All concepts" }).waitFor();
  await page.getByRole("searchbox", { name: "Filter concepts" }).fill(typed);
  await page.waitForURL((url) => url.searchParams.get("concepts_q") === typed);
  const links = nav.getByRole("link");
  await links.nth(1).filter({ hasText: named(matching[0]) }).waitFor();
  assert.equal(await links.count(), 1 + matching.length);
  assert.ok((await links.allTextContents()).some((t) => named(target).test(t)));

  // Reloaded, the filter is still applied; cleared and sorted by name, the first concept is the
  // alphabetically first.
  await page.reload();
  assert.equal(await page.getByRole("searchbox", { name: "Filter concepts" }).inputValue(), typed);
  await page.getByRole("searchbox", { name: "Filter concepts" }).fill("");
  await page.getByRole("combobox", { name: "Sort concepts" }).selectOption({ label: "Name A–Z" });
  await page.waitForURL((url) => url.searchParams.get("concepts_sort") === "name" && !url.searchParams.has("concepts_q"));
  const roots = concepts.filter((c) => !c.parent || c.parent === c.name || !concepts.some((o) => o.name === c.parent));
  const [first] = [...roots].sort((a, b) =>
    a.display_name.localeCompare(b.display_name, undefined, { numeric: true, sensitivity: "base" }),
  );
  await links.nth(1).filter({ hasText: named(first) }).waitFor();
  await assertAccessibleBasics(page);
  assertNoConsoleErrors(page);
  await page.context().close();
});
