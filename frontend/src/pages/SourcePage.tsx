// Screen: one source. Its metadata and live stage, the original, the articles made from it, its
// clean text (with a quoted span highlighted from `?start=&end=`), re-compile and delete.
import { useEffect, useMemo, useRef } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import type { SourceStatus } from "../api/types";
import { Badge, ErrorBox, Loading, useTitle } from "../components/common";
import { useStageLine } from "../live/context";
import { stageLabel } from "../live/stages";
import { useNow } from "../inbox/hooks";
import SourceActions from "../inbox/SourceActions";
import SourceArticles from "../inbox/SourceArticles";
import SourceMeta from "../inbox/SourceMeta";
import SourceText from "../inbox/SourceText";
import { spanFromParams } from "../inbox/span";
import { effectiveStage, kindLabel, sourceTitle } from "../inbox/sourceView";

/** Stages at which the clean text can exist (it is written by extraction). */
const TEXT_STAGES: SourceStatus[] = ["extracting", "compiling", "compiled", "failed"];

function isMissing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 400);
}

export default function SourcePage() {
  const { id = "" } = useParams();
  const [searchParams] = useSearchParams();
  const queryClient = useQueryClient();
  const now = useNow();
  const start = searchParams.get("start");
  const end = searchParams.get("end");
  const span = useMemo(() => {
    const params = new URLSearchParams();
    if (start !== null) params.set("start", start);
    if (end !== null) params.set("end", end);
    return spanFromParams(params);
  }, [start, end]);

  const source = useQuery({ queryKey: ["source", id], queryFn: () => api.getSource(id), enabled: id !== "" });
  const line = useStageLine(id);
  const row = source.data;
  const stage = row ? effectiveStage(row, line) : undefined;
  // A text already fetched stays shown; otherwise ask once extraction can have written it.
  const textWanted = !!row && !!stage && (TEXT_STAGES.includes(stage) || row.content_hash != null);
  const text = useQuery({
    queryKey: ["source-text", id],
    queryFn: () => api.getSourceText(id),
    enabled: textWanted,
    staleTime: 60_000,
  });

  // The text appears during the pipeline: ask again when the stage moves on (not on first sight).
  const seenStage = useRef<{ id: string; stage: SourceStatus | undefined }>({ id, stage });
  useEffect(() => {
    const seen = seenStage.current;
    seenStage.current = { id, stage };
    if (seen.id === id && seen.stage !== undefined && stage !== undefined && seen.stage !== stage) {
      void queryClient.invalidateQueries({ queryKey: ["source-text", id] });
    }
  }, [stage, id, queryClient]);

  const title = row ? sourceTitle(row) : source.isError && isMissing(source.error) ? "No such source" : "Source";
  useTitle(title);

  if (source.isPending) return <Loading label="Loading the source…" />;
  if (source.isError) {
    if (isMissing(source.error)) {
      return (
        <div className="source-page source-missing empty">
          <h1>No such source</h1>
          <p>It may have been deleted, or the link is wrong.</p>
          <p>
            <Link to="/">Back to the Inbox</Link>
          </p>
        </div>
      );
    }
    return (
      <div className="source-page">
        <h1>Source</h1>
        <ErrorBox error={source.error} onRetry={() => void source.refetch()} />
        <p>
          <Link to="/">Back to the Inbox</Link>
        </p>
      </div>
    );
  }

  const data = source.data;
  const current = stage ?? data.status;
  return (
    <div className="source-page">
      <nav className="source-back small" aria-label="Breadcrumb">
        <Link to="/">← Inbox</Link>
      </nav>
      <header className="source-head">
        <h1 className="break-anywhere">{title}</h1>
        <div className="row">
          <Badge kind="kind">{kindLabel(data.kind)}</Badge>
          <Badge kind={current}>{stageLabel(current)}</Badge>
        </div>
      </header>
      <SourceActions key={data.id} source={data} />
      <div className="source-layout">
        {/* Details first: on a phone they come before a long text; on a wide screen they sit beside it. */}
        <aside className="source-side" aria-label="About this source">
          <h2>Details</h2>
          <SourceMeta source={data} stage={current} line={line} now={now} />
          <SourceArticles ids={data.article_ids} compiled={current === "compiled"} />
        </aside>
        <div className="source-main">
          <SourceText
            sourceId={data.id}
            text={text.data}
            isPending={text.isPending}
            enabled={textWanted}
            error={text.error}
            onRetry={() => void text.refetch()}
            span={span}
          />
        </div>
      </div>
    </div>
  );
}
