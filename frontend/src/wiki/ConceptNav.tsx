// The concept tree beside the wiki: every concept with its article count, narrower concepts
// under broader ones; picking one filters the list (the choice lives in the URL). Collapsible,
// and collapsed at first on narrow screens. The API sends every concept at once; a wiki with
// thousands of them is shown a page of top-level concepts (each with its narrower ones) at a
// time, the page kept in `?concepts_page=` beside the article list's own `?page=`. A name filter
// (`?concepts_q=`) and an order (`?concepts_sort=name`) find one among thousands.
import { useCallback, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { ConceptCount } from "../api/types";
import { ErrorBox, Loading } from "../components/common";
import Pager from "../components/Pager";
import { firstPage, formatCount, pageSlice } from "../components/paging";
import { useKeepPageInRange, usePage } from "../components/usePage";
import {
  CONCEPT_ORDERS,
  type ConceptBranch,
  conceptOrderFromParam,
  conceptTree,
  conceptsMatching,
  sortConcepts,
} from "./conceptTree";
import { conceptKey, withParam } from "./labels";
import SearchBox from "./SearchBox";

const WIDE = "(min-width: 860px)";

/** Where the concept list keeps its page: `?page=` is the article list's. */
export const CONCEPTS_PAGE_PARAM = "concepts_page";
/** The concept list's name filter and order, apart from the article list's `?q=` and `?sort=`. */
export const CONCEPTS_FILTER_PARAM = "concepts_q";
export const CONCEPTS_SORT_PARAM = "concepts_sort";

function startsOpen(): boolean {
  if (typeof window === "undefined" || typeof window.matchMedia !== "function") return true;
  return window.matchMedia(WIDE).matches;
}

export default function ConceptNav({
  concepts,
  loading,
  error,
  onRetry,
  active,
}: {
  concepts: ConceptCount[] | undefined;
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  /** The `?concept=` value. */
  active: string;
}) {
  const [params] = useSearchParams();
  const [open, setOpen] = useState(startsOpen);
  const activeKey = active ? conceptKey(active) : "";
  // Another concept filters the articles anew, so their list starts again at its first page;
  // this list stays on its own page.
  const hrefFor = (name: string) => {
    const next = firstPage(withParam(params, "concept", name));
    const qs = next.toString();
    return qs ? `/wiki?${qs}` : "/wiki";
  };
  const pager = usePage({ key: CONCEPTS_PAGE_PARAM });
  const order = conceptOrderFromParam(params.get(CONCEPTS_SORT_PARAM));
  const filterText = params.get(CONCEPTS_FILTER_PARAM) ?? "";
  const filtering = filterText !== "";
  // Sorted once per list and order, not again for every filter typed.
  const ordered = useMemo(() => (concepts ? sortConcepts(concepts, order) : []), [concepts, order]);
  const tree = useMemo(
    () => (filtering ? conceptsMatching(ordered, filterText) : conceptTree(ordered)),
    [ordered, filtering, filterText],
  );
  useKeepPageInRange(pager, concepts ? tree.length : undefined);
  const branches = pageSlice(tree, pager.page, pager.size);
  // A new filter or order starts the list again at its first page.
  const setListParam = (key: string, value: string, replace = false) =>
    pager.setFilters((prev) => withParam(prev, key, value), { replace });
  const commitFilter = useCallback(
    (q: string, replace: boolean) =>
      pager.setFilters((prev) => withParam(prev, CONCEPTS_FILTER_PARAM, q), { replace }),
    [pager],
  );

  return (
    <aside className="wiki-aside">
      <details className="wiki-concepts" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          Concepts{concepts ? <span className="muted"> ({concepts.length})</span> : null}
        </summary>
        {concepts && concepts.length > 0 ? (
          <div className="concept-tools">
            <SearchBox
              value={filterText}
              onCommit={commitFilter}
              label="Filter concepts"
              placeholder="Filter concepts"
              button="Filter"
              className="concept-filter"
            />
            <select
              aria-label="Sort concepts"
              value={order}
              onChange={(e) => setListParam(CONCEPTS_SORT_PARAM, e.target.value === "articles" ? "" : e.target.value)}
            >
              {CONCEPT_ORDERS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <nav aria-label="Concepts" id="concepts-top" tabIndex={-1}>
          {loading ? <Loading label="Loading concepts…" /> : null}
          {error ? <ErrorBox error={error} onRetry={onRetry} /> : null}
          {concepts && concepts.length === 0 ? <p className="muted small">No concepts yet.</p> : null}
          {concepts && concepts.length > 0 ? (
            // Always present, so that what a filter found is announced when it changes.
            <p className="muted small" role="status">
              {filtering
                ? tree.length === 0
                  ? `No concept’s name holds “${filterText}”.`
                  : `${formatCount(tree.length)} ${tree.length === 1 ? "concept matches" : "concepts match"} “${filterText}”.`
                : ""}
            </p>
          ) : null}
          {concepts && concepts.length > 0 ? (
            <ul className="concept-list">
              <li>
                <Link to={hrefFor("")} aria-current={activeKey === "" ? "true" : undefined} className="concept-link">
                  All concepts
                </Link>
              </li>
              {branches.map((b) => (
                <ConceptItem key={b.concept.name} branch={b} hrefFor={hrefFor} active={active} activeKey={activeKey} />
              ))}
            </ul>
          ) : null}
        </nav>
        {concepts && concepts.length > 0 ? (
          <Pager
            pager={pager}
            total={tree.length}
            shown={branches.length}
            noun={filtering ? "matching concepts" : "top-level concepts"}
            label="Pages of concepts"
            focusId="concepts-top"
          />
        ) : null}
      </details>
    </aside>
  );
}

function ConceptItem({
  branch,
  hrefFor,
  active,
  activeKey,
}: {
  branch: ConceptBranch;
  hrefFor: (name: string) => string;
  active: string;
  activeKey: string;
}) {
  const c = branch.concept;
  const isActive = activeKey !== "" && (c.name === activeKey || c.name === active);
  return (
    <li>
      <Link
        to={hrefFor(c.name)}
        className={isActive ? "concept-link active" : "concept-link"}
        aria-current={isActive ? "true" : undefined}
      >
        <span className="concept-name">{c.display_name}</span>{" "}
        <span className="concept-count muted">({c.article_count})</span>
      </Link>
      {branch.children.length > 0 ? (
        <ul className="concept-list concept-children">
          {branch.children.map((b) => (
            <ConceptItem key={b.concept.name} branch={b} hrefFor={hrefFor} active={active} activeKey={activeKey} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
