// The wiki list and the article reader against a mocked API: filters in the URL, empty and
// error states, the article's parts, quotes highlighted in the source text, and re-compiling.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation, useNavigate } from "react-router";
import { SEARCH_DEBOUNCE_MS } from "./SearchBox";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ArticleDetail, ArticleListItem, Page_ConceptNode } from "../api/types";

const mocks = vi.hoisted(() => ({
  listArticles: vi.fn(),
  listConcepts: vi.fn(),
  getArticle: vi.fn(),
  getSourceText: vi.fn(),
  recompileSource: vi.fn(),
  search: vi.fn(),
}));

vi.mock("../api/client", async (importOriginal) => {
  const real = await importOriginal<typeof import("../api/client")>();
  return { ...real, api: { ...real.api, ...mocks } };
});

import { ApiError } from "../api/client";
import WikiPage from "../pages/WikiPage";
import ArticlePage from "../pages/ArticlePage";
import { pagedList } from "../test/pagedList";

function LocationProbe() {
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <output data-testid="location">{location.pathname + location.search}</output>
      <button type="button" onClick={() => void navigate(-1)}>
        History back
      </button>
      <button type="button" onClick={() => void navigate(1)}>
        History forward
      </button>
    </>
  );
}

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/wiki" element={<WikiPage />} />
          <Route path="/wiki/:slug" element={<ArticlePage />} />
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
        <LocationProbe />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const ITEM: ArticleListItem = {
  id: "a1",
  slug: "thread-pool",
  title: "Thread Pool",
  summary: "A **pool** of worker threads, see [[Rust async|async]].",
  page_type: "source",
  confidence: "sourced",
  provider: "offline",
  concepts: ["Concurrency", "Thread Pool"],
  claim_count: 3,
  source_count: 1,
  created_at: "2024-01-01T00:00:00Z",
  updated_at: "2024-01-02T00:00:00Z",
};

/** The `n`th of a long list of articles, as the API would list it. */
function article(n: number): ArticleListItem {
  return { ...ITEM, id: `a${n}`, slug: `article-${n}`, title: `Article ${n}` };
}

const CONCEPTS: Page_ConceptNode = {
  items: [
    { name: "concurrency", display_name: "Concurrency", article_count: 2, parent: null },
    { name: "thread-pool", display_name: "Thread Pool", article_count: 1, parent: null },
  ],
  total: 2,
};

const SOURCE_TEXT = "Intro 😀 text. Workers take tasks from a shared queue 🎉 and run them. More text follows.";
const QUOTE = "Workers take tasks from a shared queue";
const QUOTE_START = Array.from(SOURCE_TEXT).join("").indexOf("Workers") - 1; // the emoji is two code units

const ARTICLE: ArticleDetail = {
  id: "a1",
  slug: "thread-pool",
  title: "Thread Pool",
  summary: "A pool of worker threads.",
  page_type: "source",
  confidence: "mixed",
  provider: "anthropic",
  model: "claude-x",
  awaiting_model: false,
  version: 3,
  concepts: ["Thread Pool", "Karpathy's Wiki"],
  claims: [
    {
      text: "Workers share one queue.",
      confidence: "sourced",
      quote: QUOTE,
      verified: true,
      span: { start: QUOTE_START, end: QUOTE_START + Array.from(QUOTE).length },
      source_id: "s1",
      source_link: null,
      disputed: null,
    },
    {
      text: "Pools are always faster.",
      confidence: "inferred",
      quote: "always faster",
      verified: false,
      span: null,
      source_id: "s1",
      source_link: null,
      disputed: { resolution: "source_b_wins", by: { id: "a2", slug: "green-threads", title: "Green threads" } },
    },
  ],
  open_questions: ["How big should a pool be?"],
  content:
    "## Design\n\nUses [[Rust async]] and [[Green threads|green]].\n\n```\n## not a heading\n```\n\n### Queue\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))\n",
  sources: [
    { id: "s1", title: "Pools explained", url: "https://example.org/pools", kind: "url" },
    { id: "s2", title: null, url: "javascript:alert(1)", kind: "text" },
  ],
  backlinks_in: [{ article_id: "a3", slug: "executors", title: "Executors", relation_type: "related_to", resolved: true }],
  backlinks_out: [
    { article_id: "a2", slug: "rust-async", title: "Rust async", relation_type: "references", resolved: true },
    { article_id: null, slug: null, title: "Green threads", relation_type: "related_to", resolved: false },
  ],
  created_at: "2024-01-01T00:00:00Z",
  updated_at: "2024-01-02T00:00:00Z",
};

