// The monthly budget in the browser: set and enforced on the Settings screen; a source added
// while it is spent waits, and the Inbox says why and compiles it offline on request; raising
// the budget lets the next waiting source compile with the model.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertNoConsoleErrors, launchBrowser, openPage, postJson, screenshot, startFakeLlm, startGateway, waitCompiled,
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
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await llm?.stop();
});

async function waitStatus(id, status, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await api(gateway.url, `/api/sources/${id}`);
    if (s.status === status) return s;
    if (Date.now() > deadline) throw new Error(`source ${id} still ${s.status}, not ${status}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

async function saveBudget(page, amount) {
  await page.goto(`${gateway.url}/settings`);
  const form = page.getByRole("form", { name: "Budget" });
  await form.getByLabel("Monthly budget (US $)").fill(amount);
  await form.getByRole("checkbox").check();
  await form.getByRole("button", { name: "Save budget" }).click();
  await form.getByText("Saved").waitFor();
}

test("a spent, enforced budget makes sources wait; offline compiles and a raised budget free them", async () => {
  const page = await openPage(browser);
  await saveBudget(page, "0");
  const { source: first } = await postJson(gateway.url, "/api/sources/text", {
    title: "Tides",
    content: "Tides rise and fall twice a day as the moon pulls on the oceans. Spring tides come at new and full moon.",
  });
  await waitStatus(first.id, "paused_budget");

  await page.goto(`${gateway.url}/`);
  const notice = page.getByRole("status", { name: "Waiting for the budget" });
  await notice.waitFor();
  assert.match(await notice.textContent(), /budget is\s+spent/);
  await page.locator(`.source-item[data-source-id="${first.id}"][data-status="paused_budget"]`).waitFor();
  await screenshot(page, "inbox-waiting-for-budget");
  await notice.getByRole("button", { name: "Compile it offline now" }).click();
  const compiled = await waitCompiled(gateway.url, first.id);
  const article = await api(gateway.url, `/api/articles/${compiled.article_ids[0]}`);
  assert.equal(article.provider, "offline");
  await page.locator(`.source-item[data-source-id="${first.id}"][data-status="compiled"]`).waitFor();
  await notice.waitFor({ state: "detached" });

  const { source: second } = await postJson(gateway.url, "/api/sources/text", {
    title: "Bees",
    content: "Honey bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers.",
  });
  await waitStatus(second.id, "paused_budget");
  await saveBudget(page, "100");
  const done = await waitCompiled(gateway.url, second.id);
  const byModel = await api(gateway.url, `/api/articles/${done.article_ids[0]}`);
  assert.equal(byModel.provider, "openai");
  assertNoConsoleErrors(page);
  await page.context().close();
});
