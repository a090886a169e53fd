// A list's order in the query string: the defaults stay out of the URL (so old links keep their
// meaning), and anything the API would refuse, or the select could not name, is the default.
import { describe, expect, it } from "vitest";
import { defaultOrder, onlyOrder, orderFromParams, orderKey, withOrder } from "./listOrder";
import { ARTICLE_ORDERS, SOURCE_ORDERS } from "./sortMenus";

const read = (qs: string) => orderFromParams(new URLSearchParams(qs), ARTICLE_ORDERS);

describe("orderFromParams", () => {
  it("is the API's default order when the URL names none", () => {
    expect(read("")).toEqual({ sort: "updated", order: "desc" });
    expect(read("concept=rust&page=3")).toEqual(defaultOrder(ARTICLE_ORDERS));
  });

  it("gives a sort without a direction its natural one", () => {
    expect(read("sort=title")).toEqual({ sort: "title", order: "asc" });
    expect(read("sort=created")).toEqual({ sort: "created", order: "desc" });
    expect(read("sort=title&order=desc")).toEqual({ sort: "title", order: "desc" });
    expect(orderFromParams(new URLSearchParams("order=asc"), SOURCE_ORDERS)).toEqual({ sort: "created", order: "asc" });
  });

  it("falls back to the default for a value the API does not know", () => {
    expect(read("sort=popularity")).toEqual({ sort: "updated", order: "desc" });
    expect(read("sort=Title")).toEqual({ sort: "updated", order: "desc" });
    expect(read("sort=")).toEqual({ sort: "updated", order: "desc" });
    // An unknown direction is left out: the sort keeps its natural one.
    expect(read("sort=title&order=sideways")).toEqual({ sort: "title", order: "asc" });
  });

  it("falls back to the default for a valid order the select does not offer", () => {
    expect(read("sort=updated&order=asc")).toEqual({ sort: "updated", order: "desc" });
    expect(orderFromParams(new URLSearchParams("sort=status&order=desc"), SOURCE_ORDERS)).toEqual({
      sort: "created",
      order: "desc",
    });
  });
});

describe("withOrder", () => {
  const write = (qs: string, sort: "updated" | "created" | "title", order: "asc" | "desc") =>
    withOrder(new URLSearchParams(qs), ARTICLE_ORDERS, { sort, order }).toString();

  it("leaves the default sort and each sort's natural direction out", () => {
    expect(write("", "updated", "desc")).toBe("");
    expect(write("sort=title&order=desc", "updated", "desc")).toBe("");
    expect(write("", "title", "asc")).toBe("sort=title");
    expect(write("", "title", "desc")).toBe("sort=title&order=desc");
    expect(write("", "created", "desc")).toBe("sort=created");
    expect(write("", "created", "asc")).toBe("sort=created&order=asc");
    expect(withOrder(new URLSearchParams(), SOURCE_ORDERS, { sort: "created", order: "asc" }).toString()).toBe(
      "order=asc",
    );
  });

  it("keeps the rest of the query string", () => {
    expect(write("concept=rust&page=4", "title", "asc")).toBe("concept=rust&page=4&sort=title");
  });
});

describe("onlyOrder", () => {
  it("keeps the order and drops the filters", () => {
    expect(onlyOrder(new URLSearchParams("q=x&concept=rust&sort=title&order=desc&page=2")).toString()).toBe(
      "sort=title&order=desc",
    );
    expect(onlyOrder(new URLSearchParams("concept=rust")).toString()).toBe("");
  });
});

describe("orderKey", () => {
  it("names a sort and its direction in one option value", () => {
    expect(orderKey({ sort: "title", order: "asc" })).toBe("title:asc");
  });
});
