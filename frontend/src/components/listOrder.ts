// A list's order, kept in the URL's query string beside its filters and page: `?sort=` names
// what it is sorted by and `?order=` which way. Each is left out when it is the list's default,
// so the plain address, and every link written before lists could be sorted, keeps meaning the
// order the API uses when it is asked for none.
import { DIRECTIONS, type Direction } from "../api/types";
import { knownValue } from "./params";

export const SORT_PARAM = "sort";
export const ORDER_PARAM = "order";

/** What a list is sorted by, and which way. */
export interface ListOrder<S extends string> {
  sort: S;
  order: Direction;
}

/** One option of a list's Sort select: an order, in plain words. */
export interface SortChoice<S extends string> extends ListOrder<S> {
  label: string;
}

/** The orders a list offers, and the API's rules for what the URL leaves out. */
export interface SortMenu<S extends string> {
  /** Every sort the API knows for this list (checked against the generated schema). */
  sorts: readonly S[];
  /** The sort the API uses when none is asked for. */
  defaultSort: S;
  /** The direction the API gives each sort when none is asked for: times newest first, names
   * from A. A `Record`, so a sort added on the server fails the type check until it has one. */
  natural: Record<S, Direction>;
  /** The options of the select, in the order it lists them; one of them is the default order. */
  choices: readonly SortChoice<S>[];
}

/** The order the API uses when it is asked for none. */
export function defaultOrder<S extends string>(menu: SortMenu<S>): ListOrder<S> {
  return { sort: menu.defaultSort, order: menu.natural[menu.defaultSort] };
}

/** The value of a select option: one string for the pair, since a select holds one. */
export function orderKey(order: ListOrder<string>): string {
  return `${order.sort}:${order.order}`;
}

/** The choice an option's value names, if the menu offers it. */
export function choiceByKey<S extends string>(menu: SortMenu<S>, key: string): SortChoice<S> | undefined {
  return menu.choices.find((choice) => orderKey(choice) === key);
}

/**
 * The order `params` ask for. The query string is typed by hand, shared and bookmarked: an
 * unknown `sort` or `order` counts as absent rather than being sent on (where it would only come
 * back as a 400), and a valid pair the menu does not offer is the default order, so the select
 * always names the order the list is in.
 */
export function orderFromParams<S extends string>(params: URLSearchParams, menu: SortMenu<S>): ListOrder<S> {
  const sort: S = knownValue(params.get(SORT_PARAM), menu.sorts) || menu.defaultSort;
  const order: Direction = knownValue(params.get(ORDER_PARAM), DIRECTIONS) || menu.natural[sort];
  const key = orderKey({ sort, order });
  return choiceByKey(menu, key) ? { sort, order } : defaultOrder(menu);
}

/** A copy of `params` asking for `order`, each part left out when it is what the API assumes. */
export function withOrder<S extends string>(
  params: URLSearchParams,
  menu: SortMenu<S>,
  order: ListOrder<S>,
): URLSearchParams {
  const next = new URLSearchParams(params);
  if (order.sort === menu.defaultSort) next.delete(SORT_PARAM);
  else next.set(SORT_PARAM, order.sort);
  if (order.order === menu.natural[order.sort]) next.delete(ORDER_PARAM);
  else next.set(ORDER_PARAM, order.order);
  return next;
}

/** Only the order of `params`: what clearing a list's filters keeps, since an order filters nothing. */
export function onlyOrder(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams();
  for (const key of [SORT_PARAM, ORDER_PARAM]) {
    const value = params.get(key);
    if (value !== null) next.set(key, value);
  }
  return next;
}
