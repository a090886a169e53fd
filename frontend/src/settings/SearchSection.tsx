// The Settings screen's search section: whether search ranks by words only or by words and
// meaning, which embedding model gives the meaning, and how many passages still wait for it.
import type { SearchInfo } from "../api/types";

const EMBEDDING_PROVIDERS: Record<string, string> = {
  openai: "OpenAI-compatible",
  ollama: "Ollama",
  google: "Google Gemini",
};

export default function SearchSection({ search }: { search: SearchInfo }) {
  const e = search.embeddings;
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
          Search ranks by words (full text). Set <code>WIKIMIND_EMBEDDINGS__PROVIDER</code> (<code>openai</code>,{" "}
          <code>ollama</code> or <code>google</code>) to rank by meaning as well.
        </p>
      )}
    </section>
  );
}
