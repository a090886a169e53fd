// Pure helpers of the provider form: what a save asks to change, and how a key's source reads.
import type { KeySource, ProviderChange, ProviderInfo } from "../api/types";

/** The change the form's fields ask for, or a reason there is nothing to save. An empty key
 * field keeps the saved key; an emptied model goes back to the provider's default. */
export function providerChange(provider: ProviderInfo, fields: { key: string; model: string }): ProviderChange | string {
  const change: ProviderChange = {};
  const key = fields.key.trim();
  if (key && !provider.set_in_environment.api_key) change.api_key = key;
  const model = fields.model.trim();
  if (!provider.set_in_environment.model && model !== provider.model) change.model = model || null;
  return Object.keys(change).length > 0 ? change : "Nothing to save: type a key, or a different model.";
}

const KEY_SOURCES: Record<KeySource, string> = {
  none: "no key",
  environment: "key from the environment",
  settings: "key saved here",
  unreadable: "saved key unreadable (the secret key changed)",
};

/** "key saved here", "key from the environment"… */
export function keySourceLabel(source: KeySource): string {
  return KEY_SOURCES[source];
}
