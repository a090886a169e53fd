// The articles compiled from a source, each fetched for its title and linked by slug.
import { Link } from "react-router";
import { useQueries } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import { Badge } from "../components/common";

export default function SourceArticles({ ids, compiled }: { ids: string[]; compiled: boolean }) {
  const articles = useQueries({
    queries: ids.map((id) => ({ queryKey: ["article", id], queryFn: () => api.getArticle(id) })),
  });

  return (
    <section className="source-articles" aria-labelledby="source-articles-heading">
      <h2 id="source-articles-heading">Articles made from it</h2>
      {ids.length === 0 ? (
        <p className="muted">{compiled ? "No article was made from this source." : "None yet: the article appears here once the source is compiled."}</p>
      ) : (
        <ul className="source-articles-list">
          {ids.map((id, i) => {
            const q = articles[i];
            const article = q?.data;
            if (article) {
              return (
                <li key={id}>
                  <Link to={`/wiki/${encodeURIComponent(article.slug)}`}>{article.title}</Link>{" "}
                  <Badge kind={article.confidence}>{article.confidence}</Badge>
                  {article.summary ? <p className="muted small source-article-summary">{article.summary}</p> : null}
                </li>
              );
            }
            if (q?.isError) {
              const gone = q.error instanceof ApiError && q.error.status === 404;
              return (
                <li key={id}>
                  {gone ? (
                    <span className="muted">An article that no longer exists</span>
                  ) : (
                    <>
                      <Link to={`/wiki/${encodeURIComponent(id)}`}>Open the article</Link>{" "}
                      <span className="muted small">(its title could not be loaded: {q.error.message})</span>
                    </>
                  )}
                </li>
              );
            }
            return (
              <li key={id}>
                <Link to={`/wiki/${encodeURIComponent(id)}`}>Loading the article…</Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
