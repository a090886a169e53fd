// Provider keys on the Settings screen: a key typed there is saved (never shown again), makes
// the provider the default, and the next source is compiled by it; forgetting the key brings
// the offline compiler back. The environment's values stay as they are, labelled.
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
