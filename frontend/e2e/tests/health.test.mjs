// The Health screen: with a model configured (the fake LLM server), a run started from the
// screen finds a contradiction and a missing inverse link, shown at desktop and phone widths with
// the pages side by side; the header's badge counts the new errors; the missing link is repaired
// and the contradiction resolved from the screen, and the losing claim shows as disputed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, ingestNote, launchBrowser, openPage, screenshot,
  startFakeLlm, startGateway, DESKTOP, PHONE,
} from "../harness.mjs";

let gateway;
let llm;
let browser;

before(async () => {
  llm = await startFakeLlm();
  gateway = await startGateway({
    env: {
      OPENAI_API_KEY: "test-key",
      WIKIMIND_LLM__OPENAI__BASE_URL: `${llm.url}/v1`,
      WIKIMIND_LLM__DEFAULT_PROVIDER: "openai",
    },
  });
  browser = await launchBrowser();
  await ingestNote(gateway.url, "Lighthouse keeping", "Keepers trimmed the wicks and wound the clockwork every night.");
  // The model reads "are related to" as a two-way relation, given one way only.
  await ingestNote(
    gateway.url,
    "Fog signals",
    "Fog signals warned ships when the light could not be seen. Fog signals are related to Lighthouse keeping.",
  );
  await ingestNote(gateway.url, "Harbour light", "The harbour light was first lit in 1850 by the keeper. Its lamp burned whale oil.");
  await ingestNote(gateway.url, "Harbour keepers", "The harbour light was first lit in 1872 by the keeper. Storms closed the harbour.");
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await llm?.stop();
});

test("a run started from the screen shows its findings, and the header counts the new errors", async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto(`${gateway.url}/wiki-health`);
  await page.getByRole("heading", { level: 1, name: "Health" }).waitFor();
  await page.getByText("Health has not checked this wiki yet.").waitFor();
  await page.getByRole("button", { name: "Run Health now" }).click();
  // The worker makes the run; its events bring the findings in.
  const contradictions = page.getByRole("list", { name: "Contradictions" });
  await contradictions.waitFor({ timeout: 30_000 });
  const item = contradictions.getByRole("listitem").first();
  assert.match(await item.textContent(), /1850/);
  assert.match(await item.textContent(), /1872/);
  await page.getByRole("list", { name: "Missing inverse links" }).waitFor();
  assert.match(await page.getByLabel(/^Score \d+ of 100$/).textContent(), /^\d+$/);
  const badge = page.getByRole("navigation", { name: "Main" }).getByLabel(/new errors?$/);
  await badge.waitFor();
  assert.ok(Number(await badge.textContent()) >= 1);
  await assertAccessibleBasics(page);
  await screenshot(page, "health");
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the findings read at phone width", async () => {
  const page = await openPage(browser, PHONE);
  await page.goto(`${gateway.url}/wiki-health`);
  await page.getByRole("list", { name: "Contradictions" }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "health");
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("a missing link is repaired and a contradiction resolved from the screen", async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto(`${gateway.url}/wiki-health`);
  const missing = page.getByRole("list", { name: "Missing inverse links" });
  await missing.getByRole("button", { name: "Add the link back" }).first().click();
  await missing.waitFor({ state: "detached" });
  const lighthouse = await api(gateway.url, "/api/articles/lighthouse-keeping");
  assert.ok(
    lighthouse.backlinks_out.some((l) => l.title === "Fog signals" && l.relation_type === "related_to"),
    JSON.stringify(lighthouse.backlinks_out),
  );

  const contradiction = page.getByRole("list", { name: "Contradictions" }).getByRole("listitem").first();
  const [first, second] = await contradiction.locator(".claim-side a").allTextContents();
  await contradiction.getByRole("button", { name: `${first} is right` }).click();
  await page.getByRole("list", { name: "Contradictions" }).waitFor({ state: "detached" });

  // The losing page says which of its claims is disputed, and by whom.
  const loser = (await api(gateway.url, "/api/articles?limit=50")).items.find((a) => a.title === second);
  await page.goto(`${gateway.url}/wiki/${loser.slug}`);
  const claims = page.getByRole("list", { name: "Claims" });
  await claims.getByText("disputed").waitFor();
  assert.ok(await claims.getByRole("link", { name: first }).isVisible());
  assertNoConsoleErrors(page);
  await page.context().close();
});
