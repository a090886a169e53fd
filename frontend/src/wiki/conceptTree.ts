// The flat concept list the API returns, arranged as the tree its `parent` keys describe:
// top-level concepts in the list's order (the API's: most used first; or by name), each followed
// by its narrower ones. Filtered by name, the list is flat instead.
import type { ConceptCount } from "../api/types";

export interface ConceptBranch {
  concept: ConceptCount;
  children: ConceptBranch[];
}

export function conceptTree(concepts: ConceptCount[]): ConceptBranch[] {
  const known = new Set(concepts.map((c) => c.name));
  const children = new Map<string, ConceptCount[]>();
  const roots: ConceptCount[] = [];
  for (const c of concepts) {
    // A parent the list does not hold (no article uses it any more) leaves the concept on top.
    if (c.parent && c.parent !== c.name && known.has(c.parent)) {
      const siblings = children.get(c.parent) ?? [];
      siblings.push(c);
      children.set(c.parent, siblings);
    } else {
      roots.push(c);
    }
  }
  const seen = new Set<string>();
  const branch = (c: ConceptCount): ConceptBranch => {
    seen.add(c.name);
    const kids = (children.get(c.name) ?? []).filter((k) => !seen.has(k.name));
    return { concept: c, children: kids.map(branch) };
  };
  return roots.map(branch);
}

/** How the concept list is ordered: the API's (most used first), or by name. */
export type ConceptOrder = "articles" | "name";

export const CONCEPT_ORDERS: readonly { value: ConceptOrder; label: string }[] = [
  { value: "articles", label: "Most articles" },
  { value: "name", label: "Name A–Z" },
];

/** `?concepts_sort=` as an order; anything unknown is the API's own. */
export function conceptOrderFromParam(value: string | null): ConceptOrder {
  return value === "name" ? "name" : "articles";
}

/** One collator for every comparison: `localeCompare` with options builds one per call. */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The concepts in `order`: a copy sorted by display name (numbers by value: "Concept 2" before
 * "Concept 10"), or the list as the API sent it. */
export function sortConcepts(concepts: ConceptCount[], order: ConceptOrder): ConceptCount[] {
  if (order === "articles") return concepts;
  return [...concepts].sort((a, b) => byName.compare(a.display_name, b.display_name) || byName.compare(a.name, b.name));
}

/** Lower case without accents, so "cafe" finds "Café". */
function folded(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

/**
 * The concepts whose display name or key holds `text` (case and accents aside), in the list's
 * order. Flat, each without its narrower ones: a match's broader concept may not match.
 * Empty text matches nothing, since there is then no filter to apply.
 */
export function conceptsMatching(concepts: ConceptCount[], text: string): ConceptBranch[] {
  const wanted = folded(text.trim());
  if (!wanted) return [];
  return concepts
    .filter((c) => folded(c.display_name).includes(wanted) || folded(c.name).includes(wanted))
    .map((concept) => ({ concept, children: [] }));
}
