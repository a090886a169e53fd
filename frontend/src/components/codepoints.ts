// Slicing text by Unicode code points. The gateway counts quote spans with Rust's `chars()`
// (code points), while JavaScript strings index UTF-16 units, so every span offset from the API
// goes through these helpers instead of `String.slice` — one emoji is one position, not two.

/** The UTF-16 index where code point number `cp` starts (the length for `cp` past the end). */
function utf16Index(text: string, cp: number): number {
  let index = 0;
  let count = 0;
  while (count < cp && index < text.length) {
    const code = text.codePointAt(index) ?? 0;
    index += code > 0xffff ? 2 : 1;
    count += 1;
  }
  return index;
}

/** Number of code points in `text` (what `Array.from(text).length` gives, without the array). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

function toIndex(value: number, fallback: number): number {
  return Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/**
 * Splits `text` into [before, match, after] at code-point offsets `start`..`end` (end exclusive),
 * like `Array.from(text).slice(start, end)`. Bad input is clamped: offsets below 0 become 0, past
 * the end become the end, a non-number start is 0 and end is the end, and an end before the start
 * gives an empty match at the start.
 */
export function splitAtSpan(text: string, start: number, end: number): [string, string, string] {
  const length = codePointLength(text);
  const s = Math.min(Math.max(toIndex(start, 0), 0), length);
  const e = Math.min(Math.max(toIndex(end, length), s), length);
  const a = utf16Index(text, s);
  const b = a + utf16Index(text.slice(a), e - s);
  return [text.slice(0, a), text.slice(a, b), text.slice(b)];
}

/** Code points `start`..`end` of `text`, clamped like `splitAtSpan`. */
export function sliceCodePoints(text: string, start: number, end: number): string {
  return splitAtSpan(text, start, end)[1];
}
