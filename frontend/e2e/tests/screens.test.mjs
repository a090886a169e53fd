// Every screen at desktop and phone widths: it renders, passes the accessibility basics, logs no
// errors, has no spinner left after 10 s, and leaves a screenshot in target/screenshots/. The
// Settings provider test is clicked, and the keyboard reaches the navigation.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway,
  waitCompiled, DESKTOP, PHONE,
} from "../harness.mjs";

let gateway;
let browser;
let source;
let article;

before(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  const reply = await api(gateway.url, "/api/sources/text", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      title: "Honey bees",
      content:
        "# Honey bees\n\nHoney bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers. " +
        "The colony stores honey to survive the winter months. Drones exist mainly to mate with a queen.\n\n" +
        "## The hive\n\nA hive holds tens of thousands of workers in summer. Wax combs hold the brood and the stores.",
    }),
  });
  source = await waitCompiled(gateway.url, reply.source.id);
  article = await api(gateway.url, `/api/articles/${source.article_ids[0]}`);
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

const screens = () => [
  { name: "inbox", path: "/", heading: "Inbox" },
  { name: "source", path: `/sources/${source.id}`, heading: "Honey bees" },
  { name: "wiki", path: "/wiki", heading: "Wiki" },
  { name: "graph", path: "/graph", heading: "Graph" },
  { name: "article", path: `/wiki/${article.slug}`, heading: article.title },
  { name: "health-empty", path: "/wiki-health", heading: "Health" },
  { name: "jobs", path: "/jobs", heading: "Jobs" },
  { name: "settings", path: "/settings", heading: "Settings" },
  { name: "not-found", path: "/no/such/page", heading: "Nothing here" },
];

for (const viewport of [DESKTOP, PHONE]) {
  const label = viewport.width < 500 ? "phone" : "desktop";
  test(`every screen renders accessibly at ${label} width`, async () => {
    const page = await openPage(browser, viewport);
    for (const screen of screens()) {
      await page.goto(`${gateway.url}${screen.path}`);
      await page.getByRole("heading", { level: 1, name: screen.heading }).first().waitFor();
      // Every spinner must go away: one still there after 10 s is a screen stuck loading.
      await page
        .waitForFunction(() => document.querySelectorAll(".loading").length === 0, null, { timeout: 10_000 })
        .catch(async () => {
          const stuck = await page.locator(".loading").allTextContents();
          assert.fail(`${screen.path} still shows ${JSON.stringify(stuck)} after 10 s`);
        });
      assert.match(await page.title(), /WikiMind/);
      await assertAccessibleBasics(page);
      await screenshot(page, screen.name);
    }
    assertNoConsoleErrors(page);
    await page.context().close();
  });
}

test("settings: the offline compiler is the default, answers a test call, and its calls are logged at $0.00", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/settings`);
  await page.getByRole("table", { name: "Providers" }).waitFor();
  // No key is set: the banner explains the offline compiler on every screen.
  assert.match(await page.getByRole("note").textContent(), /offline compiler/i);
  const offline = page.locator('tr[data-provider="offline"]');
  assert.match(await offline.textContent(), /default/);
  await page.getByRole("button", { name: "Test Offline compiler" }).click();
  await offline.getByText(/Answered in/).waitFor();
  // A provider without a key cannot be tested, and says how to configure it.
  assert.equal(await page.getByRole("button", { name: "Test Anthropic" }).isDisabled(), true);
  assert.match(await page.locator('tr[data-provider="anthropic"]').textContent(), /WIKIMIND_LLM__ANTHROPIC__API_KEY/);
  // The compile of the note in before() ran on the offline compiler: the cost log lists it by
  // provider at $0.00 and by task as a compile.
  const byProvider = page.getByRole("table", { name: "By provider" });
  await byProvider.waitFor();
  assert.match(await byProvider.textContent(), /offline.*\$0\.00/s);
  assert.match(await page.getByRole("table", { name: "By task" }).textContent(), /compile/);
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the keyboard reaches the navigation and the skip link", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki`);
  await page.getByRole("heading", { level: 1, name: "Wiki" }).waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
  // Tab from the top reaches the Jobs link; Enter follows it.
  await page.goto(`${gateway.url}/wiki`);
  await page.getByRole("heading", { level: 1, name: "Wiki" }).waitFor();
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press("Tab");
    if ((await page.evaluate(() => document.activeElement?.textContent)) === "Jobs") break;
  }
  await page.keyboard.press("Enter");
  await page.waitForURL("**/jobs");
  // After a navigation focus is on the new page's main landmark, so a screen reader reads it.
  await page.waitForFunction(() => document.activeElement?.id === "main");
  assertNoConsoleErrors(page);
  await page.context().close();
});
