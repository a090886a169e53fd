// The shared pager with its URL state, on a small list of numbers that stands in for the API:
// the page lives in `?page=`, the buttons stop at the ends, a filter change returns to page 1,
// and a page past the end moves back to the last one.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, useLocation, useNavigate, useSearchParams } from "react-router";
import Pager from "./Pager";
import { pageSlice } from "./paging";
import { useKeepPageInRange, usePage } from "./usePage";

afterEach(cleanup);

/** A list of `total` numbers (or only the even ones under `?even=1`), paged like a screen pages the API's. */
function NumberList({ total }: { total: number }) {
  const [params] = useSearchParams();
  const even = params.get("even") === "1";
  const pager = usePage();
  const all = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !even || n % 2 === 0);
  useKeepPageInRange(pager, all.length);
  const shown = pageSlice(all, pager.page, pager.size);
  return (
    <>
      <h2 id="top" tabIndex={-1}>
        Numbers
      </h2>
      <label>
        <input
          type="checkbox"
          checked={even}
          onChange={(e) => pager.setFilters((prev) => {
            const next = new URLSearchParams(prev);
            if (e.target.checked) next.set("even", "1");
            else next.delete("even");
            return next;
          })}
        />
        Even only
      </label>
      <ul aria-label="Numbers">
        {shown.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <Pager pager={pager} total={all.length} shown={shown.length} noun="numbers" label="Pages of numbers" focusId="top" />
    </>
  );
}

function Probe() {
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <output data-testid="location">{location.pathname + location.search}</output>
      <button type="button" onClick={() => void navigate(-1)}>
        Back
      </button>
    </>
  );
}

function renderAt(path: string, total: number) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <NumberList total={total} />
      <Probe />
    </MemoryRouter>,
  );
}

const location = () => screen.getByTestId("location").textContent;
const pagerNav = () => screen.getByRole("navigation", { name: "Pages of numbers" });
const button = (name: string) => within(pagerNav()).getByRole("button", { name }) as HTMLButtonElement;
const firstItem = () => within(screen.getByRole("list", { name: "Numbers" })).getAllByRole("listitem")[0]?.textContent;

describe("Pager", () => {
  it("starts on the first page with first and previous disabled", () => {
    renderAt("/", 10_000);
    expect(within(pagerNav()).getByRole("status").textContent).toBe("Showing 1–100 of 10,000 numbers");
    expect(button("First page").disabled).toBe(true);
    expect(button("Previous page").disabled).toBe(true);
    expect(button("Next page").disabled).toBe(false);
    expect(button("Last page").disabled).toBe(false);
    expect(within(pagerNav()).getByText(/of 100/)).toBeTruthy();
  });

  it("keeps the page in the URL and moves by one, to the ends, and back in history", async () => {
    renderAt("/?even=0", 10_000);
    fireEvent.click(button("Next page"));
    expect(location()).toBe("/?even=0&page=2");
    expect(screen.getByText("Showing 101–200 of 10,000 numbers")).toBeTruthy();
    expect(firstItem()).toBe("101");
    // Focus goes to the top of the list, so the new page is read from its start.
    expect(document.activeElement?.id).toBe("top");

    fireEvent.click(button("Last page"));
    expect(location()).toBe("/?even=0&page=100");
    expect(screen.getByText("Showing 9,901–10,000 of 10,000 numbers")).toBeTruthy();
    expect(button("Next page").disabled).toBe(true);
    expect(button("Last page").disabled).toBe(true);

    fireEvent.click(button("Previous page"));
    expect(location()).toBe("/?even=0&page=99");

    // Every move was its own history entry.
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await waitFor(() => expect(location()).toBe("/?even=0&page=100"));

    // The first page is the plain address.
    fireEvent.click(button("First page"));
    expect(location()).toBe("/?even=0");
    expect(firstItem()).toBe("1");
  });

  it("opens on the page the URL names (a reload or a shared link)", () => {
    renderAt("/?page=2", 105);
    expect(firstItem()).toBe("101");
    expect(screen.getByText("Showing 101–105 of 105 numbers")).toBeTruthy();
    expect(button("Next page").disabled).toBe(true);
    expect(button("Previous page").disabled).toBe(false);
  });

  it("jumps to a typed page number, kept within the pages there are", () => {
    renderAt("/", 10_000);
    const box = within(pagerNav()).getByRole("spinbutton", { name: "Page number" }) as HTMLInputElement;
    expect(box.value).toBe("1");
    fireEvent.change(box, { target: { value: "42" } });
    fireEvent.click(button("Go to page"));
    expect(location()).toBe("/?page=42");
    expect(firstItem()).toBe("4101");
    const moved = within(pagerNav()).getByRole("spinbutton", { name: "Page number" }) as HTMLInputElement;
    expect(moved.value).toBe("42");
    fireEvent.change(moved, { target: { value: "5000" } });
    fireEvent.submit(moved.closest("form") as HTMLFormElement);
    expect(location()).toBe("/?page=100");
  });

  it("returns to the first page when a filter changes", () => {
    renderAt("/?page=3", 1_000);
    expect(firstItem()).toBe("201");
    fireEvent.click(screen.getByRole("checkbox", { name: "Even only" }));
    expect(location()).toBe("/?even=1");
    expect(firstItem()).toBe("2");
    expect(screen.getByText("Showing 1–100 of 500 numbers")).toBeTruthy();
  });

  it("moves a page past the end to the last page, replacing the history entry", async () => {
    renderAt("/?page=50", 250);
    await waitFor(() => expect(location()).toBe("/?page=3"));
    expect(firstItem()).toBe("201");
  });

  it("a bad page number is the first page", () => {
    renderAt("/?page=abc", 250);
    expect(firstItem()).toBe("1");
  });

  it("is not shown while the list fits on one page", () => {
    renderAt("/", 100);
    expect(screen.queryByRole("navigation", { name: "Pages of numbers" })).toBeNull();
  });

  it("names no range while the page asked for is still loading", () => {
    // The previous page stays on screen meanwhile; "Showing 101–200" would describe items not shown yet.
    const goTo = vi.fn();
    const pager = { page: 2, size: 100, offset: 100, goTo, setFilters: vi.fn() };
    render(<Pager pager={pager} total={10_000} shown={100} label="Pages of numbers" pending />);
    expect(within(pagerNav()).getByRole("status").textContent).toBe("Loading page 2…");
    fireEvent.click(button("Next page"));
    expect(goTo).toHaveBeenCalledWith(3);
  });
});
