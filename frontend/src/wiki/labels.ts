// Small pure helpers of the wiki screens: concept keys and links, relation names, filters.
import type { RelationType } from "../api/types";
import { normalizeKey } from "../markdown/wikilinks";

/** The key `?concept=` matches (the gateway's normalised name); the display name when it has
 * no ASCII form at all. */
export function conceptKey(displayName: string): string {
  return normalizeKey(displayName) || displayName.trim();
}

/** `/wiki?concept=<key>`. */
export function conceptHref(displayName: string): string {
  return `/wiki?${new URLSearchParams({ concept: conceptKey(displayName) }).toString()}`;
}

/** "related_to" → "related to". */
export function humanizeRelation(relation: RelationType | string): string {
  return relation.replace(/_/g, " ");
}

/** The filters of the wiki list, as they are kept in the URL. */
export interface WikiFilters {
  q: string;
  concept: string;
  page_type: string;
  confidence: string;
}

export const FILTER_KEYS = ["q", "concept", "page_type", "confidence"] as const;

export function filtersFromParams(params: URLSearchParams): WikiFilters {
  return {
    q: (params.get("q") ?? "").trim(),
    concept: (params.get("concept") ?? "").trim(),
    page_type: (params.get("page_type") ?? "").trim(),
    confidence: (params.get("confidence") ?? "").trim(),
  };
}

export function hasFilters(f: WikiFilters): boolean {
  return FILTER_KEYS.some((k) => f[k] !== "");
}

/** A copy of `params` with `key` set to `value`, or removed when `value` is empty. */
export function withParam(params: URLSearchParams, key: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value.trim()) next.set(key, value.trim());
  else next.delete(key);
  return next;
}

/** "Watch at 1:05" for a link that opens a video at a time (`t=65s`); "Open the source at the
 * quote" for any other. */
export function sourceLinkLabel(link: string): string {
  const seconds = startSeconds(link);
  if (seconds === null) return "Open the source at the quote";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `Watch at ${h}:${String(m).padStart(2, "0")}:${s}` : `Watch at ${m}:${s}`;
}

/** The `t=` of a link, in seconds; null without one. */
function startSeconds(link: string): number | null {
  try {
    const t = new URL(link).searchParams.get("t");
    const match = t ? /^(\d+)s?$/.exec(t) : null;
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
