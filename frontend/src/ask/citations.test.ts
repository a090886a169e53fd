import { describe, expect, it } from "vitest";
import type { Citation } from "../api/types";
import { citationHref, linkCitations } from "./citations";

const cite = (n: number, slug: string, claim: number | null): Citation => ({
  n,
  article: { id: `id-${n}`, slug, title: `Title "${n}"` },
  passage: { kind: "section", heading: "" },
  source: null,
  quote: null,
  span: null,
  claim_index: claim,
});

describe("linkCitations", () => {
  it("links markers that have a citation, at the claim", () => {
    const out = linkCitations("Heaps pop the smallest [1]. Also [2].", [cite(1, "heapq", 3)]);
    expect(out).toBe(`Heaps pop the smallest [\\[1\\]](/wiki/heapq?claim=3#claim-3 "Title '1'"). Also [2].`);
  });

  it("leaves code and links alone", () => {
    const text = "`a[1]` and [1](x)\n```\nb[1]\n```";
    expect(linkCitations(text, [cite(1, "s", null)])).toBe(text);
  });

  it("leads to the article when no claim carries a quote", () => {
    expect(citationHref(cite(1, "a b", null))).toBe("/wiki/a%20b");
  });
});
