// An article's local graph: the pages and shared concepts within two links of it, the page
// itself highlighted; a click on a node opens it. Loaded on its own so the WebGL library is
// fetched only when an article is shown.
import { Link, useNavigate } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { ErrorBox, Loading } from "../components/common";
import GraphCanvas from "../graph/GraphCanvas";

export default function LocalGraph({ articleId, title }: { articleId: string; title: string }) {
  const navigate = useNavigate();
  const graph = useQuery({
    queryKey: ["local-graph", articleId],
    queryFn: () => api.getLocalGraph(articleId),
  });
  const data = graph.data;
  const pages = data ? data.nodes.filter((n) => n.kind === "article" && n.id !== articleId).length : 0;
  const concepts = data ? data.nodes.filter((n) => n.kind === "concept").length : 0;
  return (
    <section className="article-local-graph" aria-labelledby="local-graph-heading">
      <h2 id="local-graph-heading">Local graph</h2>
      {graph.isPending ? <Loading label="Loading the local graph…" /> : null}
      {graph.isError ? <ErrorBox error={graph.error} onRetry={() => void graph.refetch()} /> : null}
      {data ? (
        pages + concepts === 0 ? (
          <p className="muted small">No page links here yet, and no concept is shared with another page.</p>
        ) : (
          <>
            <p className="muted small" aria-live="polite">
              {pages === 1 ? "1 page" : `${pages} pages`} and {concepts === 1 ? "1 shared concept" : `${concepts} shared concepts`}{" "}
              within two links.
            </p>
            <GraphCanvas
              data={data}
              highlight={articleId}
              className="local-graph-canvas"
              label={`${title} and the pages within two links of it; the Backlinks list names them`}
              onOpen={(href) => void navigate(href)}
            />
            <p className="small">
              <Link to="/graph">Open the whole graph</Link>
            </p>
          </>
        )
      ) : null}
    </section>
  );
}
