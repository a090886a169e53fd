// The concept tree beside the wiki: every concept with its article count, narrower concepts
// under broader ones; picking one filters the list (the choice lives in the URL). Collapsible,
// and collapsed at first on narrow screens.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { ConceptCount } from "../api/types";
import { ErrorBox, Loading } from "../components/common";
import { type ConceptBranch, conceptTree } from "./conceptTree";
import { conceptKey, withParam } from "./labels";

const WIDE = "(min-width: 860px)";

function startsOpen(): boolean {
  if (typeof window === "undefined" || typeof window.matchMedia !== "function") return true;
  return window.matchMedia(WIDE).matches;
}

export default function ConceptNav({
  concepts,
  loading,
  error,
  onRetry,
  active,
}: {
  concepts: ConceptCount[] | undefined;
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  /** The `?concept=` value. */
  active: string;
}) {
  const [params] = useSearchParams();
  const [open, setOpen] = useState(startsOpen);
  const activeKey = active ? conceptKey(active) : "";
  const hrefFor = (name: string) => {
    const next = withParam(params, "concept", name);
    const qs = next.toString();
    return qs ? `/wiki?${qs}` : "/wiki";
  };

  return (
    <aside className="wiki-aside">
      <details className="wiki-concepts" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          Concepts{concepts ? <span className="muted"> ({concepts.length})</span> : null}
        </summary>
        <nav aria-label="Concepts">
          {loading ? <Loading label="Loading concepts…" /> : null}
          {error ? <ErrorBox error={error} onRetry={onRetry} /> : null}
          {concepts && concepts.length === 0 ? <p className="muted small">No concepts yet.</p> : null}
          {concepts && concepts.length > 0 ? (
            <ul className="concept-list">
              <li>
                <Link to={hrefFor("")} aria-current={activeKey === "" ? "true" : undefined} className="concept-link">
                  All concepts
                </Link>
              </li>
              {conceptTree(concepts).map((b) => (
                <ConceptItem key={b.concept.name} branch={b} hrefFor={hrefFor} active={active} activeKey={activeKey} />
              ))}
            </ul>
          ) : null}
        </nav>
      </details>
    </aside>
  );
}

function ConceptItem({
  branch,
  hrefFor,
  active,
  activeKey,
}: {
  branch: ConceptBranch;
  hrefFor: (name: string) => string;
  active: string;
  activeKey: string;
}) {
  const c = branch.concept;
  const isActive = activeKey !== "" && (c.name === activeKey || c.name === active);
  return (
    <li>
      <Link
        to={hrefFor(c.name)}
        className={isActive ? "concept-link active" : "concept-link"}
        aria-current={isActive ? "true" : undefined}
      >
        <span className="concept-name">{c.display_name}</span>{" "}
        <span className="concept-count muted">({c.article_count})</span>
      </Link>
      {branch.children.length > 0 ? (
        <ul className="concept-list concept-children">
          {branch.children.map((b) => (
            <ConceptItem key={b.concept.name} branch={b} hrefFor={hrefFor} active={active} activeKey={activeKey} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
