// The live store: frames are parsed defensively, each event invalidates exactly the cached data it
// changes (data cached before the event is what must go stale), stage lines are replaced per
// source and bounded, and every socket open refetches what events may have been missed.
import { afterEach, describe, expect, it, vi } from "vitest";
import { QueryClient } from "@tanstack/react-query";
import { applyEvent, LiveEvents, parseEvent, reconnectDelay, rememberStage, type StageLine } from "./events";
import { FakeSocket } from "./fakeSocket";
import type { Job, Source } from "../api/types";

const source: Source = {
  id: "s1", kind: "text", title: "Bees", url: null, author: null, published: null, status: "compiled",
  error: null, content_hash: null, original_mime: null, byte_size: null, page_count: null,
  duplicate_of: null, created_at: "2026-11-24T00:00:00Z", updated_at: "2026-11-24T00:00:00Z",
  compiled_at: null, article_ids: ["a1"],
};

const job: Job = {
  id: "j", kind: "ingest_source", status: "running", source_id: null, article_id: null, attempts: 1,
  progress: 0.5, message: null, error: null, created_at: "t", started_at: "t", finished_at: null,
};

const line = (stage: StageLine["stage"], at = "t"): StageLine => ({ stage, message: "", at });

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.opened = [];
});

describe("parseEvent", () => {
  it("accepts objects with a type and ignores anything else", () => {
    expect(parseEvent('{"type":"hello","version":"1"}')).toEqual({ type: "hello", version: "1" });
    expect(parseEvent("not json")).toBeNull();
    expect(parseEvent('"a string"')).toBeNull();
    expect(parseEvent("{}")).toBeNull();
    expect(parseEvent(new ArrayBuffer(2))).toBeNull();
  });
});

describe("applyEvent", () => {
  it("records progress and writes updated sources into the cache", () => {
    const client = new QueryClient();
    const stages = new Map<string, StageLine>();
    const changed = applyEvent(
      client,
      { type: "source.progress", id: "e1", timestamp: "t", source_id: "s1", stage: "extracting", message: "reading" },
      stages,
    );
    expect(changed).toBe(true);
    const first = stages.get("s1");
    expect(first?.stage).toBe("extracting");
    applyEvent(client, { type: "source.updated", id: "e2", timestamp: "t2", source }, stages);
    expect(client.getQueryData(["source", "s1"])).toEqual(source);
    expect(stages.get("s1")?.stage).toBe("compiled");
    // A new object, never the old one mutated: `useStageLine` compares by identity.
    expect(stages.get("s1")).not.toBe(first);
    expect(first?.stage).toBe("extracting");
  });

  it("marks article, concept and job data cached before the event stale", () => {
    const client = new QueryClient();
    client.setQueryData(["articles", {}], { items: [], total: 0 });
    client.setQueryData(["article", "a"], { id: "a" });
    client.setQueryData(["concepts"], { items: [], total: 0 });
    client.setQueryData(["jobs", {}], { items: [], total: 0 });
    client.setQueryData(["sources", {}], { items: [], total: 0 });

    applyEvent(
      client,
      { type: "article.updated", id: "e", timestamp: "t", article_id: "a", slug: "a", title: "A", deleted: false },
      new Map(),
    );
    expect(client.getQueryState(["articles", {}])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["article", "a"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["concepts"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["jobs", {}])?.isInvalidated).toBe(false);

    applyEvent(client, { type: "job.updated", id: "e", timestamp: "t", job }, new Map());
    expect(client.getQueryState(["jobs", {}])?.isInvalidated).toBe(true);
    // Nothing reads a single job, so nothing is written for one.
    expect(client.getQueryData(["job", "j"])).toBeUndefined();
    expect(client.getQueryState(["sources", {}])?.isInvalidated).toBe(false);
  });

  it("refetches the Health report as a run goes on and when it ends", () => {
    const client = new QueryClient();
    client.setQueryData(["health", {}], { score: null });
    client.setQueryData(["articles", {}], { items: [], total: 0 });
    applyEvent(
      client,
      { type: "lint.progress", id: "e", timestamp: "t", run_id: "r", check: "orphan", done: 0, total: 3 },
      new Map(),
    );
    expect(client.getQueryState(["health", {}])?.isInvalidated).toBe(true);
    client.setQueryData(["health", {}], { score: 90 });
    applyEvent(client, { type: "lint.complete", id: "e", timestamp: "t", run_id: "r", score: 90, new_errors: 1 }, new Map());
    expect(client.getQueryState(["health", {}])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["articles", {}])?.isInvalidated).toBe(false);
  });
});

