// Page arithmetic and the page in the query string: the numbers a pager shows and the offsets it
// sends must agree at the edges (the first page, the last partial page, an empty list).
import { describe, expect, it } from "vitest";
import {
  PAGE_SIZE,
  clampPage,
  firstPage,
  formatCount,
  pageCount,
  pageFromParam,
  pageOffset,
  pageSlice,
  rangeText,
  withPage,
} from "./paging";

describe("pageFromParam", () => {
  it("reads whole page numbers from 1 up", () => {
    expect(pageFromParam("1")).toBe(1);
    expect(pageFromParam("2")).toBe(2);
    expect(pageFromParam(" 37 ")).toBe(37);
  });

  it("treats anything else as the first page", () => {
    for (const value of [null, "", "0", "-1", "2.5", "abc", "1e3", "0x10", "99999999999"]) {
      expect(pageFromParam(value), String(value)).toBe(1);
    }
  });
});

describe("page math", () => {
  it("counts pages, one at least", () => {
    expect(PAGE_SIZE).toBe(100);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(1)).toBe(1);
    expect(pageCount(100)).toBe(1);
    expect(pageCount(101)).toBe(2);
    expect(pageCount(10_000)).toBe(100);
    expect(pageCount(10_001)).toBe(101);
    expect(pageCount(250, 50)).toBe(5);
  });

  it("clamps a page into 1…last", () => {
    expect(clampPage(0, 10_000)).toBe(1);
    expect(clampPage(-3, 10_000)).toBe(1);
    expect(clampPage(50, 10_000)).toBe(50);
    expect(clampPage(101, 10_000)).toBe(100);
    expect(clampPage(5, 0)).toBe(1);
  });

  it("turns pages into the API's offsets", () => {
    expect(pageOffset(1)).toBe(0);
    expect(pageOffset(2)).toBe(100);
    expect(pageOffset(100)).toBe(9_900);
    expect(pageOffset(3, 50)).toBe(100);
    expect(pageOffset(0)).toBe(0);
  });

  it("slices a page out of a list held in memory", () => {
    const items = Array.from({ length: 250 }, (_, i) => i + 1);
    expect(pageSlice(items, 1)).toHaveLength(100);
    expect(pageSlice(items, 2)[0]).toBe(101);
    expect(pageSlice(items, 3)).toEqual(items.slice(200));
    expect(pageSlice(items, 4)).toEqual([]);
  });
});

describe("rangeText", () => {
  it("says which items are shown out of how many", () => {
    expect(rangeText(0, 100, 10_000)).toBe("Showing 1–100 of 10,000");
    expect(rangeText(100, 100, 10_000)).toBe("Showing 101–200 of 10,000");
    expect(rangeText(9_900, 100, 10_000, "sources")).toBe("Showing 9,901–10,000 of 10,000 sources");
    // The last page is usually short.
    expect(rangeText(100, 5, 105, "articles")).toBe("Showing 101–105 of 105 articles");
    expect(rangeText(0, 1, 1)).toBe("Showing 1–1 of 1");
  });

  it("says nothing about an empty page", () => {
    expect(rangeText(0, 0, 0)).toBe("");
    expect(rangeText(200, 0, 150)).toBe("");
  });

  it("separates thousands", () => {
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });
});

describe("the page in the query string", () => {
  it("sets the page and keeps the filters", () => {
    const params = new URLSearchParams("status=failed");
    expect(withPage(params, 3).toString()).toBe("status=failed&page=3");
    expect(withPage(params, 3, "concepts_page").toString()).toBe("status=failed&concepts_page=3");
    // A copy: the caller's params are left alone.
    expect(params.toString()).toBe("status=failed");
  });

  it("leaves page 1 out, so the plain address is the first page", () => {
    expect(withPage(new URLSearchParams("page=4&status=failed"), 1).toString()).toBe("status=failed");
    expect(firstPage(new URLSearchParams("concept=x&page=9&concepts_page=2")).toString()).toBe(
      "concept=x&concepts_page=2",
    );
    expect(firstPage(new URLSearchParams("page=9&concepts_page=2"), "concepts_page").toString()).toBe("page=9");
  });
});