let consoleError: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error");
  mocks.listConcepts.mockResolvedValue(CONCEPTS);
  mocks.listArticles.mockResolvedValue({ items: [ITEM], total: 1 });
  mocks.search.mockResolvedValue({ query: "", terms: [], results: [] });
});
afterEach(() => {
  cleanup();
  expect(consoleError).not.toHaveBeenCalled();
  consoleError.mockRestore();
  vi.clearAllMocks();
  vi.useRealTimers();
});

describe("WikiPage", () => {
  it("lists articles with their details, concepts and total", async () => {
    renderAt("/wiki");
    expect(screen.getByRole("heading", { level: 1, name: "Wiki" })).toBeTruthy();
    const list = await screen.findByRole("list", { name: "Articles" });
    const card = within(list).getByRole("article");
    expect(within(card).getByRole("link", { name: "Thread Pool" }).getAttribute("href")).toBe("/wiki/thread-pool");
    expect(card.textContent).toContain("A pool of worker threads, see async.");
    expect(card.textContent).toContain("3 claims");
    expect(card.textContent).toContain("1 source");
    expect(screen.getByText("1 article")).toBeTruthy();
    const nav = await screen.findByRole("navigation", { name: "Concepts" });
    expect(within(nav).getByRole("link", { name: /Concurrency \(2\)/ })).toBeTruthy();
    expect(mocks.listArticles).toHaveBeenCalledWith({
      q: "",
      concept: "",
      page_type: "",
      confidence: "",
      sort: "updated",
      order: "desc",
      limit: 100,
      offset: 0,
    });
  });

  it("keeps filters in the URL and highlights the active concept", async () => {
    renderAt("/wiki?concept=thread-pool&page_type=source");
    await screen.findByRole("list", { name: "Articles" });
    expect(mocks.listArticles).toHaveBeenCalledWith(expect.objectContaining({ concept: "thread-pool", page_type: "source" }));
    expect((screen.getByRole("combobox", { name: "Page type" }) as HTMLSelectElement).value).toBe("source");
    const nav = await screen.findByRole("navigation", { name: "Concepts" });
    const active = within(nav).getByRole("link", { name: /Thread Pool/ });
    expect(active.getAttribute("aria-current")).toBe("true");
    fireEvent.change(screen.getByRole("combobox", { name: "Confidence" }), { target: { value: "mixed" } });
    expect(screen.getByTestId("location").textContent).toBe("/wiki?concept=thread-pool&page_type=source&confidence=mixed");
    fireEvent.click(screen.getByRole("button", { name: "Filter by concept: Concurrency" }));
    expect(screen.getByTestId("location").textContent).toContain("concept=concurrency");
  });

  it("debounces typing into ?q= and submits at once on Enter", async () => {
    renderAt("/wiki");
    await screen.findByRole("list", { name: "Articles" });
    vi.useFakeTimers();
    const box = screen.getByRole("searchbox", { name: "Search the wiki" });
    fireEvent.change(box, { target: { value: "pool" } });
    expect(screen.getByTestId("location").textContent).toBe("/wiki");
    act(() => vi.advanceTimersByTime(300));
    expect(screen.getByTestId("location").textContent).toBe("/wiki?q=pool");
    fireEvent.change(box, { target: { value: "pool size" } });
    fireEvent.submit(box.closest("form") as HTMLFormElement);
    expect(screen.getByTestId("location").textContent).toBe("/wiki?q=pool+size");
    expect((box as HTMLInputElement).value).toBe("pool size");
    vi.useRealTimers();
  });

  it("teaches when the wiki is empty", async () => {
    mocks.listArticles.mockResolvedValue({ items: [], total: 0 });
    renderAt("/wiki");
    expect(await screen.findByText("Your wiki is empty")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Go to the Inbox" }).getAttribute("href")).toBe("/");
  });

  it("says when a search finds nothing and clears it", async () => {
    mocks.search.mockResolvedValue({ query: "zebra", terms: ["zebra"], results: [] });
    renderAt("/wiki?q=zebra");
    expect(await screen.findByText("No articles match")).toBeTruthy();
    expect(mocks.search).toHaveBeenCalledWith("zebra", 30);
    fireEvent.click(screen.getByRole("button", { name: "Clear the search" }));
    expect(screen.getByTestId("location").textContent).toBe("/wiki");
    expect((screen.getByRole("searchbox", { name: "Search the wiki" }) as HTMLInputElement).value).toBe("");
  });

  it("ranks search results with their snippet's hits marked as text", async () => {
    mocks.search.mockResolvedValue({
      query: "heap",
      terms: ["heap"],
      results: [
        {
          article: { id: "a1", slug: "heapq", title: "heapq", summary: "", page_type: "source" },
          score: 3,
          passage: { kind: "section", heading: "Basics" },
          matching_passages: 2,
          snippet: [
            { text: "a ", hit: false },
            { text: "<b>heap</b>", hit: true },
          ],
        },
      ],
    });
    renderAt("/wiki?q=heap");
    const list = await screen.findByRole("list", { name: "Articles" });
    expect(list.querySelector("mark")?.textContent).toBe("<b>heap</b>");
    expect(list.querySelector("b")).toBeNull();
    expect(screen.getByRole("link", { name: "heapq" }).getAttribute("href")).toBe("/wiki/heapq");
  });

  it("pages through the articles with offsets and returns to page 1 on a filter change", async () => {
    // 10,000 articles; the stub answers each page with the ids the API would send for it.
    mocks.listArticles.mockImplementation(pagedList(10_000, article));
    renderAt("/wiki?page_type=source&page=3");
    const pages = await screen.findByRole("navigation", { name: "Pages of articles" });
    expect(mocks.listArticles).toHaveBeenCalledWith(expect.objectContaining({ page_type: "source", limit: 100, offset: 200 }));
    expect(within(pages).getByRole("status").textContent).toBe("Showing 201–300 of 10,000 articles");
    expect(screen.getByText("10,000 articles match")).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "Articles" })).getAllByRole("article")[0]?.textContent).toContain(
      "Article 201",
    );

    fireEvent.click(within(pages).getByRole("button", { name: "Previous page" }));
    expect(screen.getByTestId("location").textContent).toBe("/wiki?page_type=source&page=2");
    await waitFor(() =>
      expect(mocks.listArticles).toHaveBeenLastCalledWith(expect.objectContaining({ page_type: "source", offset: 100 })),
    );

    // A filter change, from the select or from a card's concept, starts at the first page.
    fireEvent.change(screen.getByRole("combobox", { name: "Confidence" }), { target: { value: "mixed" } });
    expect(screen.getByTestId("location").textContent).toBe("/wiki?page_type=source&confidence=mixed");
    await waitFor(() =>
      expect(mocks.listArticles).toHaveBeenLastCalledWith(
        expect.objectContaining({ page_type: "source", confidence: "mixed", offset: 0 }),
      ),
    );
    fireEvent.click(within(await screen.findByRole("navigation", { name: "Pages of articles" })).getByRole("button", { name: "Next page" }));
    expect(screen.getByTestId("location").textContent).toContain("page=2");
    fireEvent.click(screen.getAllByRole("button", { name: "Filter by concept: Concurrency" })[0] as HTMLElement);
    expect(screen.getByTestId("location").textContent).toBe("/wiki?page_type=source&confidence=mixed&concept=concurrency");
  });

  it("sorts the browsed list by the order in the URL, from page 1, and keeps it through a search", async () => {
    mocks.listArticles.mockImplementation(pagedList(10_000, article));
    renderAt("/wiki?concept=thread-pool&page=2");
    await screen.findByRole("navigation", { name: "Pages of articles" });
    expect(mocks.listArticles).toHaveBeenCalledWith(
      expect.objectContaining({ concept: "thread-pool", sort: "updated", order: "desc", offset: 100 }),
    );
    const select = screen.getByRole("combobox", { name: "Sort articles" }) as HTMLSelectElement;
    expect(Array.from(select.options, (o) => o.textContent)).toEqual([
      "Recently updated",
      "Recently added",
      "Oldest first",
      "Title A–Z",
      "Title Z–A",
    ]);

    fireEvent.change(select, { target: { value: "title:asc" } });
    expect(screen.getByTestId("location").textContent).toBe("/wiki?concept=thread-pool&sort=title");
    await waitFor(() =>
      expect(mocks.listArticles).toHaveBeenLastCalledWith(
        expect.objectContaining({ concept: "thread-pool", sort: "title", order: "asc", offset: 0 }),
      ),
    );

    // Clearing the filters keeps the order; a search is ranked by relevance, without the control.
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(screen.getByTestId("location").textContent).toBe("/wiki?sort=title");
    const calls = mocks.listArticles.mock.calls.length;
    const box = screen.getByRole("searchbox", { name: "Search the wiki" });
    fireEvent.change(box, { target: { value: "pool" } });
    fireEvent.submit(box.closest("form") as HTMLFormElement);
    expect(screen.getByTestId("location").textContent).toBe("/wiki?sort=title&q=pool");
    await waitFor(() => expect(mocks.search).toHaveBeenCalledWith("pool", 30));
    expect(screen.queryByRole("combobox", { name: "Sort articles" })).toBeNull();
    expect(mocks.listArticles.mock.calls.length).toBe(calls);
  });

  /** 250 top-level concepts, most used first, as the API sends them (all at once), beside
   * 1,000 articles, so that neither list's page is out of range. */
  function manyConceptsAndArticles() {
    mocks.listConcepts.mockResolvedValue({
      items: Array.from({ length: 250 }, (_, i) => ({
        name: `concept-${i + 1}`,
        display_name: `Concept ${i + 1}`,
        article_count: 250 - i,
        parent: null,
      })),
      total: 250,
    });
    mocks.listArticles.mockResolvedValue({ items: [ITEM], total: 1_000 });
  }

  it("pages the concept list on its own, and its links start the articles at page 1", async () => {
    manyConceptsAndArticles();
    renderAt("/wiki?page=4");
    const pages = await screen.findByRole("navigation", { name: "Pages of concepts" });
    expect(within(pages).getByRole("status").textContent).toBe("Showing 1–100 of 250 top-level concepts");
    const nav = screen.getByRole("navigation", { name: "Concepts" });
    expect(within(nav).queryByRole("link", { name: /Concept 101 \(/ })).toBeNull();

    fireEvent.click(within(pages).getByRole("button", { name: "Last page" }));
    expect(screen.getByTestId("location").textContent).toBe("/wiki?page=4&concepts_page=3");
    expect(within(pages).getByRole("status").textContent).toBe("Showing 201–250 of 250 top-level concepts");
    const link = within(nav).getByRole("link", { name: /Concept 250 \(/ });
    // Picking a concept filters the articles anew (page 1); the concept list stays where it is.
    expect(link.getAttribute("href")).toBe("/wiki?concepts_page=3&concept=concept-250");
  });

  it("filters the concept list by name and sorts it, each kept in the URL apart from the articles'", async () => {
    manyConceptsAndArticles();
    renderAt("/wiki?page=2&concepts_page=3");
    const box = await screen.findByRole("searchbox", { name: "Filter concepts" });
    const nav = screen.getByRole("navigation", { name: "Concepts" });
    // A filter starts the concept list at its first page and leaves the articles' page alone;
    // it is written to the URL after a pause in typing, or at once on Enter.
    fireEvent.change(box, { target: { value: "concept 24" } });
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/wiki?page=2&concepts_q=concept+24"));
    const names = within(nav)
      .getAllByRole("link")
      .map((l) => l.textContent);
    expect(names).toEqual(["All concepts", "Concept 24 (227)", ...Array.from({ length: 10 }, (_, i) => `Concept ${240 + i} (${11 - i})`)]);
    expect(within(nav).getByRole("status").textContent).toBe("11 concepts match “concept 24”.");
    expect(screen.queryByRole("navigation", { name: "Pages of concepts" })).toBeNull();

    fireEvent.change(box, { target: { value: "zebra" } });
    fireEvent.submit(box.closest("form") as HTMLFormElement);
    expect(within(nav).getByRole("status").textContent).toBe("No concept’s name holds “zebra”.");

    fireEvent.change(box, { target: { value: "" } });
    fireEvent.submit(box.closest("form") as HTMLFormElement);
    expect(within(nav).getByRole("status").textContent).toBe("");
    fireEvent.change(screen.getByRole("combobox", { name: "Sort concepts" }), { target: { value: "name" } });
    expect(screen.getByTestId("location").textContent).toBe("/wiki?page=2&concepts_sort=name");
    expect(within(nav).getAllByRole("link")[2]?.textContent).toBe("Concept 2 (249)");
  });

  it("shows a filter the history brings back in the concept box, and keeps it", async () => {
    manyConceptsAndArticles();
    renderAt("/wiki");
    const box = (await screen.findByRole("searchbox", { name: "Filter concepts" })) as HTMLInputElement;
    fireEvent.change(box, { target: { value: "zebra" } });
    fireEvent.submit(box.closest("form") as HTMLFormElement);
    expect(screen.getByTestId("location").textContent).toBe("/wiki?concepts_q=zebra");
    fireEvent.click(screen.getByRole("button", { name: "History back" }));
    await waitFor(() => expect(box.value).toBe(""));
    fireEvent.click(screen.getByRole("button", { name: "History forward" }));
    await waitFor(() => expect(box.value).toBe("zebra"));
    // Past the pause after which typing is written, the filter is still in the URL.
    await new Promise((ok) => setTimeout(ok, SEARCH_DEBOUNCE_MS + 100));
    expect(screen.getByTestId("location").textContent).toBe("/wiki?concepts_q=zebra");
  });

  it("shows an error with a retry", async () => {
    mocks.listArticles.mockRejectedValueOnce(new ApiError(500, "internal", "boom"));
    renderAt("/wiki");
    expect(await screen.findByText("boom")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("list", { name: "Articles" })).toBeTruthy();
  });
});

