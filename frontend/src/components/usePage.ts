// A list's page, kept in the URL's query string like its filters: a reload, a shared link and
// the Back button all land on the same page.
import { useCallback, useEffect, useMemo } from "react";
import { useSearchParams, type NavigateOptions } from "react-router";
import { PAGE_PARAM, PAGE_SIZE, firstPage, pageCount, pageFromParam, pageOffset, withPage } from "./paging";

export interface PageState {
  /** 1-based, as read from the URL. */
  page: number;
  size: number;
  /** The API's `offset` of this page. */
  offset: number;
  /** Moves to `page`; a history entry of its own unless `replace`, so Back returns to the last page seen. */
  goTo: (page: number, options?: NavigateOptions) => void;
  /** Applies a filter change to the query string and, in the same navigation, returns to page 1. */
  setFilters: (change: (params: URLSearchParams) => URLSearchParams, options?: NavigateOptions) => void;
}

export function usePage({ key = PAGE_PARAM, size = PAGE_SIZE }: { key?: string; size?: number } = {}): PageState {
  const [params, setParams] = useSearchParams();
  const page = pageFromParam(params.get(key));
  const goTo = useCallback(
    (next: number, options?: NavigateOptions) => setParams((prev) => withPage(prev, next, key), options),
    [setParams, key],
  );
  const setFilters = useCallback(
    (change: (params: URLSearchParams) => URLSearchParams, options?: NavigateOptions) =>
      setParams((prev) => firstPage(change(prev), key), options),
    [setParams, key],
  );
  return useMemo(
    () => ({ page, size, offset: pageOffset(page, size), goTo, setFilters }),
    [page, size, goTo, setFilters],
  );
}

/**
 * Moves a page past the end (an old bookmark, a hand-typed `?page=`, or items deleted meanwhile)
 * back to the last page, replacing the history entry so Back does not return to the empty one.
 * `total` is undefined while it is unknown or stale (a previous page's answer shown meanwhile).
 */
export function useKeepPageInRange({ page, size, goTo }: PageState, total: number | undefined) {
  useEffect(() => {
    if (total === undefined) return;
    const last = pageCount(total, size);
    if (page > last) goTo(last, { replace: true });
  }, [page, size, goTo, total]);
}
