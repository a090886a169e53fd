// Streaming answers in the browser: with an OpenAI-compatible server configured (the fake LLM
// server, streaming slowly), the answer appears piece by piece on /ask, then becomes the stored
// turn with its citations.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  assertNoConsoleErrors, ingestNote, launchBrowser, openPage, screenshot, startFakeLlm, startGateway,
} from "../harness.mjs";

let gateway;
let llm;
let browser;

before(async () => {
  llm = await startFakeLlm({ streamDelayMs: 60 });
  gateway = await startGateway({
    env: {
      OPENAI_API_KEY: "test-key",
      WIKIMIND_LLM__OPENAI__BASE_URL: `${llm.url}/v1`,
      WIKIMIND_LLM__DEFAULT_PROVIDER: "openai",
    },
  });
  browser = await launchBrowser();
  await ingestNote(
    gateway.url,
    "Heaps",
    "A heap is a binary tree in which every parent is smaller than its children. The heappop function pops and returns the smallest item from the heap. The heappush function pushes an item onto the heap and keeps the heap invariant.",
  );
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await llm?.stop();
});

test("the answer streams in token by token, then shows its citations", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/ask`);
  await page.getByLabel("Your question").fill("How do I pop the smallest item off a heap?");
  // Record every text the in-progress answer shows, as the page renders it.
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => {
      const el = document.querySelector(".turn-streaming .streaming-text");
      const text = el?.textContent ?? "";
      if (el && text && window.__seen[window.__seen.length - 1] !== text) window.__seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole("button", { name: "Ask", exact: true }).click();
  const turn = page.getByRole("article", { name: "Question 1" });
  await turn.waitFor({ timeout: 60_000 });
  const seen = await page.evaluate(() => window.__seen.filter((t) => !t.startsWith("Looking through")));
  assert.ok(seen.length >= 3, `the answer arrived in ${seen.length} steps: ${JSON.stringify(seen)}`);
  // Text is only ever added to: each step extends the one before.
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].startsWith(seen[i - 1]), JSON.stringify(seen));
  assert.equal(await turn.getAttribute("data-mode"), "llm");
  assert.ok((await turn.getByRole("list", { name: "Citations" }).locator(":scope > li").count()) >= 1);
  assert.doesNotMatch(await turn.locator(".turn-answer").textContent(), /\{|\[9\]/);
  await screenshot(page, "ask-streamed");
  assertNoConsoleErrors(page);
  await page.context().close();
});
