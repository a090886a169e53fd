// Inline markdown reduced to the text a reader sees, for places that show text rather than
// render markdown: claims, quotes and the source excerpts around them, headings in outlines.

/**
 * `inline` without markdown syntax: wikilinks and links become their labels, code spans and
 * emphasis their content, HTML tags and backslash escapes go. Whitespace is kept as it is, so
 * consecutive pieces of one text (an excerpt's before / match / after) still join up.
 */
export function plainText(inline: string): string {
  return inline
    .replace(/\[\[([^[\]|\n]+?)(?:\|([^[\]\n]*?))?\]\]/g, (_m, target: string, label?: string) =>
      label && label.trim() ? label.trim() : target.trim(),
    )
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, "$1")
    .replace(/`+([^`]*)`+/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .replace(/(\*\*|\*|~~)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(^|[^\p{L}\p{N}_])(__?)(?=\S)([\s\S]*?\S)\2(?![\p{L}\p{N}_])/gu, "$1$3");
}
