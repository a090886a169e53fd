// The outline of an article body: its top-level `##` / `###` headings with stable ids, and the
// remark plugin that gives the rendered headings the same ids so the outline's anchors land.
import type { Heading, Root, RootContent } from "mdast";
import { plainText } from "./plain";

export interface OutlineItem {
  depth: 2 | 3;
  text: string;
  id: string;
}

/** Prefix of heading ids, so a heading called "Main" cannot clash with the page's own ids. */
export const HEADING_ID_PREFIX = "sec-";

/** The id part for a heading text: lower case, runs of non-letters/digits → `-`, trimmed. */
export function headingSlug(text: string): string {
  const slug = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return slug || "section";
}

/** Hands out `sec-<slug>`, `sec-<slug>-2`, … in document order. */
export function idAllocator(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text: string) => {
    const base = HEADING_ID_PREFIX + headingSlug(text);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  };
}

/** Inline markdown of a heading line reduced to the text a reader sees, on one line. */
export function headingText(inline: string): string {
  return plainText(inline).replace(/\s+/g, " ").trim();
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
/** A line that cannot be the text of a setext heading (it starts another block). */
const NOT_PARAGRAPH = /^(?: {4,}|\t| {0,3}(?:[>|]|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)))/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

/**
 * The `##` and `###` headings of `markdown` (ATX and setext), outside fenced code blocks and not
 * nested in quotes or lists, with ids unique within the document.
 */
export function extractOutline(markdown: string): OutlineItem[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const items: OutlineItem[] = [];
  const nextId = idAllocator();
  let fence: string | null = null;
  let paragraph: string[] = [];
  // Inside a list item, quote, table or indented code until the next blank line.
  let container = false;

  const push = (depth: number, raw: string) => {
    const text = headingText(raw);
    if ((depth === 2 || depth === 3) && text) {
      items.push({ depth, text, id: nextId(text) });
    }
  };

  for (const line of lines) {
    if (fence) {
      const close = line.match(/^ {0,3}(`{3,}|~{3,})[ \t]*$/);
      if (close?.[1] && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null;
      continue;
    }
    const open = line.match(FENCE);
    if (open?.[1]) {
      fence = open[1];
      paragraph = [];
      continue;
    }
    if (line.trim() === "") {
      paragraph = [];
      container = false;
      continue;
    }
    const atx = line.match(ATX);
    if (atx?.[1]) {
      push(atx[1].length, atx[2] ?? "");
      paragraph = [];
      container = false;
      continue;
    }
    const setext = line.match(SETEXT);
    if (setext?.[1] && paragraph.length > 0) {
      push(setext[1].startsWith("=") ? 1 : 2, paragraph.join(" "));
      paragraph = [];
      continue;
    }
    if (paragraph.length === 0 && THEMATIC_BREAK.test(line)) {
      continue;
    }
    if (container || (paragraph.length === 0 && NOT_PARAGRAPH.test(line))) {
      container = true;
      continue;
    }
    paragraph.push(line.trim());
  }
  return items;
}

function nodeText(node: RootContent): string {
  if (node.type === "image") return node.alt ?? "";
  if ("value" in node && typeof node.value === "string" && node.type !== "html") return node.value;
  if ("children" in node) return (node.children as RootContent[]).map(nodeText).join("");
  return "";
}

/**
 * Remark plugin giving top-level `##` / `###` headings the ids `extractOutline` computes for
 * them. Run it after the wikilink plugin so a heading's text is what the reader sees.
 */
export function remarkHeadingIds() {
  return (tree: Root) => {
    const nextId = idAllocator();
    for (const node of tree.children) {
      if (node.type !== "heading") continue;
      const heading = node as Heading;
      if (heading.depth !== 2 && heading.depth !== 3) continue;
      const text = nodeText(heading).replace(/\s+/g, " ").trim();
      if (!text) continue;
      heading.data = { ...heading.data, hProperties: { ...heading.data?.hProperties, id: nextId(text) } };
    }
  };
}
