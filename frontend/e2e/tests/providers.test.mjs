// Provider keys on the Settings screen: a key typed there is saved (never shown again), makes
// the provider the default, and the next source is compiled by it; forgetting the key brings
// the offline compiler back. The environment's values stay as they are, labelled. An embedding
// provider chosen there borrows its provider's saved key and turns search hybrid.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertNoConsoleErrors, launchBrowser, openPage, postJson, screenshot, startFakeLlm, startGateway, waitCompiled,
} from "../harness.mjs";

const KEY = "sk-ant-browser-0123456789";

let gateway;
let llm;
let browser;

before(async () => {
  llm = await startFakeLlm();
  gateway = await startGateway({
    env: {
      // Where Anthropic is served comes from the environment; its key does not.
      WIKIMIND_LLM__ANTHROPIC__BASE_URL: llm.url,
      WIKIMIND_LLM__GOOGLE__MODEL: "gemini-from-env",
      WIKIMIND_LLM__GOOGLE__BASE_URL: llm.url,
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await llm?.stop();
});

test("a key saved in Settings is used by the next compile and never shown again", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/settings`);
  const table = page.getByRole("table", { name: "Providers" });
  await table.locator('tr[data-provider="anthropic"]').getByText("not configured").waitFor();

  await page.getByRole("combobox", { name: /^Provider/ }).selectOption("google");
  const google = page.getByRole("form", { name: "Google Gemini key and model" });
  assert.equal(await google.getByLabel(/^Model/).isDisabled(), true);
  assert.ok(await google.getByText("Set in the environment").isVisible());

  await page.getByRole("combobox", { name: /^Provider/ }).selectOption("anthropic");
  const form = page.getByRole("form", { name: "Anthropic key and model" });
  await form.getByLabel(/^API key/).fill(KEY);
  await form.getByRole("button", { name: "Save Anthropic" }).click();
  await form.getByText("Saved", { exact: true }).waitFor();
  await table.locator('tr[data-provider="anthropic"]').getByText("key saved here").waitFor();
  assert.equal(await form.getByLabel(/^API key/).inputValue(), "");
  assert.ok(!(await page.content()).includes(KEY), "the key is never shown");
  assert.ok(!JSON.stringify(await api(gateway.url, "/api/settings")).includes(KEY));
  await screenshot(page, "settings-provider-key");

  const { source } = await postJson(gateway.url, "/api/sources/text", {
    title: "Reefs",
    content: "Coral reefs grow slowly in warm shallow water. Reefs shelter a quarter of all ocean fish.",
  });
  const compiled = await waitCompiled(gateway.url, source.id);
  const article = await api(gateway.url, `/api/articles/${compiled.article_ids[0]}`);
  assert.equal(article.provider, "anthropic");

  await form.getByRole("button", { name: "Forget the saved key" }).click();
  await table.locator('tr[data-provider="anthropic"]').getByText("not configured").waitFor();
  const settings = await api(gateway.url, "/api/settings");
  assert.equal(settings.default_provider, "offline");
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("an embedding provider chosen in Settings borrows its provider's key and ranks by meaning", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/settings`);
  const search = page.getByRole("region", { name: "Search" });
  await search.getByText(/Search ranks by words/).waitFor();
  const embeddings = page.getByRole("form", { name: "Embedding provider" });

  // Without Google's key the choice is refused, and the form says why.
  await embeddings.getByLabel("Embeddings by").selectOption("google");
  await embeddings.getByRole("button", { name: "Save embeddings" }).click();
  await embeddings.getByText(/Google key/).waitFor();

  await page.getByRole("combobox", { name: /^Provider/ }).selectOption("google");
  const google = page.getByRole("form", { name: "Google Gemini key and model" });
  await google.getByLabel(/^API key/).fill("gemini-browser-key-0123");
  await google.getByRole("button", { name: "Save Google Gemini" }).click();
  await google.getByText("Saved", { exact: true }).waitFor();

  await embeddings.getByLabel("Embeddings by").selectOption("google");
  await embeddings.getByRole("button", { name: "Save embeddings" }).click();
  await search.getByText(/words and meaning together/).waitFor();
  await search.getByText("text-embedding-004").waitFor();
  await screenshot(page, "settings-embeddings");

  const { source } = await postJson(gateway.url, "/api/sources/text", {
    title: "Kelp",
    content: "Kelp forests grow along cold rocky coasts. Sea urchins graze kelp when otters are scarce.",
  });
  await waitCompiled(gateway.url, source.id);
  const reply = await api(gateway.url, `/api/search?q=${encodeURIComponent("kelp forests")}`);
  assert.equal(reply.ranking, "hybrid");
  const costs = await api(gateway.url, "/api/costs");
  const indexing = costs.by_task.find((g) => g.key === "index");
  assert.ok(indexing?.calls > 0, `the passages were embedded: ${JSON.stringify(costs.by_task)}`);

  // Back to words only.
  await embeddings.getByLabel("Embeddings by").selectOption("");
  await embeddings.getByRole("button", { name: "Save embeddings" }).click();
  await search.getByText(/Search ranks by words/).waitFor();
  // The refusal above was a 400 on purpose; the browser logs every 4xx.
  page.errors = page.errors.filter((e) => !(e.includes("400") && e.includes("/api/settings/embeddings")));
  assertNoConsoleErrors(page);
  await page.context().close();
});
