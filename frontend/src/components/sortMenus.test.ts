// Every list's menu: its first choice is what the plain address means, and each choice survives
// the trip through the URL (written, then read back as the same order).
import { describe, expect, it } from "vitest";
import { defaultOrder, orderFromParams, orderKey, withOrder, type SortMenu } from "./listOrder";
import { ARTICLE_ORDERS, JOB_ORDERS, SOURCE_ORDERS } from "./sortMenus";

const MENUS: [string, SortMenu<string>][] = [
  ["articles", ARTICLE_ORDERS],
  ["sources", SOURCE_ORDERS],
  ["jobs", JOB_ORDERS],
];

describe.each(MENUS)("the %s menu", (_name, menu) => {
  it("lists the API's default order first", () => {
    const first = menu.choices[0];
    expect(first && { sort: first.sort, order: first.order }).toEqual(defaultOrder(menu));
  });

  it("offers each order once, under a label of its own", () => {
    expect(new Set(menu.choices.map(orderKey)).size).toBe(menu.choices.length);
    expect(new Set(menu.choices.map((c) => c.label)).size).toBe(menu.choices.length);
  });

  it("reads every choice back from the URL it writes", () => {
    for (const choice of menu.choices) {
      const params = withOrder(new URLSearchParams(), menu, choice);
      expect(orderFromParams(params, menu), choice.label).toEqual({ sort: choice.sort, order: choice.order });
    }
  });
});
