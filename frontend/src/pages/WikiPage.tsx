// Screen: the wiki. Search, filters, the order and the page (kept in the URL so a reload or a
// shared link keeps them), the article cards, and the concept list with counts.
import { useCallback, useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { CONFIDENCES, PAGE_TYPES } from "../api/types";
import { EmptyState, ErrorBox, Loading, useTitle } from "../components/common";
import { onlyOrder } from "../components/listOrder";
import Pager from "../components/Pager";
import { formatCount } from "../components/paging";
import { ARTICLE_ORDERS } from "../components/sortMenus";
import SortSelect from "../components/SortSelect";
import { useListOrder } from "../components/useListOrder";
import { useKeepPageInRange, usePage } from "../components/usePage";
import ArticleCard from "../wiki/ArticleCard";
import ConceptNav from "../wiki/ConceptNav";
import SearchBox from "../wiki/SearchBox";
import SearchResults from "../wiki/SearchResults";
import { conceptKey, filtersFromParams, hasFilters, withParam, type WikiFilters } from "../wiki/labels";

export default function WikiPage() {
  useTitle("Wiki");
  const [searchParams, setSearchParams] = useSearchParams();
  const filtersKey = searchParams.toString();
  const filters: WikiFilters = useMemo(() => filtersFromParams(new URLSearchParams(filtersKey)), [filtersKey]);
  const filtered = hasFilters(filters);
  const pager = usePage();
  const { setFilters } = pager;
  const sorting = useListOrder(ARTICLE_ORDERS, pager);
  const { sort, order } = sorting.order;

  const articles = useQuery({
    queryKey: ["articles", filters, { sort, order, offset: pager.offset, limit: pager.size }],
    queryFn: () => api.listArticles({ ...filters, sort, order, limit: pager.size, offset: pager.offset }),
    placeholderData: keepPreviousData,
    // A query goes to full-text search instead (ranked by relevance); the filters and the order
    // apply when browsing.
    enabled: !filters.q,
  });
  // While searching the list is not shown, and a previous page's answer has a stale total.
  const knownTotal = filters.q || articles.isPlaceholderData ? undefined : articles.data?.total;
  useKeepPageInRange(pager, knownTotal);
  const concepts = useQuery({ queryKey: ["concepts"], queryFn: api.listConcepts });

  const setParam = useCallback(
    (key: keyof WikiFilters, value: string, replace = false) => {
      setFilters((prev) => withParam(prev, key, value), { replace });
    },
    [setFilters],
  );
  const commitSearch = useCallback((q: string, replace: boolean) => setParam("q", q, replace), [setParam]);
  // The order stays: it filters nothing, and the next list is read in the order chosen.
  const clearFilters = () => setSearchParams((prev) => onlyOrder(prev));
  const toggleConcept = (displayName: string) => {
    const key = conceptKey(displayName);
    setParam("concept", filters.concept && conceptKey(filters.concept) === key ? "" : key);
  };

  const page = articles.data;
  const conceptItems = concepts.data?.items;
  const conceptOptions = useMemo(() => {
    const items = conceptItems ?? [];
    const options = items.map((c) => ({ value: c.name, label: `${c.display_name} (${c.article_count})` }));
    // Keep a concept from the URL selectable even before (or without) the list naming it.
    if (filters.concept && !items.some((c) => c.name === filters.concept)) {
      options.unshift({ value: filters.concept, label: filters.concept });
    }
    return options;
  }, [conceptItems, filters.concept]);

  return (
    <div className="wiki-page">
      <div className="wiki-head">
        <h1>Wiki</h1>
        <SearchBox value={filters.q} onCommit={commitSearch} />
        <div className="wiki-filters row" hidden={Boolean(filters.q)}>
          <select aria-label="Concept" value={filters.concept} onChange={(e) => setParam("concept", e.target.value)}>
            <option value="">All concepts</option>
            {conceptOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <select aria-label="Page type" value={filters.page_type} onChange={(e) => setParam("page_type", e.target.value)}>
            <option value="">All page types</option>
            {PAGE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <select
            aria-label="Confidence"
            value={filters.confidence}
            onChange={(e) => setParam("confidence", e.target.value)}
          >
            <option value="">Any confidence</option>
            {CONFIDENCES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <SortSelect menu={ARTICLE_ORDERS} state={sorting} label="Sort articles" />
          {filtered && !(page && page.total === 0) ? (
            <button type="button" onClick={clearFilters}>
              Clear filters
            </button>
          ) : null}
        </div>
      </div>

      <div className="wiki-layout">
        <section className="wiki-results" aria-label="Results" aria-busy={articles.isFetching}>
          {filters.q ? <SearchResults q={filters.q} onClear={clearFilters} /> : null}
          {!filters.q && articles.isPending ? <Loading label="Loading articles…" /> : null}
          {articles.isError ? <ErrorBox error={articles.error} onRetry={() => void articles.refetch()} /> : null}
          {page && !filters.q ? (
            <>
              <p id="wiki-total" className="wiki-total muted" role="status" tabIndex={-1}>
                {page.total === 0
                  ? "No articles"
                  : `${formatCount(page.total)} ${page.total === 1 ? "article" : "articles"}`}
                {filtered && page.total > 0 ? " match" : ""}
              </p>
              {page.total === 0 && !filtered ? (
                <EmptyState title="Your wiki is empty">
                  <p>
                    Add a source in the Inbox — a web page, a PDF or a note — and WikiMind compiles it into linked
                    articles that show up here.
                  </p>
                  <p>
                    <Link to="/" className="button primary">
                      Go to the Inbox
                    </Link>
                  </p>
                </EmptyState>
              ) : null}
              {page.total === 0 && filtered ? (
                <EmptyState title="No articles match">
                  <p>
                    Nothing matches
                    {filters.q ? (
                      <>
                        {" "}
                        “<strong>{filters.q}</strong>”
                      </>
                    ) : null}
                    {filters.q && (filters.concept || filters.page_type || filters.confidence)
                      ? " with these filters"
                      : !filters.q
                        ? " these filters"
                        : ""}
                    .
                  </p>
                  <p>
                    <button type="button" onClick={clearFilters}>
                      Clear filters
                    </button>
                  </p>
                </EmptyState>
              ) : null}
              {page.items.length > 0 ? (
                <ul aria-label="Articles" className="wiki-cards">
                  {page.items.map((a) => (
                    <li key={a.id}>
                      <ArticleCard article={a} activeConcept={filters.concept} onConcept={toggleConcept} />
                    </li>
                  ))}
                </ul>
              ) : null}
              {page.items.length === 0 && page.total > 0 ? (
                // A page past the end of a list that is not empty: it is being moved to the last page.
                <Loading label="Loading articles…" />
              ) : null}
              <Pager
                pager={pager}
                total={page.total}
                shown={page.items.length}
                noun="articles"
                label="Pages of articles"
                focusId="wiki-total"
                pending={articles.isPlaceholderData}
              />
            </>
          ) : null}
        </section>

        <ConceptNav
          concepts={conceptItems}
          loading={concepts.isPending}
          error={concepts.isError ? concepts.error : null}
          onRetry={() => void concepts.refetch()}
          active={filters.concept}
        />
      </div>
    </div>
  );
}
