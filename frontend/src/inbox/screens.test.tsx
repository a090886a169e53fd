// The Inbox and source screens against a stubbed API: what the end-to-end tests rely on (names,
// data attributes), the quick-add and upload outcomes, the highlight and the delete flow.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import type { ArticleDetail, IngestReply, Job, Page_Source, Source } from "../api/types";
import { LiveContext } from "../live/context";
import { LiveEvents } from "../live/events";
import InboxPage from "../pages/InboxPage";
import SourcePage from "../pages/SourcePage";
import { pagedList } from "../test/pagedList";

const ID = "0190a0b0-0000-7000-8000-000000000001";
const OTHER = "0190a0b0-0000-7000-8000-000000000002";

function source(over: Partial<Source> = {}): Source {
  return {
    id: ID,
    kind: "url",
    title: "A page",
    url: "https://example.org/a",
    author: null,
    published: null,
    status: "compiled",
    error: null,
    content_hash: "abcdef0123456789abcdef",
    original_mime: "text/html",
    byte_size: 2048,
    page_count: null,
    duplicate_of: null,
    created_at: "2025-03-01T10:00:00Z",
    updated_at: "2025-03-01T10:00:00Z",
    compiled_at: "2025-03-01T10:01:00Z",
    article_ids: [],
    ...over,
  };
}

function page(items: Source[], total = items.length): Page_Source {
  return { items, total };
}

const job = { id: "j", kind: "compile_source", status: "queued" } as unknown as Job;

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const live = new LiveEvents(client);
  const utils = render(
    <QueryClientProvider client={client}>
      <LiveContext.Provider value={live}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/" element={<InboxPage />} />
            <Route path="/sources/:id" element={<SourcePage />} />
            <Route path="/wiki/:slug" element={<p>wiki</p>} />
          </Routes>
          <LocationProbe />
        </MemoryRouter>
      </LiveContext.Provider>
    </QueryClientProvider>,
  );
  return { ...utils, client, live };
}

beforeEach(() => {
  vi.restoreAllMocks();
});
afterEach(cleanup);

