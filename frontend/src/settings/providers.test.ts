// The provider form's change: only what was typed, never what the environment sets.
import { describe, expect, it } from "vitest";
import type { ProviderInfo } from "../api/types";
import { keySourceLabel, providerChange } from "./providers";

const OPENAI: ProviderInfo = {
  kind: "openai",
  configured: false,
  in_chain: false,
  is_default: false,
  model: "gpt-4o",
  base_url: null,
  key: "none",
  set_in_environment: { api_key: false, model: false },
};

describe("providerChange", () => {
  it("sends a typed key and a changed model", () => {
    expect(providerChange(OPENAI, { key: " sk-1 ", model: "gpt-4o" })).toEqual({ api_key: "sk-1" });
    expect(providerChange(OPENAI, { key: "", model: "gpt-5" })).toEqual({ model: "gpt-5" });
    expect(providerChange(OPENAI, { key: "", model: " " })).toEqual({ model: null });
  });
  it("leaves what the environment sets, and says when nothing changes", () => {
    const env = { ...OPENAI, set_in_environment: { api_key: true, model: true } };
    expect(providerChange(env, { key: "sk-2", model: "other" })).toMatch(/Nothing to save/);
    expect(providerChange(OPENAI, { key: "  ", model: "gpt-4o" })).toMatch(/Nothing to save/);
  });
  it("names where a key comes from", () => {
    expect(keySourceLabel("settings")).toBe("key saved here");
    expect(keySourceLabel("environment")).toBe("key from the environment");
  });
});
