//! Tool results and resources as markdown, which is what an agent reads best; every tool also
//! returns the same data as structured JSON (the API's shapes).

use std::fmt::Write as _;

use shared::domain::{ArticleDetail, ArticleListItem, LinkRef, Source, Turn};
use shared::health::HealthReport;
use shared::wiki::ConceptNode;

use crate::routes::search::SearchReply;
use shared::ingest::accept::Accepted;

/// The URI an article is read at as a resource.
pub(super) fn article_uri(slug: &str) -> String {
    format!("{}{slug}", super::ARTICLE_URI_PREFIX)
}

/// Search results, best first, each with the words that matched in bold.
pub(super) fn search(reply: &SearchReply) -> String {
    if reply.results.is_empty() {
        return format!("Nothing in the wiki matches “{}”.", reply.query);
    }
    let mut out = format!(
        "{} articles match “{}”:\n",
        reply.results.len(),
        reply.query
    );
    for (n, hit) in reply.results.iter().enumerate() {
        let snippet: String = hit
            .snippet
            .iter()
            .map(|s| {
                if s.hit {
                    format!("**{}**", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect();
        let _ = write!(
            out,
            "\n{}. {} (`{}`, {})\n   {}\n   > {}\n",
            n + 1,
            hit.article.title,
            hit.article.slug,
            article_uri(&hit.article.slug),
            hit.article.summary,
            snippet.trim()
        );
    }
    out
}

/// An answer with its citations: each `[n]` names the article, and the source's exact words
/// where the wiki holds a verified quote for it.
pub(super) fn answer(turn: &Turn) -> String {
    let mut out = turn.answer.trim().to_owned();
    if !turn.citations.is_empty() {
        out.push_str("\n\nCitations:\n");
        for c in &turn.citations {
            let _ = write!(out, "[{}] {} (`{}`)", c.n, c.article.title, c.article.slug);
            if let Some(quote) = &c.quote {
                let _ = write!(out, " — “{quote}”");
            }
            if let Some(source) = &c.source {
                let name = source
                    .title
                    .as_deref()
                    .or(source.url.as_deref())
                    .unwrap_or("a source");
                let _ = write!(out, " (from {name})");
            }
            out.push('\n');
        }
    }
    let _ = write!(
        out,
        "\nAnswer mode: {}; confidence: {}; conversation: {}",
        turn.mode.as_str(),
        turn.confidence.as_str(),
        turn.conversation_id
    );
    out
}

/// An article: its summary, body and claims, each claim with its quote and whether the quote
/// was found in the source.
pub(super) fn article(a: &ArticleDetail) -> String {
    let mut out = format!("# {}\n\n{}\n\n{}\n", a.title, a.summary, a.content.trim());
    if !a.claims.is_empty() {
        out.push_str("\n## Claims\n");
        for claim in &a.claims {
            let _ = write!(out, "\n- {}", claim.text);
            if let Some(quote) = &claim.quote {
                let check = if claim.verified {
                    "verified in the source"
                } else {
                    "not found in the source"
                };
                let _ = write!(out, " — “{quote}” ({check})");
            }
        }
        out.push('\n');
    }
    if !a.sources.is_empty() {
        out.push_str("\n## Sources\n");
        for s in &a.sources {
            let name = s.title.as_deref().unwrap_or("untitled");
            match &s.url {
                Some(url) => {
                    let _ = write!(out, "\n- {name} <{url}>");
                }
                None => {
                    let _ = write!(out, "\n- {name}");
                }
            }
        }
        out.push('\n');
    }
    links(&mut out, "Links to", &a.backlinks_out);
    links(&mut out, "Linked from", &a.backlinks_in);
    if !a.concepts.is_empty() {
        let _ = write!(out, "\nConcepts: {}\n", a.concepts.join(", "));
    }
    out
}

/// A section listing the pages of `links` that exist, with how each relates.
fn links(out: &mut String, heading: &str, links: &[LinkRef]) {
    let pages: Vec<String> = links
        .iter()
        .filter_map(|l| {
            let slug = l.slug.as_deref().filter(|_| l.resolved)?;
            Some(format!(
                "\n- {} (`{slug}`, {})",
                l.title,
                l.relation_type.as_str()
            ))
        })
        .collect();
    if !pages.is_empty() {
        let _ = write!(out, "\n## {heading}\n{}\n", pages.concat());
    }
}

/// One page of the article list.
pub(super) fn articles(items: &[ArticleListItem], total: i64, offset: i64) -> String {
    if items.is_empty() {
        return format!("No articles here ({total} in all).");
    }
    let mut out = format!(
        "Articles {}–{} of {total}:\n",
        offset + 1,
        offset + items.len() as i64
    );
    for a in items {
        let _ = write!(
            out,
            "\n- {} (`{}`, {}): {}",
            a.title,
            a.slug,
            a.page_type.as_str(),
            a.summary
        );
    }
    out.push('\n');
    out
}

/// The concepts, broader ones first, each with how many articles share it.
pub(super) fn concepts(items: &[ConceptNode]) -> String {
    if items.is_empty() {
        return "The wiki has no concepts yet.".to_owned();
    }
    let mut out = format!("{} concepts:\n", items.len());
    for c in items {
        let _ = write!(
            out,
            "\n- {} (`{}`): {} articles",
            c.display_name, c.name, c.article_count
        );
        if let Some(parent) = &c.parent {
            let _ = write!(out, ", under `{parent}`");
        }
    }
    out.push('\n');
    out
}

/// The Health report: its score and open findings.
pub(super) fn health(report: &HealthReport) -> String {
    let mut out = match report.score {
        Some(score) => format!("Health score: {score}/100.\n"),
        None => "The wiki has not been checked yet.\n".to_owned(),
    };
    if report.pending.is_some() {
        out.push_str("A check is waiting or under way.\n");
    }
    if report.findings.is_empty() {
        if report.score.is_some() {
            out.push_str("No open findings.\n");
        }
        return out;
    }
    let _ = writeln!(out, "\n{} open findings:", report.findings.len());
    for f in &report.findings {
        let pages: Vec<String> = f
            .articles
            .iter()
            .map(|p| format!("{} (`{}`)", p.title, p.slug))
            .collect();
        let _ = write!(out, "\n- [{}] {}: {}", f.severity, f.kind, f.message);
        if !pages.is_empty() {
            let _ = write!(out, " — {}", pages.join(", "));
        }
    }
    out.push('\n');
    out
}

/// What became of a source handed in.
pub(super) fn accepted(result: &Accepted) -> String {
    match result {
        Accepted::New(source) => format!(
            "Added {}: it is being compiled into the wiki in the background (source {}).",
            source_name(source),
            source.id
        ),
        Accepted::Duplicate(source) => format!(
            "Already in the wiki: {} (source {}, {}).",
            source_name(source),
            source.id,
            source.status.as_str()
        ),
    }
}

fn source_name(source: &Source) -> String {
    source
        .title
        .clone()
        .or_else(|| source.url.clone())
        .unwrap_or_else(|| "the source".to_owned())
}
