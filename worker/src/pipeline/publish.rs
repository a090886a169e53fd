//! Publishing a compiled article: quote grounding, the article's title, aliases, concepts and
//! links resolved by title, saved through the wiki's writer (which keeps the slug on recompile
//! and writes the rows, the file, the index, the log and the events).

use shared::compile::{
    CompileResult, RelationType, concept_key, ground_claims, normalize_title, overall_confidence,
};
use shared::db;
use shared::db::articles::{ArticleKey, ArticleWrite, ClaimWrite, LinkWrite};
use shared::domain::{ArticleId, JobId, Source, Title};
use shared::wiki::{self, ArticleFile, ClaimLine, Draft, LogLine, SourceLine};

use super::StageError;
use super::compile::Compiled;
use crate::context::WorkerContext;

/// Stores a compiled article for a source (replacing the source's previous article in place).
#[tracing::instrument(name = "publish", skip_all, fields(source_id = %source.id), err)]
pub(super) async fn publish_article(
    ctx: &WorkerContext,
    source: &Source,
    text: &str,
    compiled: Compiled,
    job_id: JobId,
) -> Result<ArticleKey, StageError> {
    let result = &compiled.result;
    let existing = db::articles::find_for_source(&ctx.db, source.id).await?;
    let id = existing
        .as_ref()
        .map(|a| a.id)
        .unwrap_or_else(ArticleId::new);
    // The concepts a recompile drops have one article fewer, so their pages change too.
    let mut concept_keys = match &existing {
        Some(a) => db::concepts::keys_for_article(&ctx.db, a.id).await?,
        None => Vec::new(),
    };

    let locate_text = text.to_owned();
    let claims_in = result.key_claims.clone();
    let grounded = tokio::task::spawn_blocking(move || ground_claims(&locate_text, &claims_in))
        .await
        .map_err(|e| StageError::permanent(format!("grounding crashed: {e}")))?;
    let confidence = overall_confidence(&grounded);

    let title = Title::derive(&result.title)
        .or_else(|| source.title.as_deref().and_then(Title::derive))
        .map_or_else(|| "Untitled".to_owned(), Title::into_string);
    let title_key = normalize_title(&title);
    let mut alias_keys = Vec::new();
    if let Some(source_title) = source.title.as_deref() {
        let key = normalize_title(source_title);
        if !key.is_empty() && key != title_key {
            alias_keys.push(key);
        }
    }

    let links = resolve_links(ctx, id, result, text).await?;
    // One entry per concept: "Threads" and "thread" are one; "two" or "of the" none.
    let mut concepts: Vec<(String, String)> = Vec::new();
    for name in &result.concepts {
        if let Some(key) = concept_key(name)
            && !concepts.iter().any(|(k, _)| *k == key)
        {
            if !concept_keys.contains(&key) {
                concept_keys.push(key.clone());
            }
            concepts.push((key, name.trim().to_owned()));
        }
    }
    let claims: Vec<ClaimWrite> = grounded
        .iter()
        .map(|c| ClaimWrite {
            text: c.text.clone(),
            confidence: c.confidence,
            quote: c.quote.clone(),
            verified: c.verified,
            span: c.span.map(|s| (s.start as i64, s.end as i64)),
            source_id: Some(source.id),
        })
        .collect();

    let file = ArticleFile {
        id,
        slug: String::new(),
        title: title.clone(),
        page_type: result.page_type.as_str().to_owned(),
        summary: result.summary.clone(),
        confidence: confidence.as_str().to_owned(),
        provider: compiled.provider.as_str().to_owned(),
        model: compiled.model.clone(),
        version: 0,
        concepts: concepts.iter().map(|(_, d)| d.clone()).collect(),
        aliases: source
            .title
            .iter()
            .filter(|t| normalize_title(t) != title_key)
            .cloned()
            .collect(),
        claims: grounded
            .iter()
            .map(|c| ClaimLine {
                text: c.text.clone(),
                confidence: c.confidence.as_str().to_owned(),
                quote: c.quote.clone(),
                verified: c.verified,
            })
            .collect(),
        body: result.article_body.clone(),
        open_questions: result.open_questions.clone(),
        sources: vec![SourceLine {
            id: source.id,
            title: source.title.clone(),
            url: source.url.clone(),
            ingested: source.created_at,
        }],
        compiled: db::now(),
    };
    let write = ArticleWrite {
        id,
        slug: String::new(),
        title: title.clone(),
        title_key: title_key.clone(),
        summary: result.summary.clone(),
        page_type: result.page_type,
        confidence,
        provider: compiled.provider.as_str().to_owned(),
        model: compiled.model.clone(),
        awaiting_model: compiled.awaiting_model,
        body: result.article_body.clone(),
        open_questions: result.open_questions.clone(),
        concepts,
        claims,
        source_ids: vec![source.id],
        alias_keys: alias_keys.clone(),
        links,
        mention_passages: Vec::new(),
        file_content: String::new(),
    };

    let published = wiki::save_compiled(
        &ctx.wiki,
        Some(&ctx.llm.router()),
        Draft {
            text: format!("{}\n\n{}\n\n{text}", result.summary, result.article_body),
            write,
            file,
        },
        existing.as_ref(),
        LogLine {
            action: if existing.is_some() {
                "recompile"
            } else {
                "compile"
            },
            fields: vec![
                ("source_id", source.id.to_string()),
                ("provider", compiled.provider.as_str().to_owned()),
            ],
        },
        &concept_keys,
        Some(job_id),
    )
    .await?;
    Ok(published.article)
}

/// Backlink suggestions, and the wikilinks of the body and of the source itself (a person's
/// own `[[links]]` in a note are kept whatever the compiler wrote), each resolved to an
/// article when one exists.
async fn resolve_links(
    ctx: &WorkerContext,
    id: ArticleId,
    result: &CompileResult,
    source_text: &str,
) -> Result<Vec<LinkWrite>, StageError> {
    let mut targets: Vec<(String, RelationType, &'static str)> = result
        .backlink_suggestions
        .iter()
        .map(|s| (s.target.trim().to_owned(), s.relation_type, "suggestion"))
        .collect();
    for t in wiki::wikilink_targets(&result.article_body)
        .into_iter()
        .chain(wiki::wikilink_targets(source_text))
    {
        targets.push((t, RelationType::References, "wikilink"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut links = Vec::new();
    for (text, relation_type, origin) in targets {
        let key = normalize_title(&text);
        if key.is_empty() || key == normalize_title(&result.title) || !seen.insert(key.clone()) {
            continue;
        }
        let to = db::articles::resolve_title(&ctx.db, &text, &key, Some(id)).await?;
        links.push(LinkWrite {
            target_text: text,
            target_key: key,
            to_article_id: to.map(|a| a.id),
            relation_type,
            origin,
            mention: None,
        });
    }
    Ok(links)
}
