// The `?start=&end=` contract between the article reader and the source page: what is read back
// is what the reader's link wrote, and anything malformed is no span.
import { describe, expect, it } from "vitest";
import { sourceQuoteHref, spanFromParams } from "./span";

describe("spanFromParams", () => {
  it("reads start and end", () => {
    expect(spanFromParams(new URLSearchParams("start=3&end=10"))).toEqual({ start: 3, end: 10 });
    expect(spanFromParams(new URLSearchParams("start=0&end=1&x=y"))).toEqual({ start: 0, end: 1 });
  });
  it("ignores missing, malformed, negative or empty spans", () => {
    for (const qs of ["", "start=3", "end=3", "start=a&end=4", "start=-1&end=4", "start=5&end=5", "start=6&end=5", "start=1.5&end=4", "start=&end=4"]) {
      expect(spanFromParams(new URLSearchParams(qs)), qs).toBeNull();
    }
  });
  it("round-trips through the link the article reader builds", () => {
    const href = sourceQuoteHref("abc-123", { start: 12, end: 40 });
    expect(href).toBe("/sources/abc-123?start=12&end=40");
    expect(spanFromParams(new URL(href, "http://x").searchParams)).toEqual({ start: 12, end: 40 });
    expect(sourceQuoteHref("abc-123")).toBe("/sources/abc-123");
    expect(sourceQuoteHref("a/b", { start: 5, end: 12 })).toBe("/sources/a%2Fb?start=5&end=12");
  });
});
