// The sources an article was compiled from: each opens its source screen, and a web source's
// address is an external link (http and https only).
import { Link } from "react-router";
import type { ArticleSourceRef } from "../api/types";
import { Badge } from "../components/common";
import { safeExternalUrl } from "../components/urls";

export default function ArticleSources({ sources }: { sources: ArticleSourceRef[] }) {
  if (sources.length === 0) return <p className="muted small">No sources are recorded for this article.</p>;
  return (
    <ul aria-label="Sources" className="article-sources">
      {sources.map((s) => {
        const url = safeExternalUrl(s.url);
        return (
          <li key={s.id}>
            <Link to={`/sources/${encodeURIComponent(s.id)}`}>{s.title?.trim() || url || "Untitled source"}</Link>{" "}
            <Badge kind="kind">{s.kind}</Badge>
            {url ? (
              <>
                {" "}
                <a href={url} className="external small" target="_blank" rel="noopener noreferrer nofollow">
                  {url}
                </a>
              </>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
