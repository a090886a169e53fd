// The Settings screen: a provider test call refreshes this month's costs (it is logged as one),
// and logging out shows a failure instead of swallowing it, or else empties the cache and goes
// to the login page.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import type { CostSummary, SettingsView } from "../api/types";
import SettingsPage from "../pages/SettingsPage";

const SETTINGS: SettingsView = {
  version: "1.0.0",
  providers: [
    {
      kind: "offline", configured: true, in_chain: true, is_default: true, model: "extractive", base_url: null,
      key: "none", set_in_environment: { api_key: false, model: false },
    },
    {
      kind: "openai", configured: false, in_chain: false, is_default: false, model: "gpt-4o", base_url: null,
      key: "none", set_in_environment: { api_key: false, model: true },
    },
  ],
  default_provider: "offline",
  chosen_default_provider: null,
  default_provider_set_in_environment: false,
  fallback: false,
  offline_compiler: true,
  budget: {
    monthly_usd: null,
    warn_fraction: 0.8,
    enforce: false,
    set_in_environment: { monthly_usd: false, warn_fraction: false, enforce: false },
    month: "2026-01",
    spent_usd: 0,
    level: "ok",
    paused_jobs: 0,
  },
  search: { ranking: "full_text", embeddings: null, embeddings_set_in_environment: false, embeddings_problem: null, embeddings_choice: null },
  backups: { daily: true, directory: "/data/backups", count: 0, last: null },
  auth_required: true,
};

const COSTS: CostSummary = {
  month: "2026-01", total_usd: 0, calls: 0, cached_calls: 0, by_provider: [], by_task: [], budget_usd: null, budget_used_fraction: null,
};

