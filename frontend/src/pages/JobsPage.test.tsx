// The Jobs screen's `?status=` filter: a known status is sent to the API, an unknown one is
// ignored (all jobs) instead of producing a 400 from the gateway; every job is reached a page
// at a time from the API.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Job } from "../api/types";
import { pagedList } from "../test/pagedList";
import JobsPage from "./JobsPage";

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

function job(n: number): Job {
  return {
    id: `j${n}`,
    kind: "ingest_source",
    status: "succeeded",
    source_id: null,
    article_id: null,
    attempts: 1,
    progress: 1,
    message: null,
    error: null,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
  };
}

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <JobsPage />
        <LocationProbe />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe("JobsPage retry", () => {
  it("offers Retry on a failed job, which re-compiles its source", async () => {
    vi.spyOn(api, "listJobs").mockResolvedValue({
      items: [
        {
          id: "j1",
          kind: "ingest_source",
          status: "failed",
          source_id: "s1",
          article_id: null,
          attempts: 3,
          progress: 0,
          message: null,
          error: "the worker stopped while processing this source 3 times",
          created_at: new Date().toISOString(),
          started_at: null,
          finished_at: null,
        },
      ],
      total: 1,
    });
    const recompile = vi.spyOn(api, "recompileSource").mockResolvedValue({} as never);
    renderAt("/jobs");
    expect(await screen.findByText("the worker stopped while processing this source 3 times")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(recompile).toHaveBeenCalledWith("s1"));
  });
});

describe("JobsPage status filter", () => {
  it("sends a known status", async () => {
    const list = vi.spyOn(api, "listJobs").mockResolvedValue({ items: [], total: 0 });
    renderAt("/jobs?status=failed");
    expect(await screen.findByText("No failed jobs")).toBeTruthy();
    expect(list).toHaveBeenCalledWith({ status: "failed", sort: "created", order: "desc", limit: 100, offset: 0 });
  });

  it("ignores an unknown status", async () => {
    const list = vi.spyOn(api, "listJobs").mockResolvedValue({ items: [], total: 0 });
    renderAt("/jobs?status=exploded");
    expect(await screen.findByText("No jobs yet")).toBeTruthy();
    expect(list).toHaveBeenCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 0 });
    expect((screen.getByRole("combobox", { name: "Filter jobs by status" }) as HTMLSelectElement).value).toBe("");
  });
});

describe("JobsPage paging", () => {
  it("asks the API for each page and keeps the page in the URL", async () => {
    const list = vi
      .spyOn(api, "listJobs")
      .mockImplementation(pagedList(250, job));
    renderAt("/jobs?status=succeeded");
    const pages = await screen.findByRole("navigation", { name: "Pages of jobs" });
    expect(list).toHaveBeenCalledWith({ status: "succeeded", sort: "created", order: "desc", limit: 100, offset: 0 });
    const rows = () => screen.getByRole("table", { name: "Recent jobs" }).querySelectorAll("tbody tr");
    expect(rows()).toHaveLength(100);
    expect(within(pages).getByRole("status").textContent).toBe("Showing 1–100 of 250 jobs");

    fireEvent.click(within(pages).getByRole("button", { name: "Last page" }));
    expect(screen.getByTestId("location").textContent).toBe("/jobs?status=succeeded&page=3");
    await waitFor(() => expect(rows()[0]?.getAttribute("data-job-id")).toBe("j201"));
    expect(list).toHaveBeenLastCalledWith({ status: "succeeded", sort: "created", order: "desc", limit: 100, offset: 200 });
    expect(rows()).toHaveLength(50);
    expect(within(pages).getByRole("status").textContent).toBe("Showing 201–250 of 250 jobs");

    fireEvent.change(screen.getByRole("combobox", { name: "Filter jobs by status" }), { target: { value: "" } });
    expect(screen.getByTestId("location").textContent).toBe("/jobs");
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 0 }));
  });

  it("shows no pager for a short list", async () => {
    vi.spyOn(api, "listJobs").mockResolvedValue({ items: [job(1), job(2)], total: 2 });
    renderAt("/jobs");
    await screen.findByRole("table", { name: "Recent jobs" });
    expect(screen.queryByRole("navigation", { name: "Pages of jobs" })).toBeNull();
  });
});

describe("JobsPage sort", () => {
  it("sends the chosen order and starts again at page 1", async () => {
    const list = vi
      .spyOn(api, "listJobs")
      .mockImplementation(pagedList(250, job));
    renderAt("/jobs?status=succeeded&page=2");
    await screen.findByRole("navigation", { name: "Pages of jobs" });
    expect(list).toHaveBeenCalledWith({ status: "succeeded", sort: "created", order: "desc", limit: 100, offset: 100 });
    const select = screen.getByRole("combobox", { name: "Sort jobs" }) as HTMLSelectElement;
    expect(Array.from(select.options, (o) => o.textContent)).toEqual(["Newest", "Oldest", "Status"]);

    fireEvent.change(select, { target: { value: "status:asc" } });
    expect(screen.getByTestId("location").textContent).toBe("/jobs?status=succeeded&sort=status");
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith({ status: "succeeded", sort: "status", order: "asc", limit: 100, offset: 0 }),
    );
  });

  it("reads the order from the URL, and the default for one it does not know", async () => {
    const list = vi.spyOn(api, "listJobs").mockResolvedValue({ items: [job(1)], total: 1 });
    renderAt("/jobs?order=asc");
    await screen.findByRole("table", { name: "Recent jobs" });
    expect(list).toHaveBeenCalledWith({ status: "", sort: "created", order: "asc", limit: 100, offset: 0 });
    expect((screen.getByRole("combobox", { name: "Sort jobs" }) as HTMLSelectElement).selectedOptions[0]?.textContent).toBe(
      "Oldest",
    );
    cleanup();

    list.mockClear();
    renderAt("/jobs?sort=priority&order=sideways");
    await screen.findByRole("table", { name: "Recent jobs" });
    expect(list).toHaveBeenCalledWith({ status: "", sort: "created", order: "desc", limit: 100, offset: 0 });
  });
});