describe("rememberStage", () => {
  it("keeps the most recently updated lines and forgets the oldest past the cap", () => {
    const stages = new Map<string, StageLine>();
    rememberStage(stages, "a", line("pending"), 3);
    rememberStage(stages, "b", line("pending"), 3);
    rememberStage(stages, "c", line("pending"), 3);
    // Updating "a" makes it the newest, so "b" is the oldest when "d" arrives.
    rememberStage(stages, "a", line("fetching"), 3);
    rememberStage(stages, "d", line("pending"), 3);
    expect([...stages.keys()]).toEqual(["c", "a", "d"]);
    expect(stages.get("a")?.stage).toBe("fetching");
  });
});

describe("LiveEvents", () => {
  function started() {
    vi.stubGlobal("WebSocket", FakeSocket);
    const client = new QueryClient();
    const live = new LiveEvents(client);
    live.start();
    return { client, live, socket: FakeSocket.last() };
  }

  it("refetches on the first open too, since events before it were never received", () => {
    const { client, live, socket } = started();
    client.setQueryData(["sources", {}], { items: [], total: 0 });
    expect(live.state).toBe("connecting");
    socket.onopen?.();
    expect(live.state).toBe("open");
    expect(client.getQueryState(["sources", {}])?.isInvalidated).toBe(true);
    live.stop();
  });

  it("refetches again on every reconnect", () => {
    vi.useFakeTimers();
    try {
      const { client, live, socket } = started();
      socket.onopen?.();
      socket.onclose?.();
      expect(live.state).toBe("closed");
      vi.advanceTimersByTime(reconnectDelay(0));
      const again = FakeSocket.last();
      expect(again).not.toBe(socket);
      client.setQueryData(["jobs", {}], { items: [], total: 0 });
      again.onopen?.();
      expect(client.getQueryState(["jobs", {}])?.isInvalidated).toBe(true);
      live.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("forgets a source's line on request and tells subscribers", () => {
    const { live, socket } = started();
    const listener = vi.fn();
    live.subscribe(listener);
    socket.send({ type: "source.progress", id: "e", timestamp: "t", source_id: "s1", stage: "fetching", message: "" });
    expect(live.stages.get("s1")?.stage).toBe("fetching");
    listener.mockClear();
    live.clearStage("s1");
    expect(live.stages.has("s1")).toBe(false);
    expect(listener).toHaveBeenCalledTimes(1);
    live.clearStage("s1");
    expect(listener).toHaveBeenCalledTimes(1);
    live.stop();
  });
});

describe("reconnectDelay", () => {
  it("backs off and is capped", () => {
    expect(reconnectDelay(0)).toBe(500);
    expect(reconnectDelay(1)).toBe(1000);
    expect(reconnectDelay(20)).toBe(10_000);
  });
});

describe("a deleted article", () => {
  it("is dropped from the cache by id instead of being refetched into a 404", () => {
    const client = new QueryClient();
    client.setQueryData(["article", "a1"], { id: "a1" });
    client.setQueryData(["article", "other"], { id: "a2" });
    applyEvent(
      client,
      { type: "article.updated", id: "e", timestamp: "t", article_id: "a1", slug: "bees", title: "Bees", deleted: true },
      new Map(),
    );
    expect(client.getQueryData(["article", "a1"])).toBeUndefined();
    expect(client.getQueryState(["article", "other"])?.isInvalidated).toBe(true);
  });
});