function renderSettings() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={["/settings"]}>
        <Routes>
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/login" element={<h1>Login</h1>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return client;
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe("SettingsPage", () => {
  it("refreshes the costs after a provider test", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue(SETTINGS);
    const costs = vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    vi.spyOn(api, "testProvider").mockResolvedValue({ ok: true, provider: "offline", model: "extractive", latency_ms: 3, error: null });
    renderSettings();
    fireEvent.click(await screen.findByRole("button", { name: "Test Offline compiler" }));
    expect(await screen.findByText(/Answered in/)).toBeTruthy();
    await waitFor(() => expect(costs).toHaveBeenCalledTimes(2));
  });

  it("saves a typed key without showing it again, and leaves what the environment sets", async () => {
    const getSettings = vi.spyOn(api, "getSettings").mockResolvedValue(SETTINGS);
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    const saved: SettingsView = {
      ...SETTINGS,
      providers: SETTINGS.providers.map((p) => (p.kind === "openai" ? { ...p, key: "settings", configured: true } : p)),
    };
    const update = vi.spyOn(api, "updateProvider").mockImplementation(() => {
      getSettings.mockResolvedValue(saved);
      return Promise.resolve(saved);
    });
    renderSettings();
    const form = await screen.findByRole("form", { name: "OpenAI-compatible key and model" });
    const model = within(form).getByLabelText(/^Model/) as HTMLInputElement;
    expect(model.disabled).toBe(true);
    expect(within(form).getByText("Set in the environment")).toBeTruthy();
    const key = within(form).getByLabelText(/^API key/) as HTMLInputElement;
    expect(key.type).toBe("password");
    fireEvent.change(key, { target: { value: " sk-typed " } });
    fireEvent.click(within(form).getByRole("button", { name: "Save OpenAI-compatible" }));
    await waitFor(() => expect(update).toHaveBeenCalledWith("openai", { api_key: "sk-typed" }));
    expect(await within(form).findByText("Saved")).toBeTruthy();
    expect(key.value).toBe("");
    expect(await within(form).findByText("key saved here")).toBeTruthy();
  });

  it("shows a failed logout and stays", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue(SETTINGS);
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    vi.spyOn(api, "logout").mockRejectedValue(new ApiError(0, "network", "the gateway could not be reached"));
    renderSettings();
    fireEvent.click(await screen.findByRole("button", { name: "Log out" }));
    const about = screen.getByRole("heading", { name: "About" }).closest("section") as HTMLElement;
    expect((await within(about).findByRole("alert")).textContent).toContain("the gateway could not be reached");
    expect(screen.getByRole("heading", { level: 1, name: "Settings" })).toBeTruthy();
  });

  it("empties the cache and goes to the login page after logging out", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue(SETTINGS);
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    vi.spyOn(api, "logout").mockResolvedValue(undefined);
    const client = renderSettings();
    fireEvent.click(await screen.findByRole("button", { name: "Log out" }));
    await screen.findByRole("heading", { name: "Login" });
    expect(client.getQueryData(["settings"])).toBeUndefined();
    expect(client.getQueryData(["session"])).toEqual({ auth_required: true, authenticated: false });
  });

  it("says how search ranks and how many passages wait for embeddings", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue({
      ...SETTINGS,
      search: {
        ranking: "hybrid",
        embeddings: { provider: "ollama", model: "nomic-embed-text", base_url: null, dimensions: null, pending_passages: 12 },
        embeddings_set_in_environment: true,
        embeddings_problem: null,
        embeddings_choice: null,
      },
    });
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    renderSettings();
    const section = await screen.findByRole("region", { name: "Search" });
    expect(within(section).getByText(/words and meaning/)).toBeTruthy();
    expect(within(section).getByText("nomic-embed-text")).toBeTruthy();
    expect(within(section).getByText(/12 passages/)).toBeTruthy();
    // The environment chooses it, so there is nothing to change here.
    expect(within(section).queryByRole("form", { name: "Embedding provider" })).toBeNull();
  });

  it("chooses an embedding provider and shows why a choice cannot be used", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue({
      ...SETTINGS,
      search: {
        ...SETTINGS.search,
        embeddings_problem: "Gemini embeddings need a Google key",
        embeddings_choice: { provider: "google", model: null },
      },
    });
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    const update = vi.spyOn(api, "updateEmbeddings").mockResolvedValue(SETTINGS);
    renderSettings();
    const section = await screen.findByRole("region", { name: "Search" });
    expect(within(section).getByText(/need a Google key/)).toBeTruthy();
    const form = within(section).getByRole("form", { name: "Embedding provider" });
    // The stored choice shows even though it cannot be used yet.
    expect((within(form).getByLabelText("Embeddings by") as HTMLSelectElement).value).toBe("google");
    fireEvent.change(within(form).getByLabelText("Embeddings by"), { target: { value: "ollama" } });
    fireEvent.change(within(form).getByLabelText("Model"), { target: { value: " mxbai-embed-large " } });
    fireEvent.click(within(form).getByRole("button", { name: "Save embeddings" }));
    await waitFor(() => expect(update).toHaveBeenCalledWith({ provider: "ollama", model: "mxbai-embed-large" }));
  });

  it("shows the last backup and offers the vault", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue({
      ...SETTINGS,
      backups: {
        daily: true,
        directory: "/data/backups",
        count: 3,
        last: { name: "daily-2026-12-05.zip", bytes: 2048, created_at: "2026-12-05T03:00:00Z" },
      },
    });
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    renderSettings();
    const section = await screen.findByRole("region", { name: "Backups" });
    expect(within(section).getByText("daily-2026-12-05.zip")).toBeTruthy();
    expect(within(section).getByText(/3 archives/)).toBeTruthy();
    const vault = within(section).getByRole("link", { name: /Obsidian vault/ });
    expect(vault.getAttribute("href")).toBe("/api/export?format=obsidian");
  });

  it("explains how to turn on hybrid search", async () => {
    vi.spyOn(api, "getSettings").mockResolvedValue(SETTINGS);
    vi.spyOn(api, "getCosts").mockResolvedValue(COSTS);
    renderSettings();
    const section = await screen.findByRole("region", { name: "Search" });
    expect(within(section).getByText("WIKIMIND_EMBEDDINGS__PROVIDER")).toBeTruthy();
  });
});
