// Keys, models and the default provider, set from the Settings screen. A key is sent once and
// never shown again (the server keeps it sealed); a value the environment sets is shown but
// cannot be changed here. The next compile or answer uses what is saved.
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { ProviderChange, ProviderInfo, ProviderKind, SettingsView } from "../api/types";
import { PROVIDER_NAMES } from "./ProviderTable";
import { keySourceLabel, providerChange } from "./providers";
import SaveStatus from "./SaveStatus";
import { useSaveSettings } from "./useSaveSettings";

const ENV_NOTE = "Set in the environment";

function KeyAndModel({ provider }: { provider: ProviderInfo }) {
  const name = PROVIDER_NAMES[provider.kind];
  const env = provider.set_in_environment;
  const [key, setKey] = useState("");
  const [model, setModel] = useState(provider.model);
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useSaveSettings((change: ProviderChange) => api.updateProvider(provider.kind, change));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const change = providerChange(provider, { key, model });
    if (typeof change === "string") {
      setInvalid(change);
      return;
    }
    setInvalid(null);
    save.mutate(change, { onSuccess: () => setKey("") });
  };

  return (
    <form className="stack provider-form" onSubmit={submit} aria-label={`${name} key and model`}>
      <p className="small muted">{keySourceLabel(provider.key)}</p>
      <div className="row">
        <label>
          API key
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={provider.key === "settings" ? "saved — type to replace" : "paste the key"}
            value={key}
            disabled={env.api_key}
            onChange={(e) => setKey(e.target.value)}
          />
          {env.api_key ? <span className="muted small"> {ENV_NOTE}</span> : null}
        </label>
        <label>
          Model
          <input
            type="text"
            spellCheck={false}
            value={model}
            disabled={env.model}
            onChange={(e) => setModel(e.target.value)}
          />
          {env.model ? <span className="muted small"> {ENV_NOTE}</span> : null}
        </label>
      </div>
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : `Save ${name}`}
        </button>
        {provider.key === "settings" || provider.key === "unreadable" ? (
          <button type="button" disabled={save.isPending} onClick={() => save.mutate({ api_key: null })}>
            Forget the saved key
          </button>
        ) : null}
        <SaveStatus save={save} invalid={invalid} />
      </div>
    </form>
  );
}

function DefaultProvider({ settings }: { settings: SettingsView }) {
  const [choice, setChoice] = useState<ProviderKind | "">(settings.chosen_default_provider ?? "");
  const save = useSaveSettings((kind: ProviderKind | null) => api.updateDefaultProvider(kind));
  const env = settings.default_provider_set_in_environment;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(choice === "" ? null : choice);
  };
  return (
    <form className="row" onSubmit={submit} aria-label="Default provider">
      <label>
        Tried first
        <select value={choice} disabled={env} onChange={(e) => setChoice(e.target.value as ProviderKind | "")}>
          <option value="">The first with a key</option>
          {settings.providers.map((p) => (
            <option key={p.kind} value={p.kind} disabled={!p.configured}>
              {PROVIDER_NAMES[p.kind]}
              {p.configured ? "" : " (no key)"}
            </option>
          ))}
        </select>
        {env ? <span className="muted small"> {ENV_NOTE}</span> : null}
      </label>
      <button type="submit" disabled={env || save.isPending}>
        {save.isPending ? "Saving…" : "Save default"}
      </button>
      <SaveStatus save={save} />
    </form>
  );
}

export default function ProviderForm({ settings }: { settings: SettingsView }) {
  const editable = settings.providers.filter((p) => p.kind !== "offline");
  const [kind, setKind] = useState<ProviderKind>(editable[0]?.kind ?? "anthropic");
  const provider = editable.find((p) => p.kind === kind);
  return (
    <div className="stack">
      <h3>Keys and models</h3>
      <label>
        Provider
        <select value={kind} onChange={(e) => setKind(e.target.value as ProviderKind)}>
          {editable.map((p) => (
            <option key={p.kind} value={p.kind}>
              {PROVIDER_NAMES[p.kind]}
            </option>
          ))}
        </select>
      </label>
      {provider ? <KeyAndModel key={provider.kind} provider={provider} /> : null}
      {/* A new choice saved (here or elsewhere) starts the form again from it. */}
      <DefaultProvider key={settings.chosen_default_provider ?? ""} settings={settings} />
    </div>
  );
}
