// The Graph screen: linked pages drawn with WebGL at desktop and phone widths; finding a page
// flies the camera to it, and clicking the node there opens its article. Each article page shows
// its local graph.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway,
  ingestNote, DESKTOP, PHONE,
} from "../harness.mjs";

let gateway;
let browser;
let heapq;

before(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  await ingestNote(
    gateway.url,
    "bisect — Array bisection",
    "The bisect module keeps a list sorted without sorting it again after each insertion. For a priority queue, heapq keeps the smallest item first instead.",
  );
  const source = await ingestNote(
    gateway.url,
    "heapq — Heap queue algorithm",
    "The heapq module implements heaps on plain lists. To find insertion points in a sorted list, bisect is the better tool.",
  );
  heapq = await api(gateway.url, `/api/articles/${source.article_ids[0]}`);
  await ingestNote(gateway.url, "Lighthouses", "A lighthouse marks dangerous coasts with a light that sailors can recognise at night.");
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

for (const viewport of [DESKTOP, PHONE]) {
  const label = viewport.width < 500 ? "phone" : "desktop";
  test(`the graph draws the pages and a found node opens its article (${label})`, async () => {
    const page = await openPage(browser, viewport);
    await page.goto(`${gateway.url}/graph`);
    await page.getByRole("heading", { level: 1, name: "Graph" }).waitFor();
    const canvas = page.getByTestId("graph-canvas");
    await canvas.locator("canvas").first().waitFor();
    await page.getByText(/3 pages, .* communities\./).waitFor();
    await assertAccessibleBasics(page);
    await screenshot(page, `graph-${label}`);

    // Find it: the camera flies to the node, which then sits at the centre of the canvas.
    await page.getByRole("searchbox", { name: "Find a page" }).fill("heapq");
    await page.getByRole("list", { name: "Pages found" }).getByRole("button", { name: `Show ${heapq.title}` }).click();
    await page.getByText(`Showing ${heapq.title} and its neighbours.`).waitFor();
    await page.waitForTimeout(900);
    await screenshot(page, `graph-${label}-focused`);
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const box = await canvas.boundingBox();
    assert.ok(box, "the canvas is laid out");
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    if (viewport === PHONE) await page.touchscreen.tap(x, y);
    else await page.mouse.click(x, y);
    await page.waitForURL(`**/wiki/${heapq.slug}`);
    await page.getByRole("heading", { level: 1, name: heapq.title }).waitFor();
    assertNoConsoleErrors(page);
    await page.context().close();
  });
}

for (const viewport of [DESKTOP, PHONE]) {
  const label = viewport.width < 500 ? "phone" : "desktop";
  test(`an article shows its local graph (${label})`, async () => {
    const page = await openPage(browser, viewport);
    await page.goto(`${gateway.url}/wiki/${heapq.slug}`);
    await page.getByRole("heading", { level: 1, name: heapq.title }).waitFor();
    const section = page.getByRole("region", { name: "Local graph" });
    await section.getByTestId("local-graph-canvas").locator("canvas").first().waitFor();
    // bisect links here; the lighthouse page shares nothing with heapq.
    await section.getByText(/^1 page and \d+ shared concepts? within two links\.$/).waitFor();
    await section.getByTestId("local-graph-canvas").scrollIntoViewIfNeeded();
    await assertAccessibleBasics(page);
    await screenshot(page, `article-local-graph-${label}`);
    await section.getByRole("link", { name: "Open the whole graph" }).click();
    await page.getByRole("heading", { level: 1, name: "Graph" }).waitFor();
    assertNoConsoleErrors(page);
    await page.context().close();
  });
}
