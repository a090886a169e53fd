// Citation markers in an answer: each `[n]` that has a citation becomes a markdown link to the
// cited article, opened at the claim that carries the quote; a marker without one stays text.
import type { Citation } from "../api/types";

/** Where a citation leads: the article, at its claim when there is one. */
export function citationHref(c: Citation): string {
  const base = `/wiki/${encodeURIComponent(c.article.slug)}`;
  return c.claim_index == null ? base : `${base}?claim=${c.claim_index}#claim-${c.claim_index}`;
}

/** Rewrites `[n]` markers (outside code) as links `[\[n\]](href)`. */
export function linkCitations(answer: string, citations: Citation[]): string {
  const byNumber = new Map(citations.map((c) => [c.n, c]));
  let inFence = false;
  return answer
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return line;
      }
      if (inFence) return line;
      // Inline code spans are left alone: split on backticks and touch the even parts only.
      return line
        .split("`")
        .map((part, i) =>
          i % 2 === 1
            ? part
            : part.replace(/\[(\d{1,3})\](?!\()/g, (marker: string, n: string) => {
                const c = byNumber.get(Number(n));
                return c ? `[\\[${n}\\]](${citationHref(c)} "${c.article.title.replace(/"/g, "'")}")` : marker;
              }),
        )
        .join("`");
    })
    .join("\n");
}