describe("Inbox", () => {
  it("teaches on an empty library and adds a link", async () => {
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    const addUrl = vi
      .spyOn(api, "addUrl")
      .mockResolvedValue({ source: source({ status: "pending", title: null }), duplicate: false } satisfies IngestReply);
    const addText = vi.spyOn(api, "addText");
    renderAt("/");

    expect(await screen.findByText("Drop a PDF here or paste a link")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 1, name: "Inbox" })).toBeTruthy();
    expect(document.title).toBe("Inbox · WikiMind");

    const box = screen.getByLabelText("Add a link or a note");
    const add = screen.getByRole("button", { name: "Add" }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    fireEvent.change(box, { target: { value: "  https://example.org/a  " } });
    fireEvent.click(add);

    await screen.findByText(/Added/);
    expect(addUrl).toHaveBeenCalledWith("https://example.org/a");
    expect(addText).not.toHaveBeenCalled();
    expect((box as HTMLTextAreaElement).value).toBe("");
  });

  it("submits a note with Ctrl+Enter and reports a duplicate with a link to it", async () => {
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    const addText = vi
      .spyOn(api, "addText")
      .mockResolvedValue({ source: source({ id: OTHER, kind: "text", title: "Old note", url: null }), duplicate: true });
    renderAt("/");
    const box = screen.getByLabelText("Add a link or a note");
    fireEvent.change(box, { target: { value: "# Old note\n\nbody" } });
    fireEvent.keyDown(box, { key: "Enter", ctrlKey: true });

    const result = await screen.findByText(/Already in your library/);
    expect(addText).toHaveBeenCalledWith("# Old note\n\nbody", "Old note");
    const link = within(result).getByRole("link", { name: "Old note" });
    expect(link.getAttribute("href")).toBe(`/sources/${OTHER}`);
  });

  it("keeps the text and shows the error when adding fails", async () => {
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    vi.spyOn(api, "addUrl").mockRejectedValue(new ApiError(422, "validation", "the address resolves to a private network"));
    renderAt("/");
    const box = screen.getByLabelText("Add a link or a note") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "http://127.0.0.1:9/" } });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the address resolves to a private network");
    expect(box.value).toBe("http://127.0.0.1:9/");
  });

  it("lists sources with their stage, live progress, retry and article links", async () => {
    const list = vi.spyOn(api, "listSources").mockResolvedValue(
      page(
        [
          source({ id: "s1", status: "failed", error: "host unreachable", title: "Broken" }),
          source({ id: "s2", status: "pending", title: null, url: "https://example.org/long" }),
          source({ id: "s3", status: "compiled", article_ids: ["a1"], title: "Done" }),
          source({ id: "s4", status: "compiled", duplicate_of: "s3", title: "Copy" }),
        ],
        250,
      ),
    );
    const recompile = vi.spyOn(api, "recompileSource").mockResolvedValue({ job });
    const { live } = renderAt("/");
    live.stages.set("s2", { stage: "fetching", message: "downloading", at: "2025-03-01T10:00:01Z" });

    const sources = await screen.findByRole("list", { name: "Sources" });
    expect(list).toHaveBeenCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 0 });
    const items = within(sources).getAllByRole("listitem");
    expect(items.map((li) => [li.getAttribute("data-source-id"), li.getAttribute("data-status")])).toEqual([
      ["s1", "failed"],
      ["s2", "fetching"],
      ["s3", "compiled"],
      ["s4", "compiled"],
    ]);

    const [failed, running, compiled, duplicate] = items as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(within(failed).getByText("host unreachable")).toBeTruthy();
    fireEvent.click(within(failed).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(recompile).toHaveBeenCalledWith("s1"));

    expect(within(running).getByText("Fetching — downloading")).toBeTruthy();
    expect(within(running).getByRole("progressbar", { name: "Progress of https://example.org/long" })).toBeTruthy();
    expect(within(running).getByRole("link", { name: "https://example.org/long" }).getAttribute("href")).toBe("/sources/s2");

    expect(within(compiled).getByRole("link", { name: "Read the article" }).getAttribute("href")).toBe("/wiki/a1");
    expect(within(compiled).queryByRole("progressbar")).toBeNull();
    expect(within(duplicate).getByRole("link", { name: "Done" }).getAttribute("href")).toBe("/sources/s3");

    expect(screen.getByText("Showing 1–4 of 250 sources")).toBeTruthy();
  });

  it("keeps the status filter in the URL and offers to clear an empty result", async () => {
    const list = vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    renderAt("/?status=failed");
    const select = screen.getByRole("combobox", { name: "Filter by status" }) as HTMLSelectElement;
    expect(select.value).toBe("failed");
    await screen.findByText("No failed sources");
    expect(list).toHaveBeenCalledWith({ status: "failed", sort: "created", order: "desc", limit: 100, offset: 0 });
    expect(screen.queryByText("Drop a PDF here or paste a link")).toBeNull();

    fireEvent.change(select, { target: { value: "compiled" } });
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?status=compiled"));
    fireEvent.click(await screen.findByRole("button", { name: "Show all sources" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/"));
    expect(list).toHaveBeenLastCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 0 });
  });

  it("pages through the sources with offsets, the page kept in ?page= and reset by the filter", async () => {
    // 10,000 sources; the stub answers each page with the ids the API would send for it.
    const list = vi.spyOn(api, "listSources").mockImplementation(
      pagedList(10_000, (n) => source({ id: `s${n}`, title: `Source ${n}` })),
    );
    renderAt("/?page=2");
    const pages = await screen.findByRole("navigation", { name: "Pages of sources" });
    expect(list).toHaveBeenCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 100 });
    expect(within(pages).getByRole("status").textContent).toBe("Showing 101–200 of 10,000 sources");
    expect(screen.getByText("(10,000)")).toBeTruthy();
    const firstRow = () =>
      within(screen.getByRole("list", { name: "Sources" })).getAllByRole("listitem")[0]?.getAttribute("data-source-id");
    expect(firstRow()).toBe("s101");

    fireEvent.click(within(pages).getByRole("button", { name: "Last page" }));
    await waitFor(() => expect(firstRow()).toBe("s9901"));
    expect(screen.getByTestId("location").textContent).toBe("/?page=100");
    expect(list).toHaveBeenLastCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 9_900 });
    expect((within(pages).getByRole("button", { name: "Next page" }) as HTMLButtonElement).disabled).toBe(true);

    // Another filter is another list: back to its first page.
    fireEvent.change(screen.getByRole("combobox", { name: "Filter by status" }), { target: { value: "compiled" } });
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?status=compiled"));
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ status: "compiled", sort: "created", order: "desc", limit: 100, offset: 0 }));
  });

  it("sorts the sources by the order kept in ?sort= and ?order=, from the first page", async () => {
    const list = vi.spyOn(api, "listSources").mockImplementation(
      pagedList(10_000, (n) => source({ id: `s${n}`, title: `Source ${n}` })),
    );
    renderAt("/?status=compiled&sort=status&page=3");
    await screen.findByRole("navigation", { name: "Pages of sources" });
    expect(list).toHaveBeenCalledWith({ status: "compiled", sort: "status", order: "asc", limit: 100, offset: 200 });
    const select = screen.getByRole("combobox", { name: "Sort sources" }) as HTMLSelectElement;
    expect(select.selectedOptions[0]?.textContent).toBe("Status");

    fireEvent.change(select, { target: { value: "title:desc" } });
    expect(screen.getByTestId("location").textContent).toBe("/?status=compiled&sort=title&order=desc");
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith({ status: "compiled", sort: "title", order: "desc", limit: 100, offset: 0 }),
    );
    // The status filter keeps the order.
    fireEvent.change(screen.getByRole("combobox", { name: "Filter by status" }), { target: { value: "failed" } });
    expect(screen.getByTestId("location").textContent).toBe("/?status=failed&sort=title&order=desc");
  });

  it("shows a list error with a retry", async () => {
    const list = vi.spyOn(api, "listSources").mockRejectedValueOnce(new ApiError(500, "internal", "database is down"));
    renderAt("/");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("database is down");
    list.mockResolvedValue(page([]));
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Drop a PDF here or paste a link")).toBeTruthy();
  });

  it("uploads chosen and dropped files one by one and reports each outcome", async () => {
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    const addFile = vi
      .spyOn(api, "addFile")
      .mockResolvedValueOnce({ source: source({ id: "f1", kind: "pdf", title: "Paper" }), duplicate: false })
      .mockResolvedValueOnce({ source: source({ id: "f2", kind: "markdown", title: "Notes" }), duplicate: true })
      .mockRejectedValueOnce(new ApiError(415, "unsupported", "the file is not a PDF"));
    renderAt("/");

    const picker = screen.getByLabelText("Choose files") as HTMLInputElement;
    expect(picker.type).toBe("file");
    expect(picker.multiple).toBe(true);
    expect(picker.accept).toBe(".pdf,.md,.markdown,.txt,.html,.htm,.zip,application/pdf,application/zip,text/*");

    const pdf = new File(["%PDF-1.4"], "paper.pdf", { type: "application/pdf" });
    fireEvent.change(picker, { target: { files: [pdf] } });
    const uploads = await screen.findByRole("list", { name: "Uploads" });
    await waitFor(() => expect(uploads.querySelector('[data-upload-state="added"]')).not.toBeNull());

    const zone = screen.getByRole("region", { name: "Add files" });
    const md = new File(["# n"], "notes.md", { type: "text/markdown" });
    const fake = new File(["x"], "fake.pdf", { type: "application/pdf" });
    const photo = new File(["JFIF"], "a.jpg", { type: "image/jpeg" });
    fireEvent.dragEnter(zone, { dataTransfer: { types: ["Files"], files: [] } });
    expect(zone.className).toContain("is-dragging");
    fireEvent.drop(zone, { dataTransfer: { types: ["Files"], files: [md, fake, photo], getData: () => "" } });
    expect(zone.className).not.toContain("is-dragging");

    await waitFor(() => expect(addFile).toHaveBeenCalledTimes(3));
    await waitFor(() =>
      expect(within(uploads).getAllByRole("listitem").map((r) => r.getAttribute("data-upload-state"))).toEqual([
        "added",
        "duplicate",
        "error",
        "error",
      ]),
    );
    const states = within(uploads).getAllByRole("listitem");
    expect(states[1]?.textContent).toContain("Already in your library");
    expect(states[2]?.textContent).toContain("the file is not a PDF");
    expect(states[3]?.textContent).toContain("Not a supported file type");
    expect(addFile.mock.calls.map(([f]) => f.name)).toEqual(["paper.pdf", "notes.md", "fake.pdf"]);
  });

  it("imports a dropped ZIP whole and lists each file of it", async () => {
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    const addFile = vi.spyOn(api, "addFile");
    const importArchive = vi.spyOn(api, "importArchive").mockResolvedValue({
      added: 1,
      items: [
        { path: "vault/Tides.md", outcome: "added", source: source({ id: "z1", kind: "markdown", title: "Tides" }) },
        { path: "vault/empty.md", outcome: "refused", error: { code: "validation", message: "the file is empty" } },
      ],
    });
    renderAt("/");
    const zone = screen.getByRole("region", { name: "Add files" });
    const zip = new File(["PK"], "vault.zip", { type: "application/zip" });
    fireEvent.drop(zone, { dataTransfer: { types: ["Files"], files: [zip], getData: () => "" } });
    const uploads = await screen.findByRole("list", { name: "Uploads" });
    await waitFor(() => expect(within(uploads).getAllByRole("listitem")).toHaveLength(2));
    const rows = within(uploads).getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("data-upload-state"))).toEqual(["added", "error"]);
    expect(rows[0]?.textContent).toContain("vault.zip › vault/Tides.md");
    expect(within(rows[0] as HTMLElement).getByRole("link").getAttribute("href")).toBe("/sources/z1");
    expect(rows[1]?.textContent).toContain("the file is empty");
    expect(importArchive).toHaveBeenCalledWith(zip);
    expect(addFile).not.toHaveBeenCalled();
    expect(zone.querySelector(".upload-summary")?.textContent).toContain("1 of 2 added");
  });
});

