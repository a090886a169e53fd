// Links of an article both ways: the articles it links to and the ones that link to it.
import { Link } from "react-router";
import type { LinkRef } from "../api/types";
import { humanizeRelation } from "./labels";

function LinkList({ label, links, empty }: { label: string; links: LinkRef[]; empty: string }) {
  if (links.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <ul aria-label={label} className="backlink-list">
      {links.map((l, i) => (
        <li key={`${l.article_id ?? l.title}-${l.relation_type}-${i}`}>
          {l.resolved && l.slug ? (
            <Link to={`/wiki/${encodeURIComponent(l.slug)}`}>{l.title}</Link>
          ) : (
            <span className="backlink-unresolved">
              {l.title} <span className="muted">(no article yet)</span>
            </span>
          )}{" "}
          <span className="relation small muted">{humanizeRelation(l.relation_type)}</span>
          {l.mention ? <blockquote className="backlink-mention small">{l.mention}</blockquote> : null}
        </li>
      ))}
    </ul>
  );
}

export default function Backlinks({ out, incoming }: { out: LinkRef[]; incoming: LinkRef[] }) {
  return (
    <section className="article-backlinks" aria-labelledby="backlinks-heading">
      <h2 id="backlinks-heading">Backlinks</h2>
      <h3>Links to</h3>
      <LinkList label="Links to" links={out} empty="This article links to no other article." />
      <h3>Linked from</h3>
      <LinkList label="Linked from" links={incoming} empty="No article links here yet." />
    </section>
  );
}
