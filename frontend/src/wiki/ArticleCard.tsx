// One article in the wiki list: title link, plain-text summary, confidence, type, provider,
// counts, concept chips that filter the list, and when it was last updated.
import { Link } from "react-router";
import type { ArticleListItem } from "../api/types";
import { Badge } from "../components/common";
import { dateTime, plural, timeAgo } from "../components/format";
import { headingText } from "../markdown/outline";
import { conceptKey } from "./labels";

export default function ArticleCard({
  article,
  activeConcept,
  onConcept,
}: {
  article: ArticleListItem;
  /** The concept key the list is filtered by, if any. */
  activeConcept: string;
  /** Filter the list by a concept (its display name); the active one clears the filter. */
  onConcept: (displayName: string) => void;
}) {
  const titleId = `article-card-${article.id}`;
  const summary = headingText(article.summary);
  return (
    <article className="card wiki-card" aria-labelledby={titleId}>
      <h2 id={titleId} className="wiki-card-title">
        <Link to={`/wiki/${encodeURIComponent(article.slug)}`}>{article.title}</Link>
      </h2>
      {summary ? <p className="wiki-card-summary">{summary}</p> : null}
      <p className="wiki-card-meta small">
        <Badge kind={article.confidence} title="Confidence">
          {article.confidence}
        </Badge>
        <span className="wiki-meta-item">{article.page_type}</span>
        <span className="wiki-meta-item">{article.provider}</span>
        <span className="wiki-meta-item">{plural(article.claim_count, "claim")}</span>
        <span className="wiki-meta-item">{plural(article.source_count, "source")}</span>
        <span className="wiki-meta-item">
          updated{" "}
          <time dateTime={article.updated_at} title={dateTime(article.updated_at)}>
            {timeAgo(article.updated_at)}
          </time>
        </span>
      </p>
      {article.concepts.length > 0 ? (
        <ul className="chips" aria-label={`Concepts of ${article.title}`}>
          {article.concepts.map((concept, i) => (
            <li key={`${concept}-${i}`}>
              <ConceptChip name={concept} active={activeConcept} onConcept={onConcept} />
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}

function ConceptChip({ name, active, onConcept }: { name: string; active: string; onConcept: (c: string) => void }) {
  const pressed = active !== "" && conceptKey(active) === conceptKey(name);
  return (
    <button
      type="button"
      className="chip"
      aria-pressed={pressed}
      aria-label={`Filter by concept: ${name}`}
      onClick={() => onConcept(name)}
    >
      {name}
    </button>
  );
}
