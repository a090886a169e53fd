// The Inbox's list of sources with their live stage, a status filter kept in `?status=`, the
// order in `?sort=` and `?order=`, the page in `?page=`, and the loading, error and empty states.
import { useId, useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { useRecompile } from "../api/mutations";
import { SOURCE_STATUSES, type Source } from "../api/types";
import { Badge, EmptyState, ErrorBox, Loading } from "../components/common";
import { dateTime, timeAgo } from "../components/format";
import Pager from "../components/Pager";
import { formatCount } from "../components/paging";
import { SOURCE_ORDERS } from "../components/sortMenus";
import SortSelect from "../components/SortSelect";
import { useListOrder } from "../components/useListOrder";
import { useKeepPageInRange, usePage } from "../components/usePage";
import { useStageLine } from "../live/context";
import { isFinished, stageLabel, stageProgress } from "../live/stages";
import { errorMessage, useNow } from "./hooks";
import {
  effectiveStage,
  failureText,
  kindLabel,
  sourceTitle,
  stageText,
  statusFromParam,
  urlHost,
  withStatus,
} from "./sourceView";

function ArticleLinks({ ids }: { ids: string[] }) {
  if (ids.length === 0) return null;
  if (ids.length === 1) {
    return (
      <p className="source-item-articles">
        <Link to={`/wiki/${encodeURIComponent(ids[0] ?? "")}`}>Read the article</Link>
      </p>
    );
  }
  return (
    <p className="source-item-articles">
      Articles:{" "}
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 ? ", " : null}
          <Link to={`/wiki/${encodeURIComponent(id)}`}>Article {i + 1}</Link>
        </span>
      ))}
    </p>
  );
}

function SourceItem({ source, now, known }: { source: Source; now: number; known: Map<string, Source> }) {
  const titleId = useId();
  const line = useStageLine(source.id);
  const stage = effectiveStage(source, line);
  const title = sourceTitle(source);
  const host = source.title ? urlHost(source.url) : null;
  const retry = useRecompile();
  const original = source.duplicate_of ? known.get(source.duplicate_of) : undefined;

  return (
    <li className="source-item" data-source-id={source.id} data-status={stage}>
      <div className="source-item-head">
        <Badge kind="kind">{kindLabel(source.kind)}</Badge>
        <Link id={titleId} className="source-item-title" to={`/sources/${source.id}`}>
          {title}
        </Link>
        <Badge kind={stage}>{stageLabel(stage)}</Badge>
      </div>

      {!isFinished(stage) ? (
        <div className="source-item-stage">
          <span className="source-item-stage-text">{stageText(stage, line)}</span>
          <progress max={1} value={stageProgress(stage)} aria-label={`Progress of ${title}`} />
        </div>
      ) : null}

      {stage === "failed" ? (
        <div className="source-item-failure">
          <p className="error-text">{failureText(source, line)}</p>
          <button type="button" onClick={() => retry.mutate([source.id])} disabled={retry.isPending} aria-describedby={titleId}>
            Retry
          </button>
          {retry.isError ? (
            <p className="error-text small" role="alert">
              Could not retry: {errorMessage(retry.error)}
            </p>
          ) : null}
        </div>
      ) : null}

      {stage === "compiled" ? <ArticleLinks ids={source.article_ids} /> : null}

      {source.duplicate_of ? (
        <p className="small source-item-duplicate">
          Duplicate of{" "}
          <Link to={`/sources/${source.duplicate_of}`}>{original ? sourceTitle(original) : "another source"}</Link>
        </p>
      ) : null}

      <p className="source-item-meta muted small">
        {host ? <span className="source-item-host">{host}</span> : null}
        <time dateTime={source.created_at} title={dateTime(source.created_at)}>
          {timeAgo(source.created_at, now)}
        </time>
      </p>
    </li>
  );
}

export default function SourceList() {
  const [searchParams] = useSearchParams();
  const status = statusFromParam(searchParams.get("status"));
  const pager = usePage();
  const sorting = useListOrder(SOURCE_ORDERS, pager);
  const { sort, order } = sorting.order;
  const now = useNow();
  const sources = useQuery({
    queryKey: ["sources", { status, sort, order, offset: pager.offset, limit: pager.size }],
    queryFn: () => api.listSources({ status, sort, order, limit: pager.size, offset: pager.offset }),
    placeholderData: keepPreviousData,
  });
  useKeepPageInRange(pager, sources.isPlaceholderData ? undefined : sources.data?.total);

  const items = sources.data?.items;
  const known = useMemo(() => new Map((items ?? []).map((s) => [s.id, s])), [items]);
  const setStatus = (value: string) => pager.setFilters((prev) => withStatus(prev, statusFromParam(value)));

  let body;
  if (sources.isPending) {
    body = <Loading label="Loading sources…" />;
  } else if (sources.isError && !sources.data) {
    body = <ErrorBox error={sources.error} onRetry={() => void sources.refetch()} />;
  } else if ((!items || items.length === 0) && (sources.data?.total ?? 0) > 0) {
    // A page past the end of a list that is not empty: it is being moved to the last page.
    body = <Loading label="Loading sources…" />;
  } else if (!items || items.length === 0) {
    body = status ? (
      <EmptyState title={`No ${stageLabel(status).toLowerCase()} sources`}>
        <p>Nothing matches this filter right now.</p>
        <button type="button" onClick={() => setStatus("")}>
          Show all sources
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="Drop a PDF here or paste a link">
        <p>
          Your library is empty. Add a web page, a PDF, a markdown file or a note: WikiMind keeps the original and
          compiles it into wiki articles with summaries, key claims and links.
        </p>
      </EmptyState>
    );
  } else {
    body = (
      <>
        {sources.isError ? <ErrorBox error={sources.error} onRetry={() => void sources.refetch()} /> : null}
        <ul className="source-list" aria-label="Sources" aria-busy={sources.isFetching && sources.isPlaceholderData}>
          {items.map((s) => (
            <SourceItem key={s.id} source={s} now={now} known={known} />
          ))}
        </ul>
        <Pager
          pager={pager}
          total={sources.data?.total ?? items.length}
          shown={items.length}
          noun="sources"
          label="Pages of sources"
          focusId="sources-heading"
          pending={sources.isPlaceholderData}
        />
      </>
    );
  }

  return (
    <section className="sources" aria-labelledby="sources-heading">
      <div className="sources-head">
        <h2 id="sources-heading" tabIndex={-1}>
          Sources
        </h2>
        {sources.data && sources.data.total > 0 ? (
          <span className="muted small">({formatCount(sources.data.total)})</span>
        ) : null}
        <span className="spacer" />
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          {SOURCE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {stageLabel(s)}
            </option>
          ))}
        </select>
        <SortSelect menu={SOURCE_ORDERS} state={sorting} label="Sort sources" />
      </div>
      {body}
    </section>
  );
}
