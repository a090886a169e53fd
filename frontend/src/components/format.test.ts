// Display formatting: counted nouns, durations and byte sizes read the way a person says them.
import { describe, expect, it } from "vitest";
import { bytes, duration, plural } from "./format";

describe("plural", () => {
  it("pluralises regular and irregular nouns", () => {
    expect(plural(1, "article")).toBe("1 article");
    expect(plural(3, "article")).toBe("3 articles");
    expect(plural(0, "claim")).toBe("0 claims");
    expect(plural(2, "query", "queries")).toBe("2 queries");
  });
});

describe("duration and bytes", () => {
  it("picks a readable unit", () => {
    expect(duration(850)).toBe("850 ms");
    expect(duration(4200)).toBe("4.2 s");
    expect(bytes(999)).toBe("999 B");
    expect(bytes(12_300)).toBe("12 kB");
  });
});
