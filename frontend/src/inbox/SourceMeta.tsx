// The metadata of a source, as a description list.
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { SourceDetail, SourceStatus } from "../api/types";
import { Badge } from "../components/common";
import { bytes, dateTime, plural, timeAgo, usd } from "../components/format";
import type { StageLine } from "../live/events";
import { isFinished, stageLabel, stageProgress } from "../live/stages";
import { safeExternalUrl } from "../components/urls";
import { failureText, kindLabel, publishedText, shortHash, stageText } from "./sourceView";

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="meta-row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function When({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={timeAgo(iso, now)}>
      {dateTime(iso)}
    </time>
  );
}

export default function SourceMeta({
  source,
  stage,
  line,
  now,
}: {
  source: SourceDetail;
  stage: SourceStatus;
  line: StageLine | undefined;
  now: number;
}) {
  const url = safeExternalUrl(source.url);
  return (
    <dl className="source-meta">
      <Row term="Kind">{kindLabel(source.kind)}</Row>
      <Row term="Status">
        <span className="source-meta-status" data-status={stage}>
          <Badge kind={stage}>{stageLabel(stage)}</Badge>
          {!isFinished(stage) ? (
            <>
              <span className="small">{stageText(stage, line)}</span>
              <progress max={1} value={stageProgress(stage)} aria-label="Processing progress" />
            </>
          ) : null}
        </span>
      </Row>
      {stage === "failed" ? (
        <Row term="Error">
          <span className="error-text">{failureText(source, line)}</span>
        </Row>
      ) : null}
      {source.duplicate_of ? (
        <Row term="Duplicate of">
          <Link to={`/sources/${source.duplicate_of}`}>the source with the same content</Link>
        </Row>
      ) : null}
      {source.url ? (
        <Row term="URL">
          {url ? (
            <a href={url} target="_blank" rel="noopener noreferrer" className="break-anywhere">
              {url}
            </a>
          ) : (
            <span className="break-anywhere">{source.url}</span>
          )}
        </Row>
      ) : null}
      {source.estimate ? (
        <Row term="Estimated cost">
          {source.estimate.provider === "offline" ? (
            "nothing — the offline compiler is free"
          ) : (
            <>
              {usd(source.estimate.cost_usd)}{" "}
              <span className="muted small">
                ({source.estimate.input_tokens.toLocaleString()} tokens in, {source.estimate.output_tokens.toLocaleString()}{" "}
                out, {plural(source.estimate.calls, "call")} to {source.estimate.model})
              </span>
            </>
          )}
        </Row>
      ) : null}
      {source.author ? <Row term="Author">{source.author}</Row> : null}
      {source.published ? <Row term="Published">{publishedText(source.published)}</Row> : null}
      {source.byte_size != null ? (
        <Row term="Size">
          <span title={`${source.byte_size.toLocaleString()} bytes`}>{bytes(source.byte_size)}</span>
        </Row>
      ) : null}
      {source.page_count != null ? <Row term="Pages">{source.page_count}</Row> : null}
      {source.original_mime ? <Row term="Type">{source.original_mime}</Row> : null}
      <Row term="Added">
        <When iso={source.created_at} now={now} />
      </Row>
      <Row term="Updated">
        <When iso={source.updated_at} now={now} />
      </Row>
      {source.compiled_at ? (
        <Row term="Compiled">
          <When iso={source.compiled_at} now={now} />
        </Row>
      ) : null}
      {source.content_hash ? (
        <Row term="Content hash">
          <code title={source.content_hash}>{shortHash(source.content_hash)}</code>
        </Row>
      ) : null}
    </dl>
  );
}
