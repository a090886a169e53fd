// The clean text of a source, as plain text (never HTML), with an optional highlighted span
// (`?start=&end=`, in code points) scrolled into view.
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { ErrorBox, Loading } from "../components/common";
import { codePointLength, splitAtSpan } from "../components/codepoints";
import type { CharSpan } from "./span";

export function HighlightedText({ text, span }: { text: string; span: CharSpan | null }) {
  const mark = useRef<HTMLElement>(null);
  const [before, match, after] = span ? splitAtSpan(text, span.start, span.end) : [text, "", ""];
  const highlighted = match !== "";

  useEffect(() => {
    const el = mark.current;
    if (highlighted && el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "center" });
  }, [highlighted, span?.start, span?.end, text]);

  return (
    <pre className="source-text" tabIndex={0} aria-label="Source text">
      {before}
      {highlighted ? (
        <mark id="quote" className="quote-highlight" ref={mark}>
          {match}
        </mark>
      ) : null}
      {after}
    </pre>
  );
}

function jumpToQuote() {
  const el = document.getElementById("quote");
  if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "center", behavior: "smooth" });
}

/** The note above the text when a span is asked for: where it is, or why it cannot be shown. */
function SpanNote({ sourceId, text, span }: { sourceId: string; text: string; span: CharSpan }) {
  const length = codePointLength(text);
  if (span.start >= length) {
    return (
      <p className="span-note muted small" role="note">
        The quoted passage (characters {span.start}–{span.end}) is beyond the end of this text; the text may have
        changed since the quote was taken. <Link to={`/sources/${sourceId}`}>Show the text without it</Link>
      </p>
    );
  }
  return (
    <p className="span-note small" role="note">
      The quoted passage is highlighted.{" "}
      <button type="button" className="link-button" onClick={jumpToQuote}>
        Jump to the quote
      </button>{" "}
      · <Link to={`/sources/${sourceId}`}>Clear the highlight</Link>
    </p>
  );
}

export default function SourceText({
  sourceId,
  text,
  isPending,
  enabled,
  error,
  onRetry,
  span,
}: {
  sourceId: string;
  text: string | undefined;
  isPending: boolean;
  enabled: boolean;
  error: unknown;
  onRetry: () => void;
  span: CharSpan | null;
}) {
  let body;
  if (!enabled) {
    body = <p className="muted">The text is not available yet: it appears once the source has been fetched and extracted.</p>;
  } else if (text !== undefined) {
    body =
      text.trim() === "" ? (
        <p className="muted">The extracted text is empty.</p>
      ) : (
        <>
          {span ? <SpanNote sourceId={sourceId} text={text} span={span} /> : null}
          <HighlightedText text={text} span={span} />
        </>
      );
  } else if (error) {
    body =
      error instanceof ApiError && error.status === 404 ? (
        <p className="muted">The text is not available yet.</p>
      ) : (
        <ErrorBox error={error} onRetry={onRetry} />
      );
  } else if (isPending) {
    body = <Loading label="Loading the text…" />;
  } else {
    body = <p className="muted">The text is not available yet.</p>;
  }

  return (
    <section className="source-text-section" aria-labelledby="source-text-heading">
      <h2 id="source-text-heading">Clean text</h2>
      {body}
    </section>
  );
}
