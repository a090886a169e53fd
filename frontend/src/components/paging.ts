// Page arithmetic and the page's place in the URL, shared by every paged list. Pages are counted
// from 1 as people count them; the API wants an offset, which is derived here and nowhere else.

/** Items per page. The API accepts at most 200 per request; 100 keeps a page quick to render. */
export const PAGE_SIZE = 100;

/** The query-string key a list keeps its page in, unless it names its own. */
export const PAGE_PARAM = "page";

/** `?page=` as a page number; anything that is not a whole number from 1 up means page 1. */
export function pageFromParam(value: string | null): number {
  // Typed by hand, shared and bookmarked: "2.5", "-1", "abc" or "1e9x" must not reach the API.
  if (value === null || !/^\d{1,9}$/.test(value.trim())) return 1;
  const page = Number(value.trim());
  return page >= 1 ? page : 1;
}

/** How many pages `total` items fill; an empty list still has its one (empty) page. */
export function pageCount(total: number, size: number = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(Math.max(0, total) / size));
}

/** `page` moved into 1…last. */
export function clampPage(page: number, total: number, size: number = PAGE_SIZE): number {
  return Math.min(Math.max(1, Math.floor(page)), pageCount(total, size));
}

/** The API's `offset` of the first item of `page`. */
export function pageOffset(page: number, size: number = PAGE_SIZE): number {
  return (Math.max(1, page) - 1) * size;
}

/** The items of `page` out of a list that is already all in memory. */
export function pageSlice<T>(items: readonly T[], page: number, size: number = PAGE_SIZE): T[] {
  const start = pageOffset(page, size);
  return items.slice(start, start + size);
}

const count = new Intl.NumberFormat("en-US");

/** "10,000": totals run into the thousands, and unseparated digits are hard to read. */
export function formatCount(n: number): string {
  return count.format(n);
}

/** "Showing 101–200 of 10,000 sources" for the `shown` items that start at `offset`; "" for none. */
export function rangeText(offset: number, shown: number, total: number, noun?: string): string {
  if (shown <= 0 || total <= 0) return "";
  const range = `Showing ${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(total)}`;
  return noun ? `${range} ${noun}` : range;
}

/** A copy of `params` on `page`; page 1 leaves the key out, so the plain address is the first page. */
export function withPage(params: URLSearchParams, page: number, key: string = PAGE_PARAM): URLSearchParams {
  const next = new URLSearchParams(params);
  if (page > 1) next.set(key, String(Math.floor(page)));
  else next.delete(key);
  return next;
}

/** A copy of `params` back on the first page: what every filter change goes through, because
 * page 7 of one filter is an arbitrary slice (or nothing at all) of another. */
export function firstPage(params: URLSearchParams, key: string = PAGE_PARAM): URLSearchParams {
  return withPage(params, 1, key);
}
