// The flat concept list the API returns, arranged as the tree its `parent` keys describe:
// top-level concepts in the API's order (most used first), each followed by its narrower ones.
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
