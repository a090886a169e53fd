// The app shell: focus moves to the new page after a navigation (not on first render, not on a
// query change), and a 401 mid-session lands on the login form with the way back, instead of
// bouncing off a stale "authenticated" session.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { Link, MemoryRouter, useLocation } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api } from "./api/client";
import type { SettingsView } from "./api/types";
import { LiveContext } from "./live/context";
import { LiveEvents } from "./live/events";
import { FakeSocket } from "./live/fakeSocket";
import App from "./App";

// The screens themselves are tested on their own; here they only need a heading and a link.
vi.mock("./pages/InboxPage", () => ({ default: () => <h1>Inbox</h1> }));
vi.mock("./pages/JobsPage", () => ({
  default: () => (
    <>
      <h1>Jobs</h1>
      <Link to="/jobs?status=failed">Only failed</Link>
    </>
  ),
}));

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{JSON.stringify([location.pathname + location.search, location.state])}</output>;
}

function renderApp(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const live = new LiveEvents(client);
  render(
    <QueryClientProvider client={client}>
      <LiveContext.Provider value={live}>
        <MemoryRouter initialEntries={[path]}>
          <App live={live} />
          <LocationProbe />
        </MemoryRouter>
      </LiveContext.Provider>
    </QueryClientProvider>,
  );
  return { client, live };
}

const location = () => JSON.parse(screen.getByTestId("location").textContent ?? "null") as [string, unknown];

beforeEach(() => {
  vi.stubGlobal("WebSocket", FakeSocket);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  FakeSocket.opened = [];
});

describe("focus after navigation", () => {
  it("moves focus to main on a new page only", async () => {
    vi.spyOn(api, "session").mockResolvedValue({ auth_required: false, authenticated: false });
    vi.spyOn(api, "getSettings").mockResolvedValue({ offline_compiler: false } as SettingsView);
    renderApp("/");
    await screen.findByRole("heading", { name: "Inbox" });
    const main = document.getElementById("main");
    // The first render leaves focus alone.
    expect(document.activeElement).not.toBe(main);

    fireEvent.click(screen.getByRole("link", { name: "Jobs" }));
    await screen.findByRole("heading", { name: "Jobs" });
    expect(document.activeElement).toBe(document.getElementById("main"));

    // Only the query changes: focus stays on what the person used.
    const filter = screen.getByRole("link", { name: "Only failed" });
    filter.focus();
    fireEvent.click(filter);
    expect(location()[0]).toBe("/jobs?status=failed");
    expect(document.activeElement).toBe(filter);
  });
});

describe("an expired session", () => {
  it("shows the login form and remembers where the person was", async () => {
    // Authenticated at start; the server says otherwise from then on.
    vi.spyOn(api, "session")
      .mockResolvedValueOnce({ auth_required: true, authenticated: true })
      .mockResolvedValue({ auth_required: true, authenticated: false });
    // The settings request meets an expired cookie: a 401 from the gateway.
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ error: { code: "unauthorized", message: "log in" } }), {
          status: 401,
          headers: { "content-type": "application/json" },
        }),
    );
    vi.stubGlobal("fetch", fetch);
    const { client } = renderApp("/jobs?status=failed");

    expect(await screen.findByLabelText("Access token")).toBeTruthy();
    expect(fetch).toHaveBeenCalled();
    expect(location()).toEqual(["/login", { from: "/jobs?status=failed" }]);
    expect(client.getQueryData(["session"])).toEqual({ auth_required: true, authenticated: false });
    // It stays there (no bounce back to the page that failed).
    await act(async () => {
      await new Promise((ok) => setTimeout(ok, 20));
    });
    expect(location()[0]).toBe("/login");
  });
});
