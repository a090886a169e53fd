// The context shown around a claim's quote: code-point spans, word-boundary windows, clamping.
import { describe, expect, it } from "vitest";
import { excerptAround } from "./excerpt";

describe("excerptAround", () => {
  it("returns the span with its context, by code points", () => {
    const text = "Alpha beta gamma delta epsilon.";
    const e = excerptAround(text, { start: 11, end: 16 }, 100);
    expect(e?.match).toBe("gamma");
    expect(e?.before).toBe("Alpha beta ");
    expect(e?.after).toBe(" delta epsilon.");
    expect(e?.cutStart).toBe(false);
    expect(e?.cutEnd).toBe(false);
  });

  it("counts astral characters (emoji) as one code point each", () => {
    const text = "😀😀 café 👩‍💻 quote here 🎉 end";
    // Code points: 😀 😀 ␠ c a f é ␠ 👩 ZWJ 💻 ␠ q u o t e ␠ h e r e …
    const chars = Array.from(text);
    const start = chars.indexOf("q");
    const e = excerptAround(text, { start, end: start + "quote here".length }, 50);
    expect(e?.match).toBe("quote here");
    expect(e?.before).toBe("😀😀 café 👩‍💻 ");
    expect(e?.after).toBe(" 🎉 end");
    // The span covers one emoji exactly, not half a surrogate pair.
    const emoji = excerptAround("ab😀cd", { start: 2, end: 3 }, 10);
    expect(emoji?.match).toBe("😀");
    expect(emoji?.before).toBe("ab");
    expect(emoji?.after).toBe("cd");
  });

  it("cuts a window around a span in a long text on word boundaries", () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
    const text = words.join(" ");
    const start = text.indexOf("w200");
    const e = excerptAround(text, { start, end: start + 4 }, 30);
    expect(e?.match).toBe("w200");
    expect(e?.cutStart).toBe(true);
    expect(e?.cutEnd).toBe(true);
    expect(e?.before.startsWith("w")).toBe(true);
    expect(e?.before.endsWith(" ")).toBe(true);
    expect(e?.after.endsWith(" ")).toBe(false);
    expect(Array.from(e?.before ?? "").length).toBeLessThanOrEqual(30);
    expect(Array.from(e?.after ?? "").length).toBeLessThanOrEqual(30);
    // No word is cut in half.
    for (const w of `${e?.before}${e?.match}${e?.after}`.split(" ")) expect(words).toContain(w);
  });

  it("clamps spans to the text and rejects empty ones", () => {
    expect(excerptAround("short", { start: 2, end: 99 })?.match).toBe("ort");
    expect(excerptAround("short", { start: 9, end: 12 })).toBeNull();
    expect(excerptAround("short", { start: 3, end: 3 })).toBeNull();
    expect(excerptAround("", { start: 0, end: 1 })).toBeNull();
    expect(excerptAround("short", { start: Number.NaN, end: 2 })).toBeNull();
  });
});
