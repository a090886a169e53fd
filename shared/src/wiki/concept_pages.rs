//! Concept pages: for every concept two or more articles share, a page (`page_type: concept`)
//! that says what the concept is and what each article contributes, linking to them, with
//! their claims cited through to their sources. A page is rewritten only when the set of
//! (article, version) it was written from changes, never on every ingest. Saving a compiled
//! article (see [`save_compiled`]) and deleting a source (see [`delete_source_and_refresh`])
//! bring the pages they touch up to date.
//!
//! Offline the page is extractive and says so: its definition is the first sentence of the
//! articles that names the concept. With a model, one call writes the summary and the
//! definition from the articles' summaries and claims; the per-article sections and their
//! cited claims stay copied, so every citation still points at a source's exact words.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ArticleFile, ClaimLine, DeletedSource, Draft, LogLine, MergeOutcome, Published, SourceLine,
    Wiki, WikiError, refresh_model_hierarchy,
};
use crate::compile::{Confidence, PageType, RelationType, normalize_title};
use crate::db::articles::{ArticleKey, ArticleWrite, ClaimWrite, LinkWrite};
use crate::db::{self, DbError};
use crate::domain::ArticleDetail;
use crate::domain::{ArticleId, JobId, SourceId};
use crate::llm::{CompletionRequest, ProviderKind, Router, Task, json_object_in};

/// Fewest articles sharing a concept for it to have a page.
const MIN_ARTICLES: usize = 2;
/// Most articles a page describes (the oldest first); the rest are counted.
const MAX_ARTICLES: usize = 25;
/// Claims quoted per article.
const CLAIMS_PER_ARTICLE: usize = 2;

/// Stable ids for concept pages, so two workers writing one concept's page at once write the
/// same row rather than two pages.
static NAMESPACE: LazyLock<Uuid> =
    LazyLock::new(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, b"wikimind:concept-page"));

/// What a refresh did to one concept's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageChange {
    Written(ArticleKey),
    Removed(ArticleId),
    Unchanged,
}

/// Saves a compiled article (see [`Wiki::save`]) and brings the pages of `concept_keys` (its
/// concepts, and those a recompile dropped) up to date. The article is published whatever
/// happens to the pages: a failure there is logged, and the next save that touches their
/// concepts brings them up to date.
pub async fn save_compiled(
    wiki: &Wiki,
    router: Option<&Router>,
    draft: Draft,
    existing: Option<&ArticleKey>,
    log: LogLine,
    concept_keys: &[String],
    job_id: Option<JobId>,
) -> Result<Published, WikiError> {
    let published = wiki.save(draft, existing, log).await?;
    if let Err(e) = refresh_concept_pages(wiki, router, concept_keys, job_id).await {
        tracing::warn!(error = %e, "concept pages not brought up to date");
    }
    Ok(published)
}

/// Brings the pages of these concepts up to date: written when a concept gains its second
/// article or its set of (article, version) changed, removed when it falls below two, left
/// alone otherwise. `router` writes the prose when a model is configured, and then, when a
/// page was written or removed (the only way the set of shared concepts changes), lets the
/// model rearrange the concept tree (see [`refresh_model_hierarchy`]).
async fn refresh_concept_pages(
    wiki: &Wiki,
    router: Option<&Router>,
    keys: &[String],
    job_id: Option<JobId>,
) -> Result<Vec<PageChange>, WikiError> {
    let model = router.filter(|r| r.default_kind().is_some_and(|k| k != ProviderKind::Offline));
    let mut changes = Vec::new();
    for key in keys {
        changes.push(refresh_one(wiki, model, key, job_id).await?);
    }
    if let Some(model) = model
        && changes.iter().any(|c| !matches!(c, PageChange::Unchanged))
    {
        refresh_model_hierarchy(wiki.db(), model, job_id).await?;
    }
    Ok(changes)
}