describe("Source page", () => {
  const text = "😀😀 Intro. The quoted claim sits here. <script>alert(1)</script> end";

  it("shows metadata, articles and the text with the quoted span highlighted", async () => {
    const scroll = vi.fn();
    Element.prototype.scrollIntoView = scroll;
    vi.spyOn(api, "getSource").mockResolvedValue(
      source({ article_ids: ["a1"], author: "Ada", page_count: 3, url: "https://example.org/a" }),
    );
    vi.spyOn(api, "getSourceText").mockResolvedValue(text);
    vi.spyOn(api, "getArticle").mockResolvedValue({
      id: "a1",
      slug: "quoted-claims",
      title: "Quoted claims",
      summary: "s",
      confidence: "sourced",
    } as ArticleDetail);
    // "The quoted claim" is code points 10..26 (each emoji is one code point but two UTF-16 units,
    // so UTF-16 offsets would highlight "he quoted claim " instead).
    renderAt(`/sources/${ID}?start=10&end=26`);

    expect(await screen.findByRole("heading", { level: 1, name: "A page" })).toBeTruthy();
    const mark = await screen.findByText("The quoted claim");
    expect(mark.tagName).toBe("MARK");
    expect(mark.id).toBe("quote");
    expect(mark.className).toBe("quote-highlight");
    await waitFor(() => expect(scroll).toHaveBeenCalledWith({ block: "center" }));
    const pre = mark.closest("pre");
    expect(pre?.textContent).toBe(text);
    expect(pre?.querySelector("script")).toBeNull();

    const link = await screen.findByRole("link", { name: "Quoted claims" });
    expect(link.getAttribute("href")).toBe("/wiki/quoted-claims");
    const external = screen.getByRole("link", { name: "https://example.org/a" });
    expect(external.getAttribute("rel")).toBe("noopener noreferrer");
    expect(external.getAttribute("target")).toBe("_blank");
    const original = screen.getByRole("link", { name: "Open original" });
    expect(original.getAttribute("href")).toBe(`/api/sources/${ID}/original`);
    expect(screen.getByText("Ada")).toBeTruthy();
  });

  it("never turns a javascript: URL into a link", async () => {
    vi.spyOn(api, "getSource").mockResolvedValue(source({ url: "javascript:alert(1)", title: "Evil" }));
    vi.spyOn(api, "getSourceText").mockResolvedValue("text");
    renderAt(`/sources/${ID}`);
    expect(await screen.findByText("javascript:alert(1)")).toBeTruthy();
    for (const a of screen.getAllByRole("link")) expect(a.getAttribute("href") ?? "").not.toMatch(/^javascript:/i);
  });

  it("says the text is not available yet on a 404", async () => {
    vi.spyOn(api, "getSource").mockResolvedValue(source({ status: "extracting", content_hash: null }));
    vi.spyOn(api, "getSourceText").mockRejectedValue(new ApiError(404, "not_found", "the source's text is not available yet"));
    renderAt(`/sources/${ID}`);
    expect(await screen.findByText("The text is not available yet.")).toBeTruthy();
  });

  it("shows 'No such source' for an unknown id", async () => {
    vi.spyOn(api, "getSource").mockRejectedValue(new ApiError(404, "not_found", "no such source"));
    renderAt(`/sources/${ID}`);
    expect(await screen.findByRole("heading", { name: "No such source" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Back to the Inbox" }).getAttribute("href")).toBe("/");
  });

  it("re-compiles and deletes with the articles, then goes back to the Inbox", async () => {
    vi.spyOn(api, "getSource").mockResolvedValue(source({ article_ids: ["a1", "a2"] }));
    vi.spyOn(api, "getSourceText").mockResolvedValue("text");
    vi.spyOn(api, "getArticle").mockRejectedValue(new ApiError(404, "not_found", "gone"));
    vi.spyOn(api, "listSources").mockResolvedValue(page([]));
    const recompile = vi.spyOn(api, "recompileSource").mockResolvedValue({ job });
    const del = vi.spyOn(api, "deleteSource").mockResolvedValue({ deleted: ID, deleted_article_ids: ["a1"] });
    renderAt(`/sources/${ID}`);

    fireEvent.click(await screen.findByRole("button", { name: "Re-compile" }));
    expect(await screen.findByText("Re-compile queued")).toBeTruthy();
    expect(recompile).toHaveBeenCalledWith(ID);

    fireEvent.click(screen.getByRole("button", { name: "Delete…" }));
    const box = screen.getByRole("checkbox", { name: "Also delete the 2 articles made from it" });
    fireEvent.click(box);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Delete source" }));
    });
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/"));
    expect(del).toHaveBeenCalledWith(ID, true);
    expect(await screen.findByText("Deleted “A page”.")).toBeTruthy();
  });

  it("cancels the delete confirmation with Escape", async () => {
    vi.spyOn(api, "getSource").mockResolvedValue(source());
    vi.spyOn(api, "getSourceText").mockResolvedValue("text");
    const del = vi.spyOn(api, "deleteSource");
    renderAt(`/sources/${ID}`);
    fireEvent.click(await screen.findByRole("button", { name: "Delete…" }));
    const confirm = screen.getByRole("group", { name: "Delete this source?" });
    expect(within(confirm).queryByRole("checkbox")).toBeNull();
    fireEvent.keyDown(confirm, { key: "Escape" });
    expect(screen.queryByRole("group", { name: "Delete this source?" })).toBeNull();
    expect(del).not.toHaveBeenCalled();
  });
});
