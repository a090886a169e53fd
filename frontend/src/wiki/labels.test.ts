// Wiki labels: concept keys normalised like the gateway, relation names, and URL filters.
import { describe, expect, it } from "vitest";
import {
  conceptHref,
  conceptKey,
  filtersFromParams,
  hasFilters,
  humanizeRelation,
  sourceLinkLabel,
  withParam,
} from "./labels";

describe("labels", () => {
  it("normalises concept names like the gateway", () => {
    expect(conceptKey("Thread Pool")).toBe("thread-pool");
    expect(conceptKey("Karpathy's Wiki")).toBe("karpathys-wiki");
    expect(conceptKey("日本")).toBe("日本");
    expect(conceptHref("Thread Pool")).toBe("/wiki?concept=thread-pool");
  });
  it("names a link into a source by the time it opens at", () => {
    expect(sourceLinkLabel("https://www.youtube.com/watch?v=LightHouse1&t=22s")).toBe("Watch at 0:22");
    expect(sourceLinkLabel("https://www.youtube.com/watch?v=LightHouse1&t=3725s")).toBe("Watch at 1:02:05");
    expect(sourceLinkLabel("https://www.youtube.com/watch?v=LightHouse1")).toBe("Open the source at the quote");
    expect(sourceLinkLabel("not a url")).toBe("Open the source at the quote");
  });
  it("humanises relation types", () => {
    expect(humanizeRelation("related_to")).toBe("related to");
    expect(humanizeRelation("extends")).toBe("extends");
  });
  it("reads and writes filters", () => {
    const p = new URLSearchParams("q=%20rust%20&concept=thread-pool&x=1");
    const f = filtersFromParams(p);
    expect(f).toEqual({ q: "rust", concept: "thread-pool", page_type: "", confidence: "" });
    expect(hasFilters(f)).toBe(true);
    expect(hasFilters(filtersFromParams(new URLSearchParams("x=1")))).toBe(false);
    expect(withParam(p, "concept", "").toString()).toBe("q=+rust+&x=1");
    expect(withParam(p, "page_type", "source").get("page_type")).toBe("source");
  });
});