describe("ArticlePage", () => {
  beforeEach(() => {
    mocks.getArticle.mockResolvedValue(ARTICLE);
    mocks.getSourceText.mockResolvedValue(SOURCE_TEXT);
    mocks.recompileSource.mockResolvedValue({ job: {} });
  });

  it("renders the header, outline, body links and backlinks", async () => {
    const { container } = renderAt("/wiki/thread-pool");
    expect(await screen.findByRole("heading", { level: 1, name: "Thread Pool" })).toBeTruthy();
    expect(document.title).toBe("Thread Pool · WikiMind");
    expect(container.textContent).toContain("Compiled by anthropic (claude-x) · version 3");
    expect(screen.getByRole("link", { name: "Karpathy's Wiki" }).getAttribute("href")).toBe("/wiki?concept=karpathys-wiki");

    const outline = screen.getByRole("navigation", { name: "Outline" });
    const anchors = within(outline).getAllByRole("link");
    expect(anchors.map((a) => a.getAttribute("href"))).toEqual(["#sec-design", "#sec-queue"]);
    expect(container.querySelector("h2#sec-design")).not.toBeNull();
    expect(container.querySelector("h3#sec-queue")).not.toBeNull();

    const body = screen.getByRole("region", { name: "Article text" });
    expect(within(body).getByRole("link", { name: "Rust async" }).getAttribute("href")).toBe("/wiki/rust-async");
    expect(body.querySelector(".wikilink-unresolved")?.textContent).toBe("green");
    expect(body.querySelector("script")).toBeNull();
    expect(body.innerHTML).not.toContain("javascript:");

    expect(within(screen.getByRole("list", { name: "Links to" })).getByText("(no article yet)")).toBeTruthy();
    const from = screen.getByRole("list", { name: "Linked from" });
    expect(within(from).getByRole("link", { name: "Executors" }).getAttribute("href")).toBe("/wiki/executors");
    expect(from.textContent).toContain("related to");

    const sources = screen.getByRole("list", { name: "Sources" });
    expect(within(sources).getByRole("link", { name: "Pools explained" }).getAttribute("href")).toBe("/sources/s1");
    const ext = within(sources).getByRole("link", { name: "https://example.org/pools" });
    expect(ext.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(sources.innerHTML).not.toContain("javascript:");
    expect(within(sources).getByRole("link", { name: "Untitled source" }).getAttribute("href")).toBe("/sources/s2");
    expect(screen.getByText("How big should a pool be?")).toBeTruthy();
  });

  it("shows no empty body where the summary and claims say it all, and says so where nothing does", async () => {
    mocks.getArticle.mockResolvedValue({ ...ARTICLE, content: "" });
    const { container, unmount } = renderAt("/wiki/thread-pool");
    expect(await screen.findByRole("heading", { level: 1, name: "Thread Pool" })).toBeTruthy();
    expect(screen.queryByRole("region", { name: "Article text" })).toBeNull();
    expect(container.textContent).not.toContain("This article has no text.");
    unmount();

    mocks.getArticle.mockResolvedValue({ ...ARTICLE, content: " ", summary: "", claims: [] });
    renderAt("/wiki/thread-pool");
    expect(await screen.findByText("This article has no text.")).toBeTruthy();
  });

  it("shows a verified claim's quote highlighted in the source text", async () => {
    renderAt("/wiki/thread-pool");
    const claims = await screen.findByRole("list", { name: "Claims" });
    const items = within(claims).getAllByRole("listitem");
    expect(items[0]?.textContent).toContain("verified");
    expect(items[1]?.textContent).toContain("not verified");
    expect(items[1]?.textContent).toContain("Quote not found in the source");
    expect(within(items[1] as HTMLElement).queryByRole("button")).toBeNull();
    // A claim a resolved contradiction went against says so, and names the page that won.
    expect(items[0]?.textContent).not.toContain("disputed");
    expect(items[1]?.textContent).toContain("disputed");
    const winner = within(items[1] as HTMLElement).getByRole("link", { name: "Green threads" });
    expect(winner.getAttribute("href")).toBe("/wiki/green-threads");

    const button = within(items[0] as HTMLElement).getByRole("button", { name: "Show quote in source" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const mark = await waitFor(() => {
      const m = (items[0] as HTMLElement).querySelector("mark.quote-highlight");
      if (!m) throw new Error("no mark yet");
      return m;
    });
    expect(mark.textContent).toBe(QUOTE);
    expect(mocks.getSourceText).toHaveBeenCalledWith("s1");
    const open = within(items[0] as HTMLElement).getByRole("link", { name: "Open in source" });
    const span = ARTICLE.claims[0]?.span;
    expect(open.getAttribute("href")).toBe(`/sources/s1?start=${span?.start}&end=${span?.end}`);
    expect((items[0] as HTMLElement).querySelector("blockquote")?.textContent).toBe(QUOTE);
  });

  it("opens a video's quote at its time", async () => {
    const link = "https://www.youtube.com/watch?v=LightHouse1&t=22s";
    const claims = ARTICLE.claims.map((c, i) => ({ ...c, source_link: i === 0 ? link : "javascript:alert(1)" }));
    mocks.getArticle.mockResolvedValue({ ...ARTICLE, claims });
    renderAt("/wiki/thread-pool");
    const list = await screen.findByRole("list", { name: "Claims" });
    const items = within(list).getAllByRole("listitem");
    const watch = within(items[0] as HTMLElement).getByRole("link", { name: "Watch at 0:22" });
    expect(watch.getAttribute("href")).toBe(link);
    expect(watch.getAttribute("rel")).toContain("noopener");
    // An unverified claim, or a link that is no web address, gets none.
    expect(within(items[1] as HTMLElement).queryByRole("link", { name: /Watch at|Open the source/ })).toBeNull();
  });

  it("queues a re-compile of every source", async () => {
    renderAt("/wiki/thread-pool");
    fireEvent.click(await screen.findByRole("button", { name: "Re-compile" }));
    expect(await screen.findByText("Re-compile queued — the article updates when it is done.")).toBeTruthy();
    expect(mocks.recompileSource.mock.calls.map((c) => c[0])).toEqual(["s1", "s2"]);
  });

  it("says when there is no such article", async () => {
    mocks.getArticle.mockRejectedValue(new ApiError(404, "not_found", "article not found"));
    renderAt("/wiki/nope");
    expect(await screen.findByRole("heading", { level: 1, name: "No such article" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Browse the wiki" }).getAttribute("href")).toBe("/wiki");
  });
});
