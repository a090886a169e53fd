// Code-point slicing: spans from the API count code points (Rust's `chars()`), so the slicer must
// agree with `Array.from` on emoji and other astral characters, and clamp bad offsets.
import { describe, expect, it } from "vitest";
import { codePointLength, sliceCodePoints, splitAtSpan } from "./codepoints";

/** The reference semantics: code points, as `Array.from` (and Rust's `chars()`) count them. */
function reference(text: string, start: number, end: number): [string, string, string] {
  const chars = Array.from(text);
  return [chars.slice(0, start).join(""), chars.slice(start, end).join(""), chars.slice(end).join("")];
}

describe("splitAtSpan", () => {
  it("splits plain text", () => {
    expect(splitAtSpan("Hello brave world", 6, 11)).toEqual(["Hello ", "brave", " world"]);
    expect(splitAtSpan("abc", 0, 3)).toEqual(["", "abc", ""]);
  });

  it("counts code points, not UTF-16 units, across emoji and other astral characters", () => {
    const text = "😀😀 The 𝔸nswer is 42 🎉 indeed";
    // Code points: 😀=0, 😀=1, ' '=2, 'T'=3 … so "The" is 3..6.
    expect(splitAtSpan(text, 3, 6)).toEqual(["😀😀 ", "The", " 𝔸nswer is 42 🎉 indeed"]);
    // With UTF-16 offsets "The" would be 5..8; make sure that is not what we do.
    expect(splitAtSpan(text, 3, 6)[1]).not.toBe(text.slice(3, 6));
    expect(splitAtSpan(text, 7, 13)).toEqual(["😀😀 The ", "𝔸nswer", " is 42 🎉 indeed"]);
    expect(splitAtSpan(text, 20, 21)[1]).toBe("🎉");
  });

  it("agrees with Array.from on every span of a mixed string", () => {
    const text = "a😀b\u00e9c👩‍💻d日本";
    const n = Array.from(text).length;
    for (let s = 0; s <= n; s += 1) {
      for (let e = s; e <= n; e += 1) {
        expect(splitAtSpan(text, s, e), `${s}..${e}`).toEqual(reference(text, s, e));
      }
    }
  });

  it("clamps bad input instead of throwing", () => {
    expect(splitAtSpan("abc", -5, 2)).toEqual(["", "ab", "c"]);
    expect(splitAtSpan("abc", 1, 99)).toEqual(["a", "bc", ""]);
    expect(splitAtSpan("abc", 2, 1)).toEqual(["ab", "", "c"]);
    expect(splitAtSpan("abc", 10, 20)).toEqual(["abc", "", ""]);
    expect(splitAtSpan("abc", Number.NaN, 2)).toEqual(["", "ab", "c"]);
    expect(splitAtSpan("abc", 1, Number.NaN)).toEqual(["a", "bc", ""]);
    expect(splitAtSpan("abc", 0.9, 2.7)).toEqual(["", "ab", "c"]);
    expect(splitAtSpan("", 0, 5)).toEqual(["", "", ""]);
  });

  it("always gives back the whole text", () => {
    const text = "x😀y🎉z";
    for (const [s, e] of [[0, 0], [1, 2], [-1, 100], [4, 2], [2, 5]] as const) {
      expect(splitAtSpan(text, s, e).join("")).toBe(text);
    }
  });
});

describe("sliceCodePoints", () => {
  it("is the match of splitAtSpan", () => {
    expect(sliceCodePoints("ab😀cd", 2, 3)).toBe("😀");
    expect(sliceCodePoints("ab😀cd", 1, 99)).toBe("b😀cd");
    expect(sliceCodePoints("abc", 2, 1)).toBe("");
  });
});

describe("codePointLength", () => {
  it("counts code points", () => {
    expect(codePointLength("")).toBe(0);
    expect(codePointLength("abc")).toBe(3);
    expect(codePointLength("😀a🎉")).toBe(3);
    expect(codePointLength("😀a🎉")).toBe(Array.from("😀a🎉").length);
    // A lone surrogate counts as one, like Array.from.
    expect(codePointLength("a\ud800b")).toBe(Array.from("a\ud800b").length);
  });
});
