// Asking the wiki in the browser: a question about an ingested corpus page gets a cited
// extractive answer; its citation opens the article at the claim, with the quote highlighted in
// the source text, and from there the source page with the same passage marked. The header's
// search box leads to ranked results.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  assertAccessibleBasics, assertNoConsoleErrors, ingestUrl, launchBrowser, openPage, screenshot,
  startCorpusServer, startGateway, PHONE,
} from "../harness.mjs";

let gateway;
let corpus;
let browser;

before(async () => {
  corpus = await startCorpusServer();
  gateway = await startGateway();
  browser = await launchBrowser();
  await ingestUrl(gateway.url, `${corpus.url}/html/python/heapq.html`);
  await ingestUrl(gateway.url, `${corpus.url}/html/python/bisect.html`);
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await corpus?.close();
});

test("a question gets a cited answer whose citation leads to the quote in the source", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/ask`);
  await page.getByRole("heading", { name: "Ask a question" }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "ask-empty");

  await page.getByLabel("Your question").fill("How do I pop the smallest item off a heap?");
  await page.getByRole("button", { name: "Ask", exact: true }).click();
  const turn = page.getByRole("article", { name: "Question 1" });
  await turn.waitFor();
  await page.waitForURL(/\/ask\?c=/);
  assert.equal(await turn.getAttribute("data-mode"), "extractive");
  assert.match(await turn.textContent(), /Extractive answer/);
  const citations = turn.getByRole("list", { name: "Citations" });
  assert.ok((await citations.locator(":scope > li").count()) >= 1);
  // The conversation is listed.
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /pop the smallest/ }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "ask");

  // The first marker in the answer opens the article at the cited claim, quote highlighted.
  const marker = turn.locator('.turn-answer a[href*="?claim="]').first();
  const href = await marker.getAttribute("href");
  await marker.click();
  await page.waitForURL(/\/wiki\/[^?]+\?claim=\d+/);
  const claim = Number(new URL(page.url()).searchParams.get("claim"));
  assert.ok(href.includes(`claim=${claim}`));
  const focused = page.locator(`#claim-${claim}`);
  await focused.locator("mark.quote-highlight").waitFor();
  const quote = (await focused.locator("blockquote.claim-quote").textContent()).trim();
  const highlighted = (await focused.locator("mark.quote-highlight").textContent()).trim();
  const norm = (s) => s.replace(/\s+/g, " ").toLowerCase();
  assert.equal(norm(highlighted).replace(/\\/g, ""), norm(quote).replace(/\\/g, ""));

  // And from there, the source page with the passage marked.
  await focused.getByRole("link", { name: "Open in source" }).click();
  await page.waitForURL(/\/sources\/[^?]+\?start=\d+&end=\d+/);
  await page.locator("mark#quote").waitFor();
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("a follow-up continues the conversation, and a fork branches from a turn", async () => {
  const page = await openPage(browser, PHONE);
  await page.goto(`${gateway.url}/ask`);
  await page.getByLabel("Your question").fill("What does bisect do with a sorted list?");
  await page.getByRole("button", { name: "Ask", exact: true }).click();
  await page.getByRole("article", { name: "Question 1" }).waitFor();
  await page.getByLabel("Ask a follow-up").fill("How do I push an item onto a heap?");
  await page.getByRole("button", { name: "Ask", exact: true }).click();
  await page.getByRole("article", { name: "Question 2" }).waitFor();

  const second = page.getByRole("article", { name: "Question 2" });
  await second.getByRole("button", { name: "Fork from here" }).click();
  await second.getByLabel("Ask instead").fill("Which function merges sorted inputs?");
  await second.getByRole("button", { name: "Fork", exact: true }).click();
  await page.waitForFunction(
    () => document.querySelector('[aria-label="Question 2"] .turn-question')?.textContent?.includes("merges"),
  );
  // The fork is listed as a branch of its own.
  await page
    .getByRole("navigation", { name: "Conversations" })
    .getByRole("link", { name: /↳ Which function merges/ })
    .waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "ask");
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the header search leads to ranked results with marked snippets", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/`);
  await page.getByRole("searchbox", { name: "Quick search" }).fill("insertion point sorted");
  await page.getByRole("searchbox", { name: "Quick search" }).press("Enter");
  await page.waitForURL(/\/wiki\?q=/);
  const results = page.getByRole("list", { name: "Articles" });
  await results.locator(":scope > li").first().waitFor();
  assert.match(await results.locator(":scope > li").first().textContent(), /bisect/i);
  assert.ok((await results.locator("mark").count()) >= 1);
  assertNoConsoleErrors(page);
  await page.context().close();
});