/// Deletes a source (with `cascade`, the articles compiled only from it), then brings the
/// pages of the concepts those articles carried up to date. The deletion stands whatever
/// happens to the pages: a failure there is logged and the next change retries them.
pub async fn delete_source_and_refresh(
    wiki: &Wiki,
    router: Option<&Router>,
    id: SourceId,
    cascade: bool,
) -> Result<DeletedSource, WikiError> {
    let deleted = wiki.delete_source(id, cascade).await?;
    if let Err(e) = refresh_concept_pages(wiki, router, &deleted.concepts, None).await {
        tracing::warn!(error = %e, "concept pages not brought up to date");
    }
    Ok(deleted)
}

/// Merges `loser` into `survivor` (see [`Wiki::merge`]), then brings the pages of both
/// articles' concepts up to date: they now describe one article fewer. `None` when either
/// page no longer exists.
pub async fn merge_and_refresh(
    wiki: &Wiki,
    router: Option<&Router>,
    survivor: ArticleId,
    loser: ArticleId,
) -> Result<Option<MergeOutcome>, WikiError> {
    let mut keys = db::concepts::keys_for_article(wiki.db(), survivor).await?;
    for key in db::concepts::keys_for_article(wiki.db(), loser).await? {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let merged = wiki.merge(survivor, loser).await?;
    if merged.is_some()
        && let Err(e) = refresh_concept_pages(wiki, router, &keys, None).await
    {
        tracing::warn!(error = %e, "concept pages not brought up to date");
    }
    Ok(merged)
}

/// Brings one concept's page up to date; `model` writes the prose when there is one.
async fn refresh_one(
    wiki: &Wiki,
    model: Option<&Router>,
    key: &str,
    job_id: Option<JobId>,
) -> Result<PageChange, WikiError> {
    let db = wiki.db();
    let Some(state) = db::concepts::state(db, key).await? else {
        return Ok(PageChange::Unchanged);
    };
    if state.members.len() < MIN_ARTICLES {
        let Some(page) = state.page_article_id else {
            return Ok(PageChange::Unchanged);
        };
        wiki.remove_article(page).await?;
        db::concepts::set_page(db, key, None, None).await?;
        return Ok(PageChange::Removed(page));
    }
    let basis = state
        .members
        .iter()
        .map(|m| format!("{}:{}", m.article_id, m.version))
        .collect::<Vec<_>>()
        .join(",");
    let id = ArticleId::from_uuid(Uuid::new_v5(&NAMESPACE, key.as_bytes()));
    let existing = db::articles::key(db, id).await?;
    if existing.is_some() && state.page_basis.as_deref() == Some(basis.as_str()) {
        return Ok(PageChange::Unchanged);
    }

    let mut articles = Vec::new();
    for m in state.members.iter().take(MAX_ARTICLES) {
        match db::articles::get_detail(db, &m.article_id.to_string()).await {
            Ok(a) => articles.push(a),
            // Deleted since the members were read: the next refresh sees the new set.
            Err(DbError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let prose = match model {
        Some(r) => synthesised(r, &state.display_name, &articles, job_id).await,
        None => None,
    };
    let draft = page(
        id,
        &state.display_name,
        state.members.len(),
        &articles,
        prose,
    );
    let published = wiki
        .save(
            draft,
            existing.as_ref(),
            LogLine {
                action: "concept",
                fields: vec![("articles", state.members.len().to_string())],
            },
        )
        .await?;
    db::concepts::set_page(db, key, Some(id), Some(&basis)).await?;
    Ok(PageChange::Written(published.article))
}

/// The prose a model wrote: a summary and a definition.
#[derive(Debug, Deserialize)]
struct Prose {
    summary: String,
    definition: String,
    provider: Option<String>,
    model: Option<String>,
}

/// One call for the summary and definition; `None` (the page stays extractive) when the call
/// or its reply fails.
async fn synthesised(
    router: &Router,
    concept: &str,
    articles: &[ArticleDetail],
    job_id: Option<JobId>,
) -> Option<Prose> {
    let mut material = String::new();
    for a in articles {
        material.push_str(&format!("## {}\n{}\n", a.title, a.summary));
        for c in a.claims.iter().take(CLAIMS_PER_ARTICLE + 2) {
            material.push_str(&format!("- {}\n", c.text));
        }
        material.push('\n');
    }
    let mut request = CompletionRequest::new(
        Task::Concept,
        "You write the concept page of a personal wiki. From the articles given, say in one \
         or two sentences what the concept is (`definition`) and in one sentence what the \
         articles say about it together (`summary`). Use only what the articles say.",
        format!("Concept: {concept}\n\nArticles:\n\n{material}"),
    )
    .with_schema(
        "concept_page",
        json!({
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "definition": {"type": "string"}
            },
            "required": ["summary", "definition"],
            "additionalProperties": false
        }),
    );
    request.max_tokens = 600;
    request.job_id = job_id;
    match router.complete(&request).await {
        Ok(reply) => match serde_json::from_str::<Prose>(json_object_in(&reply.content)) {
            Ok(mut prose) if !prose.summary.trim().is_empty() => {
                prose.provider = Some(reply.provider.as_str().to_owned());
                prose.model = Some(reply.model);
                Some(prose)
            }
            Ok(_) | Err(_) => {
                tracing::warn!(
                    concept,
                    "the concept page's reply was not usable; kept extractive"
                );
                None
            }
        },
        Err(e) => {
            tracing::warn!(concept, error = %e, "the concept page could not be written by the model; kept extractive");
            None
        }
    }
}

/// The page's rows and file.
fn page(
    id: ArticleId,
    display: &str,
    total: usize,
    articles: &[ArticleDetail],
    prose: Option<Prose>,
) -> Draft {
    let name = capitalised(display);
    let title = format!("{name} (concept)");
    let words = concept_words(display);

    let mut claims = Vec::new();
    let mut claim_lines = Vec::new();
    let mut links = Vec::new();
    let mut sources: Vec<SourceLine> = Vec::new();
    let mut sections = String::new();
    for a in articles {
        links.push(LinkWrite {
            target_text: a.title.clone(),
            target_key: normalize_title(&a.title),
            to_article_id: Some(a.id),
            relation_type: RelationType::Synthesizes,
            origin: "concept",
            mention: None,
        });
        for s in &a.sources {
            if !sources.iter().any(|l| l.id == s.id) {
                sources.push(SourceLine {
                    id: s.id,
                    title: s.title.clone(),
                    url: s.url.clone(),
                    ingested: a.created_at,
                });
            }
        }
        sections.push_str(&format!(
            "### [[{}]]\n\n{}\n\n",
            a.title,
            first_sentence(&a.summary)
        ));
        // The claims that name the concept, else the article's first.
        let mut chosen: Vec<_> = a
            .claims
            .iter()
            .filter(|c| c.quote.is_some() && names(&c.text, &words))
            .take(CLAIMS_PER_ARTICLE)
            .collect();
        if chosen.is_empty() {
            chosen.extend(a.claims.iter().filter(|c| c.quote.is_some()).take(1));
        }
        for c in chosen {
            sections.push_str(&format!("- {}\n", c.text));
            claims.push(ClaimWrite {
                text: c.text.clone(),
                confidence: c.confidence,
                quote: c.quote.clone(),
                verified: c.verified,
                span: c.span.as_ref().map(|s| (s.start, s.end)),
                source_id: c.source_id,
            });
            claim_lines.push(ClaimLine {
                text: c.text.clone(),
                confidence: c.confidence.as_str().to_owned(),
                quote: c.quote.clone(),
                verified: c.verified,
            });
        }
        sections.push('\n');
    }
    let listed = articles
        .iter()
        .map(|a| a.title.as_str())
        .collect::<Vec<_>>();
    let more = total.saturating_sub(articles.len());
    let (summary, definition, provider, model, note) = match prose {
        Some(p) => (
            p.summary.trim().to_owned(),
            p.definition.trim().to_owned(),
            p.provider.unwrap_or_default(),
            p.model.unwrap_or_default(),
            "Summary and definition written by the model from the articles below; the claims \
             are theirs, cited to their sources.",
        ),
        None => (
            format!(
                "{name} is shared by {total} articles of this wiki: {}{}.",
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            articles
                .iter()
                .flat_map(|a| {
                    std::iter::once(a.summary.as_str())
                        .chain(a.claims.iter().map(|c| c.text.as_str()))
                })
                .flat_map(sentences)
                .find(|s| names(s, &words))
                .map(str::to_owned)
                .unwrap_or_default(),
            ProviderKind::Offline.as_str().to_owned(),
            "extractive".to_owned(),
            "Compiled without a language model: every sentence on this page is taken from the \
             articles it links to.",
        ),
    };
    let mut body = String::new();
    if !definition.is_empty() {
        body.push_str(&format!("## What it is\n\n{definition}\n\n"));
    }
    body.push_str(&format!("## In the articles\n\n{sections}"));
    if more > 0 {
        body.push_str(&format!("And {more} more articles.\n\n"));
    }
    body.push_str(&format!("_{note}_\n"));

    let confidence = Confidence::Mixed;
    let file = ArticleFile {
        id,
        slug: String::new(),
        title: title.clone(),
        page_type: PageType::Concept.as_str().to_owned(),
        summary: summary.clone(),
        confidence: confidence.as_str().to_owned(),
        provider: provider.clone(),
        model: model.clone(),
        version: 0,
        concepts: vec![display.to_owned()],
        aliases: Vec::new(),
        claims: claim_lines,
        body: body.clone(),
        open_questions: Vec::new(),
        sources: sources.clone(),
        compiled: db::now(),
    };
    let write = ArticleWrite {
        id,
        slug: String::new(),
        title_key: normalize_title(&title),
        title,
        summary,
        page_type: PageType::Concept,
        confidence,
        provider,
        model,
        awaiting_model: false,
        body,
        open_questions: Vec::new(),
        // The page is found through its concept, not counted among the concept's articles.
        concepts: Vec::new(),
        claims,
        source_ids: sources.iter().map(|s| s.id).collect(),
        alias_keys: Vec::new(),
        links,
        mention_passages: Vec::new(),
        file_content: String::new(),
    };
    // No text of its own to find names in: the page links to its articles by construction,
    // and its words are theirs.
    Draft {
        write,
        file,
        text: String::new(),
    }
}

/// The display name with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut chars = s.trim().chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The concept's words in lower case, its head noun without a plural ending, for matching
/// sentences that name it.
fn concept_words(display: &str) -> Vec<String> {
    display
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            crate::compile::concepts::singular(&w)
        })
        .collect()
}

/// True when `text` contains the concept's words in order, each as a word's start.
fn names(text: &str, words: &[String]) -> bool {
    let lower: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    !words.is_empty()
        && lower.windows(words.len()).any(|win| {
            win.iter()
                .zip(words)
                .all(|(w, c)| w.starts_with(c.as_str()))
        })
}

/// The sentences of a text (cut after `.`, `!` or `?` followed by a space).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(' ') {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn first_sentence(text: &str) -> &str {
    sentences(text).into_iter().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_naming_the_concept_are_found_by_its_words() {
        let words = concept_words("Thread pools");
        assert_eq!(words, ["thread", "pool"]);
        assert!(names("A thread pool reuses threads.", &words));
        assert!(names("Thread Pools bound concurrency.", &words));
        assert!(!names("A pool of threads.", &words));
        assert_eq!(
            sentences("One. Two! Three? Four"),
            ["One.", "Two!", "Three?", "Four"]
        );
        assert_eq!(capitalised("heap invariant"), "Heap invariant");
    }
}
