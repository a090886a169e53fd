// The Jobs screen's `?status=` filter: a known status is sent to the API, an unknown one is
// ignored (all jobs) instead of producing a 400 from the gateway.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api } from "../api/client";
import JobsPage from "./JobsPage";

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <JobsPage />
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
    expect(list).toHaveBeenCalledWith({ status: "failed", limit: 100 });
  });

  it("ignores an unknown status", async () => {
    const list = vi.spyOn(api, "listJobs").mockResolvedValue({ items: [], total: 0 });
    renderAt("/jobs?status=exploded");
    expect(await screen.findByText("No jobs yet")).toBeTruthy();
    expect(list).toHaveBeenCalledWith({ status: "", limit: 100 });
    expect((screen.getByRole("combobox", { name: "Filter jobs by status" }) as HTMLSelectElement).value).toBe("");
  });
});
