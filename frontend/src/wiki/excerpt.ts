// The piece of a source's clean text around a claim's quote, for showing the quote highlighted
// in its context. Spans are Unicode code-point offsets into the clean text, end exclusive.
import type { ClaimSpan } from "../api/types";
import { codePointLength, sliceCodePoints } from "../components/codepoints";

export interface Excerpt {
  /** Text before the span inside the window ("…" is not included). */
  before: string;
  /** The span itself. */
  match: string;
  /** Text after the span inside the window. */
  after: string;
  /** The window starts after the beginning of the text. */
  cutStart: boolean;
  /** The window ends before the end of the text. */
  cutEnd: boolean;
  /** The span as clamped to the text, in code points. */
  start: number;
  end: number;
}

/** How far the window may move to land on whitespace instead of cutting a word. */
const SNAP = 24;

/**
 * The window of about `radius` code points either side of `span` in `text`. The span is clamped
 * to the text; the window edges move (by at most a couple of dozen code points, never into the
 * span) to the nearest whitespace so words are not cut. `null` when the span is empty or lies
 * outside the text.
 */
export function excerptAround(text: string, span: ClaimSpan, radius = 300): Excerpt | null {
  if (!Number.isFinite(span.start) || !Number.isFinite(span.end)) return null;
  const length = codePointLength(text);
  const start = Math.max(0, Math.min(Math.floor(span.start), length));
  const end = Math.max(start, Math.min(Math.floor(span.end), length));
  if (end <= start) return null;
  const reach = Math.max(0, radius);

  let from = Math.max(0, start - reach);
  if (from > 0) {
    // Move forward to just after the first whitespace, so the excerpt starts on a word.
    const head = sliceCodePoints(text, from, Math.min(start, from + SNAP));
    const space = /\s/u.exec(head);
    if (space) from += codePointLength(head.slice(0, space.index)) + 1;
  }
  let to = Math.min(length, end + reach);
  if (to < length) {
    // Move back to the last whitespace, so the excerpt ends on a word.
    const lo = Math.max(end, to - SNAP);
    const tail = sliceCodePoints(text, lo, to);
    const space = tail.search(/\s\S*$/u);
    if (space >= 0) to = lo + codePointLength(tail.slice(0, space));
  }

  return {
    before: sliceCodePoints(text, from, start).replace(/^\s+/u, ""),
    match: sliceCodePoints(text, start, end),
    after: sliceCodePoints(text, end, to).replace(/\s+$/u, ""),
    cutStart: from > 0,
    cutEnd: to < length,
    start,
    end,
  };
}
