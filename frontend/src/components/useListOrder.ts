// A paged list's order, read from the URL and changed through its pager: a new order starts
// again at page 1, because page 7 of one order is an arbitrary slice of another.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { choiceByKey, orderFromParams, withOrder, type ListOrder, type SortMenu } from "./listOrder";
import type { PageState } from "./usePage";

export interface OrderState<S extends string> {
  /** The order the URL asks for, checked against the menu. */
  order: ListOrder<S>;
  /** Switches to the choice an option's value names, in the same navigation as the return to page 1. */
  choose: (key: string) => void;
}

export function useListOrder<S extends string>(menu: SortMenu<S>, { setFilters }: PageState): OrderState<S> {
  const [params] = useSearchParams();
  const { sort, order: direction } = orderFromParams(params, menu);
  // One object per order, not per render: screens key their queries and memos on it.
  const order = useMemo(() => ({ sort, order: direction }), [sort, direction]);
  const choose = useCallback(
    (key: string) => {
      const choice = choiceByKey(menu, key);
      if (choice) setFilters((prev) => withOrder(prev, menu, choice));
    },
    [menu, setFilters],
  );
  return useMemo(() => ({ order, choose }), [order, choose]);
}
