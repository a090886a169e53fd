// Full-text search results: articles ranked by their best passage, each with the passage's
// heading and a snippet whose matched words are marked (the snippet is plain text segments from
// the API, never HTML).
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { Badge, EmptyState, ErrorBox, Loading } from "../components/common";

export default function SearchResults({ q, onClear }: { q: string; onClear: () => void }) {
  const results = useQuery({
    queryKey: ["search", q],
    queryFn: () => api.search(q, 30),
    placeholderData: keepPreviousData,
  });
  if (results.isPending) return <Loading label="Searching…" />;
  if (results.isError) return <ErrorBox error={results.error} onRetry={() => void results.refetch()} />;
  const items = results.data.results;
  if (items.length === 0) {
    return (
      <EmptyState title="No articles match">
        <p>
          Nothing in the wiki mentions “<strong>{q}</strong>”.
        </p>
        <p>
          <button type="button" onClick={onClear}>
            Clear the search
          </button>
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      <p className="wiki-total muted" role="status">
        {items.length} {items.length === 1 ? "article matches" : "articles match"}, best first
      </p>
      <ol aria-label="Articles" className="search-results">
        {items.map((r) => (
          <li key={r.article.id} className="card search-result">
            <h2 className="wiki-card-title">
              <Link to={`/wiki/${encodeURIComponent(r.article.slug)}`}>{r.article.title}</Link>
            </h2>
            <p className="search-snippet">
              {r.snippet.map((s, i) => (s.hit ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
            </p>
            <p className="small muted">
              <Badge kind={r.article.page_type} title="Page type">
                {r.article.page_type}
              </Badge>{" "}
              {r.passage.heading ? `In “${r.passage.heading}”` : null}
            </p>
          </li>
        ))}
      </ol>
    </>
  );
}
