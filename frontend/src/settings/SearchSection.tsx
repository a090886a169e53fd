// The Settings screen's search section: whether search ranks by words only or by words and
// meaning, which embedding model gives the meaning (chosen here unless the environment
// chooses it), and how many passages still wait for it.
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { EmbeddingProvider, EmbeddingsChange, SearchInfo } from "../api/types";
import SaveStatus from "./SaveStatus";
import { useSaveSettings } from "./useSaveSettings";

const EMBEDDING_PROVIDERS: Record<EmbeddingProvider, string> = {
  openai: "OpenAI-compatible",
  ollama: "Ollama",
  google: "Google Gemini",
};

function EmbeddingForm({ search }: { search: SearchInfo }) {
  // Starts from what is stored, usable or not: saving must not drop a choice waiting for its key.
  const chosen = search.embeddings_choice;
  const [provider, setProvider] = useState<EmbeddingProvider | "">(chosen?.provider ?? "");
  const [model, setModel] = useState(chosen?.model ?? "");
  const save = useSaveSettings((change: EmbeddingsChange) => api.updateEmbeddings(change));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const typed = model.trim();
    save.mutate({ provider: provider === "" ? null : provider, model: typed === "" ? null : typed });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Embedding provider">
      <div className="row">
        <label>
          Embeddings by
          <select
            value={provider}
            onChange={(e) => {
              setProvider(e.target.value as EmbeddingProvider | "");
              // The old provider's model means nothing to another: start from the new one's default.
              setModel("");
            }}
          >
            <option value="">None (words only)</option>
            {(Object.keys(EMBEDDING_PROVIDERS) as EmbeddingProvider[]).map((p) => (
              <option key={p} value={p}>
                {EMBEDDING_PROVIDERS[p]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            type="text"
            spellCheck={false}
            placeholder="the provider's default"
            value={model}
            disabled={provider === ""}
            onChange={(e) => setModel(e.target.value)}
          />
        </label>
      </div>
      <p className="small muted">
        The key and address are those saved (or set in the environment) for the same provider above. Changing the
        model embeds every passage again, in the background.
      </p>
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save embeddings"}
        </button>
        <SaveStatus save={save} />
      </div>
    </form>
  );
}

export default function SearchSection({ search }: { search: SearchInfo }) {
  const e = search.embeddings;
  const env = search.embeddings_set_in_environment;
  return (
    <section aria-labelledby="search-heading" className="card stack">
      <h2 id="search-heading">Search</h2>
      {e ? (
        <>
          <p>
            Search and Ask rank passages by their words and meaning together (full-text and embedding rankings
            fused).
          </p>
          <dl className="source-meta">
            <div className="meta-row">
              <dt>Embeddings</dt>
              <dd>
                {EMBEDDING_PROVIDERS[e.provider] ?? e.provider} · <code>{e.model}</code>
                {e.dimensions ? ` · ${e.dimensions} dimensions` : ""}
                {e.base_url ? (
                  <>
                    {" "}
                    at <code>{e.base_url}</code>
                  </>
                ) : null}
                {env ? <span className="muted small"> · set in the environment</span> : null}
              </dd>
            </div>
            <div className="meta-row">
              <dt>Waiting</dt>
              <dd>
                {e.pending_passages === 0
                  ? "Every passage has its embedding."
                  : `${e.pending_passages} passages wait for an embedding (they are found by their words meanwhile).`}
              </dd>
            </div>
          </dl>
        </>
      ) : (
        <p className="muted">
          Search ranks by words (full text). Choose an embedding provider below, or set{" "}
          <code>WIKIMIND_EMBEDDINGS__PROVIDER</code> (<code>openai</code>, <code>ollama</code> or <code>google</code>),
          to rank by meaning as well.
        </p>
      )}
      {search.embeddings_problem ? <p className="test-bad">{search.embeddings_problem}</p> : null}
      {env ? null : <EmbeddingForm search={search} />}
    </section>
  );
}
