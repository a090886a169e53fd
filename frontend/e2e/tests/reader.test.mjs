// Reading the wiki in the browser: an article's claims highlight their quotes in the source text,
// wikilinks navigate, deep links survive a reload, search works, and hostile pages stay inert.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  api, assertAccessibleBasics, assertNoConsoleErrors, launchBrowser, openPage, screenshot,
  startCorpusServer, startGateway, PHONE,
  ingestNote as harnessIngestNote, ingestUrl as harnessIngestUrl,
} from "../harness.mjs";

let gateway;
let corpus;
let browser;

const ingestNote = (title, content) => harnessIngestNote(gateway.url, title, content);
const ingestUrl = (url) => harnessIngestUrl(gateway.url, url);

before(async () => {
  corpus = await startCorpusServer();
  gateway = await startGateway();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await corpus?.close();
});

test("a claim's quote is highlighted in the source text, and a wikilink leads to its article", async () => {
  await ingestUrl(`${corpus.url}/html/python/queue.html`);
  const threading = await ingestUrl(`${corpus.url}/html/python/threading.html`);
  const later = await api(gateway.url, `/api/articles/${threading.article_ids[0]}`);
  // The offline compiler links an article to the existing articles its text names.
  const bees = await ingestNote(
    "Honey bees",
    "Honey bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers. The colony stores honey to survive the winter months.",
  );
  const keeping = await ingestNote(
    "Beekeeping",
    "Beekeeping is the care of colonies of Honey bees in hives. A beekeeper calms the colony with a smoker before opening the hive. Frames of comb are lifted out to check the brood and the stores of honey.",
  );
  const first = await api(gateway.url, `/api/articles/${bees.article_ids[0]}`);
  const linking = await api(gateway.url, `/api/articles/${keeping.article_ids[0]}`);

  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki/${later.slug}`);
  await page.getByRole("heading", { level: 1, name: later.title }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "article");

  // The first verified claim: its quote appears highlighted inside the source excerpt.
  const claim = later.claims.find((c) => c.verified && c.span);
  assert.ok(claim, "the article has a verified claim");
  await page.getByRole("list", { name: "Claims" }).getByRole("button", { name: "Show quote in source" }).first().click();
  const mark = page.locator("mark.quote-highlight").first();
  await mark.waitFor();
  const firstVerified = later.claims.filter((c) => c.verified && c.span)[0];
  const text = await api(gateway.url, `/api/sources/${firstVerified.source_id}/text`);
  const expected = Array.from(text).slice(firstVerified.span.start, firstVerified.span.end).join("");
  // The claim list shows text, not markdown (`*size*` reads "size"), so compare the words.
  const words = (s) => s.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  assert.equal(words(await mark.textContent()), words(expected));

  // "Open in source" lands on the source screen with the same passage highlighted and in view.
  await page.getByRole("link", { name: "Open in source" }).first().click();
  await page.waitForURL(/\/sources\/.+\?start=\d+&end=\d+/);
  const inSource = page.locator("#quote");
  await inSource.waitFor();
  assert.equal((await inSource.textContent()).replace(/\s+/g, " ").trim(), expected.replace(/\s+/g, " ").trim());
  assert.ok(await inSource.isVisible());
  await screenshot(page, "source-quote");

  // Follow a wikilink: the Beekeeping article names the Honey bees article.
  await page.goto(`${gateway.url}/wiki/${linking.slug}`);
  await page.getByRole("heading", { level: 1, name: linking.title }).waitFor();
  const link = page.locator(`a.wikilink[data-wikilink="${first.slug}"]`).first();
  await link.click();
  await page.waitForURL(`**/wiki/${first.slug}`);
  await page.getByRole("heading", { level: 1, name: first.title }).waitFor();

  // A deep link survives a reload (the gateway serves the app for every non-API path).
  await page.reload();
  await page.getByRole("heading", { level: 1, name: first.title }).waitFor();
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the wiki lists, searches and filters articles", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/wiki`);
  const articles = page.getByRole("list", { name: "Articles" });
  await articles.locator(":scope > li").first().waitFor();
  assert.ok((await articles.locator(":scope > li").count()) >= 2);
  await assertAccessibleBasics(page);
  await screenshot(page, "wiki");

  await page.getByRole("searchbox", { name: "Search the wiki" }).fill("smoker");
  await page.getByRole("searchbox", { name: "Search the wiki" }).press("Enter");
  await page.waitForURL(/q=smoker/);
  await page.waitForFunction(
    () => document.querySelectorAll('[aria-label="Articles"] > li').length === 1,
  );
  assert.match(await articles.locator(":scope > li").first().textContent(), /Beekeeping/);

  // Search ranks articles by any of the words, so the words must appear nowhere at all.
  await page.getByRole("searchbox", { name: "Search the wiki" }).fill("zyzzyva quokka");
  await page.getByRole("searchbox", { name: "Search the wiki" }).press("Enter");
  await page.getByRole("heading", { name: "No articles match" }).waitFor();
  assertNoConsoleErrors(page);
  await page.context().close();
});

