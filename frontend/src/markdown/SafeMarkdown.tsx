// Markdown written by an LLM or taken from a web page, rendered without trusting it: no raw HTML
// (it shows as inert text), unsafe URL schemes dropped, links judged by where they really lead
// (same origin → in-app link, other http(s) origins → new tab with no referrer or opener), remote
// images never fetched, and `[[wikilinks]]` as in-app links.
import { useMemo, type ComponentPropsWithoutRef, type ReactNode } from "react";
import { Link } from "react-router";
import Markdown, { defaultUrlTransform, type Components, type ExtraProps, type Options } from "react-markdown";
import remarkGfm from "remark-gfm";
import { isHttpUrl } from "../components/urls";
import type { LinkRef } from "../api/types";
import { linkTarget } from "./links";
import remarkWikilinks, { buildResolver } from "./wikilinks";
import { remarkHeadingIds } from "./outline";

/** react-markdown's default (which drops `javascript:`, `data:`, `vbscript:` …), with
 * protocol-relative URLs upgraded to https. Where a link may go is decided by `linkTarget`. */
export function safeUrlTransform(url: string): string {
  const safe = defaultUrlTransform(url);
  if (safe.startsWith("//")) return `https:${safe}`;
  return safe;
}

type PluggableList = NonNullable<Options["remarkPlugins"]>;

type AnchorProps = ComponentPropsWithoutRef<"a"> & ExtraProps & { "data-wikilink"?: string };

function MarkdownLink({ node, href, children, ...rest }: AnchorProps) {
  const slug = rest["data-wikilink"] ?? (node?.properties?.dataWikilink as string | undefined);
  const title = rest.title;
  if (slug) {
    return (
      <Link to={`/wiki/${encodeURIComponent(slug)}`} className="wikilink" data-wikilink={slug} title={title}>
        {children}
      </Link>
    );
  }
  const target = linkTarget(href, window.location.origin);
  switch (target.kind) {
    case "internal":
      return (
        <Link to={target.to} title={title}>
          {children}
        </Link>
      );
    case "external":
      return (
        <a href={target.href} title={title} target="_blank" rel="noopener noreferrer nofollow" className="external">
          {children}
        </a>
      );
    case "anchor":
    case "mail": {
      // Footnote references and back-references carry ids and ARIA attributes: keep them.
      const attrs: Omit<AnchorProps, "node" | "href" | "children"> = { ...rest };
      delete attrs["data-wikilink"];
      return (
        <a href={target.href} {...attrs}>
          {children}
        </a>
      );
    }
    case "dropped":
      // The URL was unsafe or leads nowhere we allow: keep the text, not a link.
      return <span className="md-dropped-link">{children}</span>;
  }
}

function MarkdownImage({ src, alt }: ComponentPropsWithoutRef<"img"> & ExtraProps) {
  // Never load a remote image: a wiki page must not fetch third-party resources.
  const label = alt?.trim() ? `Image: ${alt.trim()}` : "Image";
  const url = typeof src === "string" ? src : undefined;
  if (url && isHttpUrl(url)) {
    return (
      <a href={url} className="md-image-link" target="_blank" rel="noopener noreferrer nofollow">
        {label}
      </a>
    );
  }
  return <span className="md-image-link">{label}</span>;
}

function MarkdownTable({ node: _node, ...props }: ComponentPropsWithoutRef<"table"> & ExtraProps) {
  return (
    <div className="md-table-scroll">
      <table {...props} />
    </div>
  );
}

function DemotedH1({ node: _node, ...props }: ComponentPropsWithoutRef<"h1"> & ExtraProps) {
  // The page has its own <h1>; a heading one inside the body becomes a heading two.
  return <h2 {...props} />;
}

const COMPONENTS: Components = {
  a: MarkdownLink,
  img: MarkdownImage,
  table: MarkdownTable,
  h1: DemotedH1,
};

export interface SafeMarkdownProps {
  children: string;
  /** The article's outgoing links, to resolve `[[wikilinks]]`; omitted → all unresolved. */
  links?: readonly LinkRef[];
  /** Give `##` / `###` headings the ids of `extractOutline`. */
  headingIds?: boolean;
  className?: string;
}

export default function SafeMarkdown({ children, links, headingIds = false, className }: SafeMarkdownProps): ReactNode {
  const remarkPlugins = useMemo<PluggableList>(() => {
    const resolve = buildResolver(links ?? []);
    const list: PluggableList = [remarkGfm, [remarkWikilinks, { resolve }]];
    if (headingIds) list.push(remarkHeadingIds);
    return list;
  }, [links, headingIds]);
  return (
    <div className={className ? `markdown ${className}` : "markdown"}>
      <Markdown remarkPlugins={remarkPlugins} components={COMPONENTS} urlTransform={safeUrlTransform} skipHtml={false}>
        {children}
      </Markdown>
    </div>
  );
}
