// Pure logic of the Inbox quick-add box: is what was typed a link to fetch or a note to keep,
// and which title (if any) a note gets.
import { codePointLength, sliceCodePoints } from "../components/codepoints";
import { isHttpUrl } from "../components/urls";

/** Longest title the gateway accepts (in characters). */
export const MAX_TITLE_CHARS = 300;
/** A first line this short (and not a sentence) reads as a title of a multi-line note. */
export const SHORT_TITLE_CHARS = 80;

export type QuickAddPlan =
  | { kind: "empty" }
  | { kind: "url"; url: string }
  | { kind: "urls"; urls: string[] }
  | { kind: "text"; content: string; title?: string };

/** At most `max` code points (the gateway counts characters, not UTF-16 units). */
function truncate(text: string, max: number): string {
  return codePointLength(text) <= max ? text : sliceCodePoints(text, 0, max);
}

/**
 * The title of a note: a markdown heading on its first line (`# Title`, any level), or else a
 * short first line followed by more text that does not end like a sentence. A single line or a
 * note that starts with prose gets no title (the compiler names it).
 */
export function noteTitle(content: string): string | undefined {
  const lines = content.split(/\r?\n/);
  const firstIndex = lines.findIndex((l) => l.trim() !== "");
  if (firstIndex < 0) return undefined;
  const first = (lines[firstIndex] ?? "").trim();
  const heading = /^#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(first);
  if (heading) {
    const title = (heading[1] ?? "").replace(/\s+/g, " ").trim();
    return title ? truncate(title, MAX_TITLE_CHARS) : undefined;
  }
  const hasMore = lines.slice(firstIndex + 1).some((l) => l.trim() !== "");
  if (!hasMore) return undefined;
  if (codePointLength(first) > SHORT_TITLE_CHARS) return undefined;
  if (/[.,;:!?…]$/.test(first)) return undefined;
  // Markdown structure (a list item, a quote, a table row, code) is content, not a title.
  if (/^([-*+>|]|\d+[.)]\s|```|~~~)/.test(first)) return undefined;
  if (isHttpUrl(first)) return undefined;
  if (!/[\p{L}\p{N}]/u.test(first)) return undefined;
  return first.replace(/\s+/g, " ");
}

/** Decides what the quick-add box does with its text. */
export function planQuickAdd(input: string): QuickAddPlan {
  const trimmed = input.trim();
  if (trimmed === "") return { kind: "empty" };
  if (!/\s/.test(trimmed) && isHttpUrl(trimmed)) return { kind: "url", url: trimmed };
  // One link per line: each is fetched as its own source.
  const lines = trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length > 1 && lines.every((l) => !/\s/.test(l) && isHttpUrl(l))) return { kind: "urls", urls: lines };
  const title = noteTitle(input);
  return title ? { kind: "text", content: input, title } : { kind: "text", content: input };
}

/** Ctrl+Enter (or Cmd+Enter on a Mac) submits a multi-line box. */
export function isSubmitShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey?: boolean; shiftKey?: boolean }): boolean {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
}
