// The one re-compile used by the Inbox, the source screen and the article: it queues each source,
// forgets their stale live lines, and refetches every cached view of them, also after a failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api, ApiError } from "./client";
import type { Job } from "./types";
import { useRecompile } from "./mutations";
import { LiveContext } from "../live/context";
import { LiveEvents } from "../live/events";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const job = { id: "j" } as Job;

function setup(withLive: boolean) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  for (const key of [["sources", {}], ["source", "s1"], ["source", "s2"], ["source", "other"], ["jobs", {}], ["article", "x"]]) {
    client.setQueryData(key, {});
  }
  const live = new LiveEvents(client);
  live.stages.set("s1", { stage: "compiled", message: "", at: "2025-01-01T00:00:00Z" });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>
      {withLive ? <LiveContext.Provider value={live}>{children}</LiveContext.Provider> : children}
    </QueryClientProvider>
  );
  const { result } = renderHook(() => useRecompile(), { wrapper });
  const stale = (key: unknown[]) => client.getQueryState(key)?.isInvalidated;
  return { result, live, stale };
}

describe("useRecompile", () => {
  it("queues each source and refetches the lists, the sources, the jobs and the articles", async () => {
    const recompile = vi.spyOn(api, "recompileSource").mockResolvedValue({ job });
    const { result, live, stale } = setup(true);
    await act(async () => {
      await result.current.mutateAsync(["s1", "s2"]);
    });
    expect(recompile.mock.calls.map((c) => c[0])).toEqual(["s1", "s2"]);
    expect(live.stages.has("s1")).toBe(false);
    for (const key of [["sources", {}], ["source", "s1"], ["source", "s2"], ["jobs", {}], ["article", "x"]]) {
      expect(stale(key), JSON.stringify(key)).toBe(true);
    }
    expect(stale(["source", "other"])).toBe(false);
  });

  it("still refetches when a later source fails, and works without a live connection", async () => {
    vi.spyOn(api, "recompileSource")
      .mockResolvedValueOnce({ job })
      .mockRejectedValueOnce(new ApiError(409, "conflict", "already running"));
    const { result, stale } = setup(false);
    act(() => result.current.mutate(["s1", "s2"]));
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(stale(["source", "s1"])).toBe(true);
    expect(stale(["sources", {}])).toBe(true);
  });
});
