// The Sort control on a paged list: it shows the order the URL asks for, and a new choice is
// written to the URL in the same navigation that returns the list to its first page.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router";
import SortSelect from "./SortSelect";
import { SOURCE_ORDERS } from "./sortMenus";
import { useListOrder } from "./useListOrder";
import { usePage } from "./usePage";

function SortedList() {
  const pager = usePage();
  const sorting = useListOrder(SOURCE_ORDERS, pager);
  const location = useLocation();
  return (
    <>
      <SortSelect menu={SOURCE_ORDERS} state={sorting} label="Sort sources" />
      <output data-testid="location">{location.pathname + location.search}</output>
    </>
  );
}

function renderAt(path: string) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <SortedList />
    </MemoryRouter>,
  );
  return {
    select: screen.getByRole("combobox", { name: "Sort sources" }) as HTMLSelectElement,
    location: () => screen.getByTestId("location").textContent,
  };
}

afterEach(cleanup);

describe("useListOrder with SortSelect", () => {
  it("offers every choice in plain words, the URL's one selected", () => {
    const { select } = renderAt("/?sort=title&order=desc");
    expect(Array.from(select.options, (o) => o.textContent)).toEqual([
      "Newest",
      "Oldest",
      "Recently changed",
      "Title A–Z",
      "Title Z–A",
      "Status",
    ]);
    expect(select.selectedOptions[0]?.textContent).toBe("Title Z–A");
  });

  it("shows the default for an order it does not know", () => {
    const { select } = renderAt("/?sort=bogus&order=up");
    expect(select.selectedOptions[0]?.textContent).toBe("Newest");
  });

  it("writes a new order to the URL and returns to page 1, keeping the filters", () => {
    const { select, location } = renderAt("/?status=failed&page=7");
    fireEvent.change(select, { target: { value: "title:asc" } });
    expect(location()).toBe("/?status=failed&sort=title");
    expect(select.selectedOptions[0]?.textContent).toBe("Title A–Z");

    fireEvent.change(select, { target: { value: "created:asc" } });
    expect(location()).toBe("/?status=failed&order=asc");

    // Back to the default: nothing of the order is left in the address.
    fireEvent.change(select, { target: { value: "created:desc" } });
    expect(location()).toBe("/?status=failed");
  });
});
