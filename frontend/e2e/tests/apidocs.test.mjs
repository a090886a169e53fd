// /api/docs: the API reference, rendered by Redoc from the gateway's own OpenAPI document,
// entirely from the binary — no request leaves the origin and the page's policy is never
// violated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway } from "../harness.mjs";

let gateway;
let browser;

before(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

test("the reference renders every operation from the served document, with nothing from elsewhere", async () => {
  const page = await openPage(browser);
  const elsewhere = [];
  const failed = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.origin === gateway.url) return route.continue();
    elsewhere.push(url.href);
    return route.abort();
  });
  page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI}`),
    );
  });

  await page.goto(`${gateway.url}/api/docs`);
  assert.equal(await page.title(), "WikiMind API reference");
  // The menu has a group per tag; opened, each lists its operations by their summaries (the
  // first line of the handlers' doc comments).
  const doc = await (await fetch(`${gateway.url}/api/openapi.json`)).json();
  let menu = "";
  for (const tag of doc.tags) {
    // Opening one group may close another: read each while it is open.
    await page.getByText(tag.name, { exact: true }).first().click();
    await page.waitForTimeout(300);
    menu += await page.locator("body").innerText();
  }
  const operations = Object.values(doc.paths).flatMap((item) =>
    ["get", "put", "post", "delete"].filter((m) => item[m]).map((m) => item[m]),
  );
  const missing = operations.filter((op) => !menu.includes(op.summary.replace(/\.$/, "")));
  assert.deepEqual(
    missing.map((op) => op.operationId),
    [],
    "every operation of the document is in the reference",
  );

  // An operation's page shows its request body.
  await page.getByText("ask", { exact: true }).first().click();
  await page.getByText("Ask the wiki a question.", { exact: true }).first().click();
  await page.getByText("question", { exact: true }).first().waitFor();
  await screenshot(page, "api-docs");

  // A deep link survives a reload.
  const deep = page.url();
  assert.match(deep, /\/api\/docs#/);
  await page.reload();
  await page.getByText("question", { exact: true }).first().waitFor();

  assert.deepEqual(elsewhere, [], "the reference loads nothing from another origin");
  assert.deepEqual(failed, [], "no request of the reference fails");
  assertNoConsoleErrors(page);
});
