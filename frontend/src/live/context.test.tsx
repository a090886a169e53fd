// `useStageLine` re-renders only the rows whose source an event is about: a progress event for
// one source must not re-render every row of the Inbox.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Profiler } from "react";
import { act, cleanup, render, screen } from "@testing-library/react";
import { QueryClient } from "@tanstack/react-query";
import { LiveContext, useStageLine } from "./context";
import { LiveEvents } from "./events";
import { FakeSocket } from "./fakeSocket";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  FakeSocket.opened = [];
});

function Row({ id }: { id: string }) {
  const line = useStageLine(id);
  return <p data-testid={id}>{line?.stage ?? "none"}</p>;
}

/** Commits of each row, counted by React's own profiler. */
const renders: Record<string, number> = {};
const count = (id: string) => {
  renders[id] = (renders[id] ?? 0) + 1;
};

describe("useStageLine", () => {
  it("re-renders only the row of the source an event names", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const live = new LiveEvents(new QueryClient());
    live.start();
    const socket = FakeSocket.last();
    render(
      <LiveContext.Provider value={live}>
        <Profiler id="a" onRender={count}>
          <Row id="a" />
        </Profiler>
        <Profiler id="b" onRender={count}>
          <Row id="b" />
        </Profiler>
      </LiveContext.Provider>,
    );
    const before = { ...renders };

    act(() => {
      socket.send({ type: "source.progress", id: "e1", timestamp: "t", source_id: "a", stage: "fetching", message: "" });
    });
    expect(screen.getByTestId("a").textContent).toBe("fetching");
    expect(renders.a).toBe((before.a ?? 0) + 1);
    expect(renders.b).toBe(before.b);

    // A connection-state change is not a change of any row's line either.
    act(() => socket.onopen?.());
    expect(renders.a).toBe((before.a ?? 0) + 1);
    expect(renders.b).toBe(before.b);
    live.stop();
  });
});
