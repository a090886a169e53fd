//! Publishing a compiled article: quote grounding, a unique slug (kept on recompile), links
//! resolved by title, the markdown file, the database rows in one transaction, re-resolution
//! of links that were waiting for this article, and the index and log.

use shared::compile::{
    CompileResult, RelationType, ground_claims, normalize_title, overall_confidence, slugify,
};
use shared::db::articles::{ArticleKey, ArticleWrite, ClaimWrite, LinkWrite};
use shared::db::{self, DbError};
use shared::domain::{Source, Title};
use shared::events::{Event, EventKind};
use shared::wiki::{self, ArticleFile, ClaimLine, SourceLine};
use uuid::Uuid;

use super::StageError;
use super::compile::Compiled;
use crate::context::WorkerContext;

/// Longest slug generated from a title (a numeric suffix may follow).
const SLUG_MAX: usize = 80;
/// Saves tried when other saves keep taking the free slug first (each try looks it up anew).
const SLUG_RACES: usize = 10;

/// Stores a compiled article for a source (replacing the source's previous article in place).
#[tracing::instrument(skip_all, fields(source_id = %source.id), err)]
pub(super) async fn publish_article(
    ctx: &WorkerContext,
    source: &Source,
    text: &str,
    compiled: Compiled,
) -> Result<ArticleKey, StageError> {
    let result = &compiled.result;
    let existing = db::articles::find_for_source(&ctx.db, source.id).await?;
    let id = existing.as_ref().map(|a| a.id).unwrap_or_else(Uuid::now_v7);

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

    let links = resolve_links(ctx, id, result).await?;
    let concepts: Vec<(String, String)> = result
        .concepts
        .iter()
        .map(|c| (normalize_title(c), c.trim().to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .collect();
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

    let mut file = ArticleFile {
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
    let mut write = ArticleWrite {
        id,
        slug: String::new(),
        title: title.clone(),
        title_key: title_key.clone(),
        summary: result.summary.clone(),
        page_type: result.page_type,
        confidence,
        provider: compiled.provider.as_str().to_owned(),
        model: compiled.model.clone(),
        body: result.article_body.clone(),
        open_questions: result.open_questions.clone(),
        concepts,
        claims,
        source_ids: vec![source.id],
        alias_keys: alias_keys.clone(),
        links,
        file_content: String::new(),
    };

    // The database row claims the slug first, so two compiles can never write the same file.
    let version = match &existing {
        Some(a) => {
            write.slug = a.slug.clone();
            save(ctx, &mut write, &mut file).await?
        }
        None => {
            let base = slugify(&title, SLUG_MAX);
            let mut saved = None;
            for _ in 0..SLUG_RACES {
                write.slug = db::articles::free_slug(&ctx.db, &base).await?;
                match save(ctx, &mut write, &mut file).await {
                    Err(SaveError::SlugTaken) => continue,
                    other => {
                        saved = Some(other?);
                        break;
                    }
                }
            }
            // Only other saves taking each free slug first, again and again, end up here.
            saved
                .ok_or_else(|| StageError::transient("other articles kept taking the free slug"))?
        }
    };
    // The snapshot rendered for the database is the file, unless a concurrent save moved
    // the version on in between.
    if version != file.version {
        file.version = version;
        write.file_content = wiki::render_article(&file);
    }
    ctx.storage
        .write_article(&write.slug, &write.file_content)?;

    let mut keys = vec![title_key];
    keys.extend(alias_keys);
    let relinked = db::links::resolve_pending(&ctx.db, id, &keys).await?;
    for other in relinked {
        if let Ok(Some(a)) = db::articles::key(&ctx.db, other).await {
            publish_article_event(ctx, a.id, &a.slug, &a.title).await;
        }
    }
    wiki::refresh_index(&ctx.db, &ctx.storage)
        .await
        .map_err(|e| StageError::transient(format!("index: {e}")))?;
    let entry = wiki::log_entry(
        db::now(),
        if existing.is_some() {
            "recompile"
        } else {
            "compile"
        },
        &title,
        &[
            ("source_id", source.id.to_string()),
            ("article", write.slug.clone()),
            ("provider", compiled.provider.as_str().to_owned()),
        ],
    );
    ctx.storage.append_log(&entry)?;
    publish_article_event(ctx, id, &write.slug, &title).await;
    Ok(ArticleKey {
        id,
        slug: write.slug,
        title,
    })
}

enum SaveError {
    SlugTaken,
    Other(StageError),
}

impl From<SaveError> for StageError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::SlugTaken => StageError::transient("slug taken"),
            SaveError::Other(e) => e,
        }
    }
}

async fn save(
    ctx: &WorkerContext,
    write: &mut ArticleWrite,
    file: &mut ArticleFile,
) -> Result<i32, SaveError> {
    file.slug = write.slug.clone();
    let current = db::articles::current_version(&ctx.db, write.id)
        .await
        .map_err(|e| SaveError::Other(e.into()))?;
    file.version = current + 1;
    write.file_content = wiki::render_article(file);
    match db::articles::save_article(&ctx.db, write).await {
        Ok(v) => Ok(v),
        Err(DbError::Conflict { constraint }) if constraint.contains("slug") => {
            Err(SaveError::SlugTaken)
        }
        Err(e) => Err(SaveError::Other(e.into())),
    }
}

/// Backlink suggestions and body wikilinks, each resolved to an article when one exists.
async fn resolve_links(
    ctx: &WorkerContext,
    id: Uuid,
    result: &CompileResult,
) -> Result<Vec<LinkWrite>, StageError> {
    let mut targets: Vec<(String, RelationType, &'static str)> = result
        .backlink_suggestions
        .iter()
        .map(|s| (s.target.trim().to_owned(), s.relation_type, "suggestion"))
        .collect();
    for t in wiki::wikilink_targets(&result.article_body) {
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
        });
    }
    Ok(links)
}

async fn publish_article_event(ctx: &WorkerContext, id: Uuid, slug: &str, title: &str) {
    ctx.bus
        .publish(Event::new(EventKind::ArticleUpdated {
            article_id: id,
            slug: slug.to_owned(),
            title: title.to_owned(),
            deleted: false,
        }))
        .await;
}
