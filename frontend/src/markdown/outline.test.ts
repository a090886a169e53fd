// The article outline: heading slugs and text, and which `##`/`###` lines are headings at all
// (not in code, quotes or lists), so the outline and the rendered ids agree.
import { describe, expect, it } from "vitest";
import { extractOutline, headingSlug, headingText } from "./outline";

describe("headingSlug", () => {
  it("keeps letters and digits of any script", () => {
    expect(headingSlug("Why It Matters?")).toBe("why-it-matters");
    expect(headingSlug("Café & Crème")).toBe("café-crème");
    expect(headingSlug("日本語 2")).toBe("日本語-2");
    expect(headingSlug("!!!")).toBe("section");
  });
});

describe("headingText", () => {
  it("reduces inline markdown to visible text", () => {
    expect(headingText("About [[Thread Pool|pools]] and [[Rust]]")).toBe("About pools and Rust");
    expect(headingText("The **bold** and *it* `code` [link](http://x)")).toBe("The bold and it code link");
    expect(headingText("snake_case_name stays")).toBe("snake_case_name stays");
    expect(headingText("_emph_ word")).toBe("emph word");
  });
});

describe("extractOutline", () => {
  it("takes ## and ### headings with unique ids", () => {
    const md = "# Title\n\nIntro\n\n## First\n\ntext\n\n### Sub part\n\n#### Deep\n\n## First\n## Closed ##\n";
    expect(extractOutline(md)).toEqual([
      { depth: 2, text: "First", id: "sec-first" },
      { depth: 3, text: "Sub part", id: "sec-sub-part" },
      { depth: 2, text: "First", id: "sec-first-2" },
      { depth: 2, text: "Closed", id: "sec-closed" },
    ]);
  });

  it("skips fenced code blocks, quotes, lists and indented code", () => {
    const md = [
      "## Real",
      "````md",
      "## Not a heading",
      "```",
      "## Still code",
      "````",
      "~~~",
      "## Tilde code",
      "~~~",
      "> ## Quoted",
      "- ## In a list",
      "    ## Indented code",
      "#hashtag is text",
      "### Also real",
    ].join("\n");
    expect(extractOutline(md).map((h) => h.text)).toEqual(["Real", "Also real"]);
  });

  it("understands setext headings but not thematic breaks", () => {
    const md = "Setext two\n----------\n\nTop\n===\n\n---\n\n- item\nlazy line\n---\n";
    expect(extractOutline(md)).toEqual([{ depth: 2, text: "Setext two", id: "sec-setext-two" }]);
  });

  it("handles CRLF and empty input", () => {
    expect(extractOutline("")).toEqual([]);
    expect(extractOutline("## A\r\n\r\n### B\r\n").map((h) => h.id)).toEqual(["sec-a", "sec-b"]);
  });
});
