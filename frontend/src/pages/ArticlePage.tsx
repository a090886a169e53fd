// Screen: one wiki article. Header (title, summary, confidence, concepts, who compiled it),
// outline, the body with resolved [[wikilinks]], key claims with their quotes highlighted in the
// source text, open questions, sources, backlinks both ways, and re-compiling.
import { lazy, Suspense, useEffect, useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import { useRecompile } from "../api/mutations";
import type { ArticleDetail } from "../api/types";
import { Badge, ErrorBox, Loading, useTitle } from "../components/common";
import { dateTime } from "../components/format";
import SafeMarkdown from "../markdown/SafeMarkdown";
import { extractOutline, headingText } from "../markdown/outline";
import ArticleSources from "../wiki/ArticleSources";
import Backlinks from "../wiki/Backlinks";
import ClaimList from "../wiki/ClaimList";
import { conceptHref } from "../wiki/labels";

// The local graph brings the WebGL library; it loads after the article, in its own chunk.
const LocalGraph = lazy(() => import("../wiki/LocalGraph"));
/** The graph is drawn with WebGL 2; without it (old browsers, test DOMs) the Backlinks list stands alone. */
const canDrawGraphs = typeof WebGL2RenderingContext !== "undefined";

function Outline({ content }: { content: string }) {
  const items = useMemo(() => extractOutline(content), [content]);
  if (items.length === 0) return null;
  return (
    <nav aria-label="Outline" className="article-outline">
      <h2 className="article-side-title">Outline</h2>
      <ol>
        {items.map((h) => (
          <li key={h.id} className={h.depth === 3 ? "outline-sub" : undefined}>
            <a href={`#${h.id}`}>{h.text}</a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Recompile({ article }: { article: ArticleDetail }) {
  const recompile = useRecompile();
  const recompileAll = () => recompile.mutate(article.sources.map((s) => s.id));
  if (article.sources.length === 0) return null;
  return (
    <div className="article-recompile">
      <button
        type="button"
        onClick={recompileAll}
        disabled={recompile.isPending}
        title={
          article.sources.length === 1
            ? "Compile this article's source again"
            : `Compile all ${article.sources.length} sources of this article again`
        }
      >
        {recompile.isPending ? "Queuing…" : "Re-compile"}
      </button>
      <span role="status" aria-live="polite" className="small">
        {recompile.isSuccess ? "Re-compile queued — the article updates when it is done." : ""}
      </span>
      {recompile.isError ? <ErrorBox error={recompile.error} onRetry={recompileAll} /> : null}
    </div>
  );
}

function ArticleView({ article }: { article: ArticleDetail }) {
  // `?claim=n`: arrived from an answer's citation; that claim opens with its quote in the source.
  const [params] = useSearchParams();
  const claimParam = params.get("claim");
  const focusedClaim = claimParam !== null && /^\d+$/.test(claimParam) ? Number(claimParam) : null;
  // A deep link to a heading (`#sec-…`) can only scroll once the body is rendered.
  useEffect(() => {
    const id = decodeURIComponent(window.location.hash.slice(1));
    if (id) document.getElementById(id)?.scrollIntoView?.();
  }, [article.id]);
  const compiledBy =
    article.provider === "offline"
      ? "the built-in offline compiler (extractive, no LLM)"
      : article.model
        ? `${article.provider} (${article.model})`
        : article.provider;
  return (
    <article className="article-page" aria-labelledby="article-title">
      <header className="article-header">
        <p className="article-breadcrumb small">
          <Link to="/wiki">Wiki</Link>
        </p>
        <h1 id="article-title">{article.title}</h1>
        {article.summary ? (
          <SafeMarkdown className="article-summary" links={article.backlinks_out}>
            {article.summary}
          </SafeMarkdown>
        ) : null}
        <p className="article-meta">
          <Badge kind={article.confidence} title="Confidence">
            {article.confidence}
          </Badge>
          <Badge kind="type" title="Page type">
            {article.page_type}
          </Badge>
        </p>
        {article.concepts.length > 0 ? (
          <ul className="chips" aria-label="Concepts">
            {article.concepts.map((c, i) => (
              <li key={`${c}-${i}`}>
                <Link className="chip" to={conceptHref(c)}>
                  {c}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
        <p className="muted small article-compiled">
          Compiled by {compiledBy} · version {article.version} ·{" "}
          <time dateTime={article.updated_at}>{dateTime(article.updated_at)}</time>
        </p>
        {article.awaiting_model ? (
          <p className="budget-wait card small" role="note">
            The language model could not be reached when this page was compiled, so the offline compiler wrote it. It
            is compiled again with the model as soon as the model answers.
          </p>
        ) : null}
        <Recompile article={article} />
      </header>

      <div className="article-layout">
        <Outline content={article.content} />

        <div className="article-main">
          {article.claims.length > 0 ? (
            <section className="article-claims" aria-labelledby="claims-heading">
              <h2 id="claims-heading">Key claims</h2>
              <ClaimList claims={article.claims} focus={focusedClaim} />
            </section>
          ) : null}

          {article.content.trim() ? (
            <section className="article-body" aria-label="Article text">
              <SafeMarkdown links={article.backlinks_out} headingIds>
                {article.content}
              </SafeMarkdown>
            </section>
          ) : !article.summary.trim() && article.claims.length === 0 ? (
            // A body that only restated the summary and claims was dropped; say so only when
            // there is nothing else to read.
            <p className="muted">This article has no text.</p>
          ) : null}

          {article.open_questions.length > 0 ? (
            <section className="article-questions" aria-labelledby="questions-heading">
              <h2 id="questions-heading">Open questions</h2>
              <ul>
                {article.open_questions.map((q, i) => (
                  <li key={`${i}-${q}`}>{headingText(q)}</li>
                ))}
              </ul>
            </section>
          ) : null}

          <section className="article-sources-section" aria-labelledby="sources-heading">
            <h2 id="sources-heading">Sources</h2>
            <ArticleSources sources={article.sources} />
          </section>
        </div>

        <Backlinks out={article.backlinks_out} incoming={article.backlinks_in} />
        {canDrawGraphs ? (
          <Suspense fallback={<Loading label="Loading the local graph…" />}>
            <LocalGraph key={article.id} articleId={article.id} title={article.title} />
          </Suspense>
        ) : null}
      </div>
    </article>
  );
}

export default function ArticlePage() {
  const { slug = "" } = useParams();
  const article = useQuery({
    queryKey: ["article", slug],
    queryFn: () => api.getArticle(slug),
    enabled: slug !== "",
  });
  const notFound = article.error instanceof ApiError && article.error.status === 404;
  useTitle(article.data?.title ?? (notFound ? "No such article" : "Article"));

  if (notFound || slug === "") {
    return (
      <div className="empty article-missing">
        <h1>No such article</h1>
        <p>There is no article called “{slug}”. It may have been deleted or renamed by a re-compile.</p>
        <p>
          <Link to="/wiki">Browse the wiki</Link>
        </p>
      </div>
    );
  }
  if (article.isPending) return <Loading label="Loading the article…" />;
  if (article.isError) {
    return (
      <div>
        <p className="small">
          <Link to="/wiki">Wiki</Link>
        </p>
        <ErrorBox error={article.error} onRetry={() => void article.refetch()} />
      </div>
    );
  }
  return <ArticleView article={article.data} />;
}