/**
 * The clean text is markdown written by the extractor, which backslash-escapes markdown
 * punctuation in text (`<` → `\<`, `_` → `\_`); undo that to compare with what the page said.
 */
function unescapeMarkdown(text) {
  return text.replace(/\\([\\`*_[\]<>|~#+\-!.()=])/g, "$1");
}

const ESCAPED_SCRIPT = "<script>window.__pwned = true</script>";

test("a page with scripts and javascript: links renders inert", async () => {
  const source = await ingestUrl(`${corpus.url}/hostile.html`);
  const article = await api(gateway.url, `/api/articles/${source.article_ids[0]}`);
  // First make sure the hostile content really got in, or the checks below prove nothing: the
  // prose, and the script the page showed as text (as `&lt;script&gt;` entities) kept as text.
  const text = unescapeMarkdown(await api(gateway.url, `/api/sources/${source.id}/text`));
  assert.match(text, /Lighthouse keepers/);
  assert.ok(text.includes(ESCAPED_SCRIPT), `the clean text keeps the escaped script as text: ${text}`);

  const page = await openPage(browser);
  for (const path of [`/wiki/${article.slug}`, `/sources/${source.id}`]) {
    await page.goto(`${gateway.url}${path}`);
    await page.locator("main h1").first().waitFor();
    if (path.startsWith("/sources/")) {
      // The source screen shows that script as characters on the page, not as an element.
      const pre = page.locator(".source-text");
      await pre.waitFor();
      const shown = await pre.textContent();
      assert.ok(unescapeMarkdown(shown).includes(ESCAPED_SCRIPT), `the source text shows the script as text: ${shown}`);
    }
    const state = await page.evaluate(() => ({
      pwned: Boolean(window.__pwned),
      pwnedTitle: document.title === "pwned",
      scripts: Array.from(document.querySelectorAll("main script")).length,
      jsLinks: Array.from(document.querySelectorAll("a[href]")).filter((a) => a.getAttribute("href").trim().toLowerCase().startsWith("javascript:")).length,
      handlers: Array.from(document.querySelectorAll("main *")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("on"))).length,
      imgs: document.querySelectorAll("main img").length,
    }));
    assert.deepEqual(state, { pwned: false, pwnedTitle: false, scripts: 0, jsLinks: 0, handlers: 0, imgs: 0 }, path);
    assert.match(await page.title(), /WikiMind/, path);
  }
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the reader works on a phone", async () => {
  const { items } = await api(gateway.url, "/api/articles?limit=1");
  const page = await openPage(browser, PHONE);
  await page.goto(`${gateway.url}/wiki/${items[0].slug}`);
  await page.getByRole("heading", { level: 1 }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "article");
  await page.goto(`${gateway.url}/wiki`);
  await page.getByRole("list", { name: "Articles" }).locator("li").first().waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "wiki");
  assertNoConsoleErrors(page);
  await page.context().close();
});
