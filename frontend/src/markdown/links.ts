// Where a markdown link may go. The href is resolved the way the browser would resolve it
// (`new URL(href, origin)`), so spellings such as `/\evil.com` or `\\evil.com` — which the URL
// parser reads as `//evil.com` — are judged by where they really lead, not by how they start.

export type LinkTarget =
  /** `#id`: a jump inside the page (footnotes, the outline); it cannot leave the page. */
  | { kind: "anchor"; href: string }
  /** Same origin: an in-app route, rendered as a router link to path + query + fragment. */
  | { kind: "internal"; to: string }
  /** Another origin over http(s): opened in a new tab without opener or referrer. */
  | { kind: "external"; href: string }
  /** `mailto:`: hands the address to the mail client, never navigates the app. */
  | { kind: "mail"; href: string }
  /** Anything else (other schemes, unparsable): only the link text is shown. */
  | { kind: "dropped" };

const DROPPED: LinkTarget = { kind: "dropped" };

function isHttp(url: URL): boolean {
  return url.protocol === "http:" || url.protocol === "https:";
}

/** Classifies `href` as seen from a page of `origin` (e.g. `window.location.origin`). */
export function linkTarget(href: string | null | undefined, origin: string): LinkTarget {
  const raw = href?.trim() ?? "";
  if (raw === "") return DROPPED;
  // Resolved against the origin a fragment would point at the home page, not at this page.
  if (raw.startsWith("#")) return { kind: "anchor", href: raw };
  let url: URL;
  let own: URL;
  try {
    url = new URL(raw, origin);
    own = new URL(origin);
  } catch {
    return DROPPED;
  }
  if (url.protocol === "mailto:") return { kind: "mail", href: url.href };
  if (!isHttp(url)) return DROPPED;
  if (url.origin === own.origin) return { kind: "internal", to: `${url.pathname}${url.search}${url.hash}` };
  return { kind: "external", href: url.href };
}
