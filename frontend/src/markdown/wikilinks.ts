// `[[Target]]` and `[[Target|label]]` in markdown text become in-app links when the target
// resolves to an article, and a visibly different, non-link span when it does not. Code, inline
// code, existing links and definitions are left alone.
import type { Emphasis, Link, Parent, PhrasingContent, Root, RootContent, Text } from "mdast";
import type { LinkRef } from "../api/types";

/** Where a resolved wikilink points. */
export interface WikilinkTarget {
  slug: string;
  title: string;
}

export type WikilinkResolver = (target: string) => WikilinkTarget | null;

export interface WikilinkOptions {
  resolve: WikilinkResolver;
}

/** The class of the span an unresolved wikilink renders as. */
export const UNRESOLVED_CLASS = "wikilink-unresolved";
/** The class of the link a resolved wikilink renders as. */
export const RESOLVED_CLASS = "wikilink";

/**
 * Loose title form for matching a wikilink to an article: lower case, trimmed, and runs of
 * whitespace, `-` and `_` collapsed to one space ("Thread_Pool", "thread-pool", " Thread  pool "
 * all become "thread pool").
 */
export function normalizeTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[\s\-_]+/gu, " ")
    .trim();
}

/**
 * The normalised key the gateway matches titles and concepts by (a port of Rust
 * `shared::compile::normalize_title`): NFKD → ASCII only → lower case → `'` removed → runs of
 * anything but `[a-z0-9-]` → `-` → `-` runs collapsed and trimmed. May be empty.
 */
export function normalizeKey(title: string): string {
  let ascii = "";
  for (const c of title.normalize("NFKD")) {
    if (c.charCodeAt(0) < 128) ascii += c;
  }
  return ascii
    .toLowerCase()
    .replace(/'/g, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * A resolver from the article's outgoing links (`backlinks_out`): a wikilink target matches a
 * resolved link by exact title, then by `normalizeTitle`, then by the gateway's normalised key.
 */
export function buildResolver(links: readonly LinkRef[]): WikilinkResolver {
  const exact = new Map<string, WikilinkTarget>();
  const loose = new Map<string, WikilinkTarget>();
  const keyed = new Map<string, WikilinkTarget>();
  for (const link of links) {
    if (!link.resolved || !link.slug) continue;
    const target = { slug: link.slug, title: link.title };
    if (!exact.has(link.title)) exact.set(link.title, target);
    const n = normalizeTitle(link.title);
    if (n && !loose.has(n)) loose.set(n, target);
    const k = normalizeKey(link.title);
    if (k && !keyed.has(k)) keyed.set(k, target);
  }
  return (target: string) => {
    const t = target.trim();
    if (!t) return null;
    const n = normalizeTitle(t);
    const k = normalizeKey(t);
    return exact.get(t) ?? (n ? loose.get(n) : undefined) ?? (k ? keyed.get(k) : undefined) ?? null;
  };
}

/** One `[[…]]` found in a string. */
export interface WikilinkMatch {
  /** Code-unit offsets of the whole `[[…]]` in the string, end exclusive. */
  start: number;
  end: number;
  /** The page part of the target (before any `#heading`), trimmed. */
  target: string;
  /** What to show: the piped label, or the target as written. */
  label: string;
}

const WIKILINK = /\[\[([^[\]|\n]+?)(?:\|([^[\]\n]*?))?\]\]/g;

/** Every well-formed `[[Target]]` / `[[Target|label]]` in `text`, in order. */
export function findWikilinks(text: string): WikilinkMatch[] {
  const out: WikilinkMatch[] = [];
  for (const m of text.matchAll(WIKILINK)) {
    const raw = (m[1] ?? "").trim();
    const page = raw.split("#")[0]?.trim() ?? "";
    if (!page) continue;
    const piped = m[2]?.trim();
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, target: page, label: piped ? piped : raw });
  }
  return out;
}

/** The mdast nodes replacing one text node; `null` when it holds no wikilink. */
export function splitText(value: string, resolve: WikilinkResolver): PhrasingContent[] | null {
  const matches = findWikilinks(value);
  if (matches.length === 0) return null;
  const out: PhrasingContent[] = [];
  let at = 0;
  for (const m of matches) {
    if (m.start > at) out.push({ type: "text", value: value.slice(at, m.start) } satisfies Text);
    const hit = resolve(m.target);
    if (hit) {
      const link: Link = {
        type: "link",
        url: `/wiki/${encodeURIComponent(hit.slug)}`,
        title: null,
        children: [{ type: "text", value: m.label }],
        data: { hProperties: { className: [RESOLVED_CLASS], dataWikilink: hit.slug } },
      };
      out.push(link);
    } else {
      const span: Emphasis = {
        type: "emphasis",
        children: [{ type: "text", value: m.label }],
        data: {
          hName: "span",
          hProperties: { className: [UNRESOLVED_CLASS], title: "No article yet", dataWikilinkMissing: m.target },
        },
      };
      out.push(span);
    }
    at = m.end;
  }
  if (at < value.length) out.push({ type: "text", value: value.slice(at) } satisfies Text);
  return out;
}

/** Node types whose text must not turn into links. */
const SKIP = new Set(["code", "inlineCode", "link", "linkReference", "definition", "html", "image", "imageReference"]);

function walk(parent: Parent, resolve: WikilinkResolver) {
  const children = parent.children as RootContent[];
  for (let i = 0; i < children.length; i += 1) {
    const child = children[i];
    if (!child || SKIP.has(child.type)) continue;
    if (child.type === "text") {
      const replacement = splitText(child.value, resolve);
      if (replacement) {
        children.splice(i, 1, ...replacement);
        i += replacement.length - 1;
      }
      continue;
    }
    if ("children" in child) walk(child, resolve);
  }
}

/** The remark plugin: `remarkPlugins={[[remarkWikilinks, { resolve }]]}`. */
export default function remarkWikilinks(options: WikilinkOptions) {
  const resolve = options.resolve;
  return (tree: Root) => {
    walk(tree, resolve);
  };
}
