// The key claims of an article. A verified claim can show its quote and, fetched on demand, the
// surrounding source text with the exact span highlighted, plus a link to the quote in the source.
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Claim, ClaimSpan } from "../api/types";
import { Badge, ErrorBox, Loading } from "../components/common";
import { sourceQuoteHref } from "../inbox/span";
import { safeExternalUrl } from "../components/urls";
import { plainText } from "../markdown/plain";
import { excerptAround } from "./excerpt";
import { sourceLinkLabel } from "./labels";

/** Code points of context shown either side of a quote. */
export const EXCERPT_RADIUS = 300;

export function SourceExcerpt({ sourceId, span }: { sourceId: string; span: ClaimSpan }) {
  const text = useQuery({
    queryKey: ["source-text", sourceId],
    queryFn: () => api.getSourceText(sourceId),
    staleTime: 5 * 60_000,
  });
  const { start, end } = span;
  const excerpt = useMemo(
    () => (typeof text.data === "string" ? excerptAround(text.data, { start, end }, EXCERPT_RADIUS) : null),
    [text.data, start, end],
  );
  if (text.isPending) return <Loading label="Loading the source text…" />;
  if (text.isError) return <ErrorBox error={text.error} onRetry={() => void text.refetch()} />;
  if (!excerpt) {
    return <p className="muted small">The quoted range is no longer in the source text.</p>;
  }
  return (
    <figure className="source-excerpt">
      <figcaption className="small muted">In the source text</figcaption>
      <p className="source-excerpt-text">
        {excerpt.cutStart ? <span aria-hidden="true">… </span> : null}
        {plainText(excerpt.before)}
        <mark className="quote-highlight">{plainText(excerpt.match)}</mark>
        {plainText(excerpt.after)}
        {excerpt.cutEnd ? <span aria-hidden="true"> …</span> : null}
      </p>
    </figure>
  );
}

function ClaimItem({ claim, index, focused }: { claim: Claim; index: number; focused: boolean }) {
  // A claim reached from an answer's citation opens with its quote shown in the source.
  const [open, setOpen] = useState(focused);
  const panelId = useId();
  const inSource = claim.verified && claim.span != null && claim.source_id != null;
  const sourceLink = claim.verified ? safeExternalUrl(claim.source_link) : null;
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focused) item.current?.scrollIntoView({ block: "center" });
  }, [focused]);

  return (
    <li
      ref={item}
      id={`claim-${index}`}
      className={`${claim.verified ? "claim claim-verified" : "claim claim-unverified"}${focused ? " claim-focused" : ""}`}
    >
      <p className="claim-text">{plainText(claim.text)}</p>
      {claim.disputed ? (
        <p className="claim-disputed small">
          <Badge kind="bad" title="A contradiction was resolved against this claim">
            {claim.disputed.resolution === "superseded" ? "superseded" : "disputed"}
          </Badge>{" "}
          <Link to={`/wiki/${encodeURIComponent(claim.disputed.by.slug)}`}>{claim.disputed.by.title}</Link> says otherwise.
        </p>
      ) : null}
      <p className="claim-meta">
        <Badge kind={claim.confidence} title="Confidence">
          {claim.confidence}
        </Badge>
        {claim.verified ? (
          <Badge kind="ok" title="The quote was found in the source">
            verified
          </Badge>
        ) : (
          <Badge kind="warn" title="The quote was not found in the source">
            not verified
          </Badge>
        )}
        {inSource ? (
          <button
            type="button"
            className="claim-toggle"
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => setOpen((v) => !v)}
          >
            {open ? "Hide quote" : "Show quote in source"}
          </button>
        ) : null}
        {sourceLink ? (
          <a className="claim-source-link" href={sourceLink} target="_blank" rel="noopener noreferrer">
            {sourceLinkLabel(sourceLink)}
          </a>
        ) : null}
      </p>
      {inSource && claim.span && claim.source_id ? (
        <div id={panelId} className="claim-panel" hidden={!open}>
          {open ? (
            <>
              {claim.quote ? <blockquote className="claim-quote">{plainText(claim.quote)}</blockquote> : null}
              <SourceExcerpt sourceId={claim.source_id} span={claim.span} />
              <p className="small">
                <Link to={sourceQuoteHref(claim.source_id, claim.span)}>Open in source</Link>
              </p>
            </>
          ) : null}
        </div>
      ) : null}
      {!inSource && claim.quote ? (
        claim.verified ? (
          <blockquote className="claim-quote">{plainText(claim.quote)}</blockquote>
        ) : (
          <figure className="claim-quote-missing">
            <figcaption className="small">Quote not found in the source</figcaption>
            <blockquote className="claim-quote">{plainText(claim.quote)}</blockquote>
          </figure>
        )
      ) : null}
    </li>
  );
}

export default function ClaimList({ claims, focus = null }: { claims: Claim[]; focus?: number | null }) {
  return (
    <ol aria-label="Claims" className="claims">
      {claims.map((claim, i) => (
        <ClaimItem key={`${i}-${claim.text}`} claim={claim} index={i} focused={focus === i} />
      ))}
    </ol>
  );
}
