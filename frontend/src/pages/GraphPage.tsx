// Screen: the wiki as a graph. Pages and the concepts they share, drawn with WebGL (sigma) so
// it stays smooth at 10,000 nodes, coloured by community; filter by relation and by concept,
// find a page by its title (the camera flies to it and its neighbours stand out), and click a
// node — or pick it from the results — to open its page.
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { GraphNode } from "../api/types";
import { EmptyState, ErrorBox, Loading, useTitle } from "../components/common";
import { communityColour, findNodes, nodeHref, relationsOf } from "../graph/build";
import GraphCanvas from "../graph/GraphCanvas";

const LIMIT = 10_000;

export default function GraphPage() {
  useTitle("Graph");
  const [params, setParams] = useSearchParams();
  const concept = params.get("concept") ?? "";
  const graph = useQuery({
    queryKey: ["graph", concept],
    queryFn: () => api.getGraph({ concept: concept || undefined, limit: LIMIT }),
  });
  const concepts = useQuery({ queryKey: ["concepts"], queryFn: api.listConcepts });
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [query, setQuery] = useState("");
  const [focus, setFocus] = useState<GraphNode | null>(null);
  const navigate = useNavigate();

  const data = graph.data;
  const relations = useMemo(() => (data ? relationsOf(data) : []), [data]);
  const matches = useMemo(() => (data ? findNodes(data, query) : []), [data, query]);

  const toggle = (relation: string) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(relation)) next.delete(relation);
      else next.add(relation);
      return next;
    });
  const pickConcept = (key: string) => {
    const next = new URLSearchParams(params);
    if (key) next.set("concept", key);
    else next.delete("concept");
    setParams(next);
    setFocus(null);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFocus(matches[0] ?? null);
  };

  return (
    <section className="graph-page" aria-labelledby="graph-title">
      <h1 id="graph-title">Graph</h1>
      <div className="graph-controls card">
        <form role="search" onSubmit={submit} className="graph-search">
          <label htmlFor="graph-find">Find a page</label>
          <input
            id="graph-find"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Title words…"
            autoComplete="off"
          />
        </form>
        <label className="graph-concept">
          Concept{" "}
          <select value={concept} onChange={(e) => pickConcept(e.target.value)}>
            <option value="">All pages</option>
            {(concepts.data?.items ?? []).map((c) => (
              <option key={c.name} value={c.name}>
                {c.display_name} ({c.article_count})
              </option>
            ))}
          </select>
        </label>
        {relations.length > 0 ? (
          <fieldset className="graph-relations">
            <legend>Relations</legend>
            {relations.map((r) => (
              <label key={r}>
                <input type="checkbox" checked={!hidden.has(r)} onChange={() => toggle(r)} /> {r}
              </label>
            ))}
          </fieldset>
        ) : null}
      </div>
      {query.trim() && data ? (
        <ul className="graph-matches" aria-label="Pages found">
          {matches.length === 0 ? <li className="muted">No page has these words in its title.</li> : null}
          {matches.map((n) => (
            <li key={n.id}>
              <button type="button" className="link-button" onClick={() => setFocus(n)}>
                Show {n.title}
              </button>{" "}
              <Link to={nodeHref(n)}>Open</Link>
            </li>
          ))}
        </ul>
      ) : null}
      {graph.isLoading ? <Loading label="Loading the graph…" /> : null}
      {graph.error ? <ErrorBox error={graph.error} onRetry={() => void graph.refetch()} /> : null}
      {data && data.nodes.length === 0 ? (
        <EmptyState title="Nothing to draw yet">
          <p>
            Pages appear here once sources are compiled; links between them and the concepts they share draw the
            lines. <Link to="/">Add a source</Link>.
          </p>
        </EmptyState>
      ) : null}
      {data && data.nodes.length > 0 ? (
        <>
          <p className="muted small" aria-live="polite">
            {data.nodes.filter((n) => n.kind === "article").length} pages,{" "}
            {data.nodes.filter((n) => n.kind === "concept").length} shared concepts, {data.edges.length} lines,{" "}
            {data.communities} communities.
            {focus ? (
              <>
                {" "}
                Showing <Link to={nodeHref(focus)}>{focus.title}</Link> and its neighbours.
              </>
            ) : null}
          </p>
          <GraphCanvas
            data={data}
            hidden={hidden}
            focus={focus}
            label="The wiki's pages as a graph; find a page above to open it"
            onOpen={(href) => void navigate(href)}
          />
          <Legend communities={data.communities} />
        </>
      ) : null}
    </section>
  );
}

function Legend({ communities }: { communities: number }) {
  const shown = Math.min(communities, 12);
  if (shown <= 1) return null;
  return (
    <ul className="graph-legend" aria-label="Communities">
      {Array.from({ length: shown }, (_, i) => (
        <li key={i}>
          <span className="graph-swatch" style={{ background: communityColour(i) }} aria-hidden="true" /> community{" "}
          {i + 1}
        </li>
      ))}
    </ul>
  );
}
