// `[[wikilinks]]`: title normalisation matching the gateway, resolution against the article's
// outgoing links, parsing, and how resolved and unresolved links render.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import type { LinkRef } from "../api/types";
import SafeMarkdown from "./SafeMarkdown";
import { buildResolver, findWikilinks, normalizeKey, normalizeTitle, splitText } from "./wikilinks";

afterEach(cleanup);

const LINKS: LinkRef[] = [
  { article_id: "a1", slug: "thread-pool", title: "Thread Pool", relation_type: "references", resolved: true },
  { article_id: "a2", slug: "rust-async", title: "Rust async", relation_type: "extends", resolved: true },
  { article_id: null, slug: null, title: "Green threads", relation_type: "related_to", resolved: false },
];

function renderMd(markdown: string, links: LinkRef[] = LINKS) {
  return render(
    <MemoryRouter>
      <SafeMarkdown links={links}>{markdown}</SafeMarkdown>
    </MemoryRouter>,
  );
}

describe("normalizeTitle", () => {
  it("lower-cases, trims and collapses whitespace, dashes and underscores", () => {
    expect(normalizeTitle("  Thread   Pool ")).toBe("thread pool");
    expect(normalizeTitle("thread-pool")).toBe("thread pool");
    expect(normalizeTitle("Thread_Pool")).toBe("thread pool");
    expect(normalizeTitle("a -_ b\t\nc")).toBe("a b c");
    expect(normalizeTitle("--x--")).toBe("x");
    expect(normalizeTitle("")).toBe("");
  });
});

describe("normalizeKey (port of the gateway's normalize_title)", () => {
  it("matches the Rust reference cases", () => {
    expect(normalizeKey("Karpathy's Wiki")).toBe("karpathys-wiki");
    expect(normalizeKey("Café")).toBe("cafe");
    expect(normalizeKey("snake_case")).toBe("snake-case");
    expect(normalizeKey("  --A -- B--  ")).toBe("a-b");
    expect(normalizeKey("C++ / Rust")).toBe("c-rust");
    expect(normalizeKey("Straße")).toBe("strae");
    expect(normalizeKey("日本")).toBe("");
    expect(normalizeKey("Thread Pool")).toBe("thread-pool");
  });
});

describe("buildResolver", () => {
  const resolve = buildResolver(LINKS);
  it("matches resolved links by exact, loose and key title", () => {
    expect(resolve("Thread Pool")?.slug).toBe("thread-pool");
    expect(resolve("thread_pool")?.slug).toBe("thread-pool");
    expect(resolve(" THREAD-POOL ")?.slug).toBe("thread-pool");
    expect(resolve("Rust: async")?.slug).toBe("rust-async");
  });
  it("does not resolve unresolved or unknown targets", () => {
    expect(resolve("Green threads")).toBeNull();
    expect(resolve("Nothing here")).toBeNull();
    expect(resolve("   ")).toBeNull();
  });
});

describe("findWikilinks / splitText", () => {
  it("finds plain, piped and heading targets", () => {
    const found = findWikilinks("a [[One]] b [[Two|second]] c [[Three#Part]]");
    expect(found.map((m) => [m.target, m.label])).toEqual([
      ["One", "One"],
      ["Two", "second"],
      ["Three", "Three#Part"],
    ]);
  });
  it("ignores empty and unclosed brackets", () => {
    expect(findWikilinks("[[ ]] and [[open and [single]")).toEqual([]);
  });
  it("splits text around links", () => {
    const nodes = splitText("see [[Thread Pool]] now", buildResolver(LINKS));
    expect(nodes?.map((n) => n.type)).toEqual(["text", "link", "text"]);
    expect(splitText("no links", buildResolver(LINKS))).toBeNull();
  });
});

describe("remarkWikilinks rendered", () => {
  it("turns a resolved [[Target]] into an in-app link", () => {
    const { container } = renderMd("Uses a [[Thread Pool]] for work.");
    const a = container.querySelector("a[data-wikilink]");
    expect(a).not.toBeNull();
    expect(a?.getAttribute("href")).toBe("/wiki/thread-pool");
    expect(a?.getAttribute("data-wikilink")).toBe("thread-pool");
    expect(a?.classList.contains("wikilink")).toBe(true);
    expect(a?.textContent).toBe("Thread Pool");
    expect(a?.getAttribute("target")).toBeNull();
  });

  it("uses the piped label", () => {
    const { container } = renderMd("Read [[thread_pool|the pool]].");
    const a = container.querySelector("a.wikilink");
    expect(a?.textContent).toBe("the pool");
    expect(a?.getAttribute("href")).toBe("/wiki/thread-pool");
  });

  it("handles several links on one line", () => {
    const { container } = renderMd("[[Thread Pool]], [[Rust async|async]] and [[Green threads]].");
    const links = container.querySelectorAll("a.wikilink");
    expect(Array.from(links).map((a) => a.getAttribute("href"))).toEqual(["/wiki/thread-pool", "/wiki/rust-async"]);
    expect(container.querySelectorAll(".wikilink-unresolved")).toHaveLength(1);
    expect(container.textContent).toBe("Thread Pool, async and Green threads.");
  });

  it("leaves inline code and code blocks untouched", () => {
    const { container } = renderMd("Write `[[Thread Pool]]` to link.\n\n```\n[[Rust async]]\n```\n");
    expect(container.querySelector("a")).toBeNull();
    expect(container.querySelector(".wikilink-unresolved")).toBeNull();
    const codes = container.querySelectorAll("code");
    expect(codes[0]?.textContent).toBe("[[Thread Pool]]");
    expect(codes[1]?.textContent).toContain("[[Rust async]]");
  });

  it("renders an unresolved target as a marked span, not a link", () => {
    const { container } = renderMd("Compare [[Green threads|green ones]].");
    const span = container.querySelector("span.wikilink-unresolved");
    expect(span).not.toBeNull();
    expect(span?.tagName).toBe("SPAN");
    expect(span?.textContent).toBe("green ones");
    expect(span?.getAttribute("title")).toBe("No article yet");
    expect(span?.getAttribute("data-wikilink-missing")).toBe("Green threads");
    expect(container.querySelector("a")).toBeNull();
  });

  it("treats every wikilink as unresolved without links", () => {
    const { container } = renderMd("[[Thread Pool]]", []);
    expect(container.querySelector("a")).toBeNull();
    expect(container.querySelector(".wikilink-unresolved")?.textContent).toBe("Thread Pool");
  });

  it("works inside emphasis, list items and headings", () => {
    const { container } = renderMd("- *see [[Thread Pool]]*\n\n## About [[Rust async]]\n");
    expect(container.querySelectorAll("a.wikilink")).toHaveLength(2);
  });
});
