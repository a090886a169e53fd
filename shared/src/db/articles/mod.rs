//! Queries on articles: reads for the API and lookups for compilation.

mod list;
mod merge;
mod save;

pub use list::{ArticleFilter, list};
pub use merge::{Merge, Merged, merge_into};
pub use save::{ArticleWrite, ClaimWrite, LinkWrite, delete_article, save_article};

use chrono::{DateTime, Utc};

use super::{Db, DbError, DbResult};
use crate::domain::{
    ArticleDetail, ArticleId, ArticleSourceRef, Claim, ClaimDispute, ClaimDisputeBy, ClaimSpan,
    SourceId,
};
use crate::on_db;

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: ArticleId,
    slug: String,
    title: String,
    summary: String,
    page_type: String,
    confidence: String,
    provider: String,
    model: String,
    awaiting_model: bool,
    body: String,
    open_questions: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A minimal reference to an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleKey {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
}

/// The source-page article compiled from a source, if any.
pub async fn find_for_source(db: &Db, source_id: SourceId) -> DbResult<Option<ArticleKey>> {
    let row: Option<(ArticleId, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "select a.id, a.slug, a.title from articles a join article_sources s on s.article_id = a.id \
         where s.source_id = $1 and a.page_type = 'source' order by a.created_at limit 1"
    )
    .bind(source_id)
    .fetch_optional(p)
    .await
    })?;
    Ok(row.map(|(id, slug, title)| ArticleKey { id, slug, title }))
}

/// An article's id, slug and title, if it exists.
pub async fn key(db: &Db, id: ArticleId) -> DbResult<Option<ArticleKey>> {
    let row: Option<(ArticleId, String, String)> = on_db!(db, |p| sqlx::query_as(
        "select id, slug, title from articles where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(id, slug, title)| ArticleKey { id, slug, title }))
}

/// The slug and the stored page (the current version's snapshot) of an article.
pub async fn current_page(db: &Db, id: ArticleId) -> DbResult<Option<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "select a.slug, v.content from articles a \
         join article_versions v on v.article_id = a.id and v.version = a.version \
         where a.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The stored version of an article (0 when it does not exist yet).
pub async fn current_version(db: &Db, id: ArticleId) -> DbResult<i32> {
    let row: Option<(i32,)> = on_db!(db, |p| sqlx::query_as(
        "select version from articles where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(v,)| v).unwrap_or(0))
}

/// The first free slug among `base`, `base-2`, `base-3`, … (one query, whatever the number of
/// namesakes). Another save may still take it first; the save's unique index says so.
pub async fn free_slug(db: &Db, base: &str) -> DbResult<String> {
    let rows: Vec<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select slug from articles where slug = $1 or slug like $2"
    )
    .bind(base)
    .bind(format!("{base}-%"))
    .fetch_all(p)
    .await)?;
    let taken = rows.into_iter().map(|(s,)| s).collect();
    Ok(crate::compile::first_free_slug(base, &taken))
}

/// Every article's id, slug and title, oldest first (the first one wins a title clash).
pub async fn all_keys(db: &Db) -> DbResult<Vec<ArticleKey>> {
    let rows: Vec<(ArticleId, String, String)> = on_db!(db, |p| sqlx::query_as(
        "select id, slug, title from articles order by created_at, id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, title)| ArticleKey { id, slug, title })
        .collect())
}

/// Resolves a link text to an article: exact title (ignoring case), then normalised title,
/// then a known alias. A name two articles share at the best of these levels resolves to
/// neither.
pub async fn resolve_title(
    db: &Db,
    text: &str,
    key: &str,
    exclude: Option<ArticleId>,
) -> DbResult<Option<ArticleKey>> {
    let rows: Vec<(i32, ArticleId, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "select rank, id, slug, title from ( \
           select id, slug, title, 0 as rank from articles where lower(title) = lower($1) \
           union all select id, slug, title, 1 from articles where title_key = $2 \
           union all select a.id, a.slug, a.title, 2 from articles a \
             join article_aliases al on al.article_id = a.id where al.alias_key = $2 \
         ) m where ($3 is null or id <> $3) order by rank limit 8",
        )
        .bind(text)
        .bind(key)
        .bind(exclude)
        .fetch_all(p)
        .await
    })?;
    // The best kind of match decides; two articles matching that well is a name they share,
    // and a shared name is not guessed.
    let Some(best) = rows.first().map(|r| r.0) else {
        return Ok(None);
    };
    let mut matches = rows.into_iter().filter(|r| r.0 == best);
    let first = matches.next();
    if let Some(f) = &first
        && matches.any(|r| r.1 != f.1)
    {
        return Ok(None);
    }
    Ok(first.map(|(_, id, slug, title)| ArticleKey { id, slug, title }))
}

/// The articles that go by each of these keys, as a title or an alias: `(key, article id)`
/// pairs, a key appearing once per article.
pub async fn named_by(db: &Db, keys: &[String]) -> DbResult<Vec<(String, ArticleId)>> {
    macro_rules! named {
        ($in:literal) => {
            concat!(
                "select title_key, id from articles where title_key ",
                $in,
                " union select alias_key, article_id from article_aliases where alias_key ",
                $in
            )
        };
    }
    let mut out = Vec::new();
    // Bounded statements, whatever the number of phrases a text holds.
    for chunk in keys.chunks(500) {
        let rows: Vec<(String, ArticleId)> = match db {
            Db::Sqlite(p) => {
                sqlx::query_as(named!("in (select value from json_each($1))"))
                    .bind(serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into()))
                    .fetch_all(p)
                    .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as(named!("= any($1)"))
                    .bind(chunk)
                    .fetch_all(p)
                    .await?
            }
        };
        out.extend(rows);
    }
    Ok(out)
}

/// The articles with these ids (those that still exist), in no particular order; a bounded
/// number of statements whatever the number of ids.
pub async fn keys_by_ids(db: &Db, ids: &[ArticleId]) -> DbResult<Vec<ArticleKey>> {
    let rows: Vec<(ArticleId, String, String)> =
        super::rows_for_ids(db, "select id, slug, title from articles where id", ids).await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, title)| ArticleKey { id, slug, title })
        .collect())
}

/// Articles whose only source is this one (deleted with it on a cascading delete).
pub async fn only_from_source(db: &Db, source_id: SourceId) -> DbResult<Vec<ArticleKey>> {
    let rows: Vec<(ArticleId, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "select a.id, a.slug, a.title from articles a join article_sources s on s.article_id = a.id \
         where s.source_id = $1 and a.page_type <> 'concept' and not exists ( \
           select 1 from article_sources o where o.article_id = a.id and o.source_id <> $1)"
    )
    .bind(source_id)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, title)| ArticleKey { id, slug, title })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    text: String,
    confidence: String,
    quote: Option<String>,
    verified: bool,
    span_start: Option<i64>,
    span_end: Option<i64>,
    source_id: Option<SourceId>,
}

/// An article with claims, sources and links, by id or slug.
pub async fn get_detail(db: &Db, id_or_slug: &str) -> DbResult<ArticleDetail> {
    let by_id = id_or_slug.parse::<ArticleId>().ok();
    let row: ArticleRow = on_db!(db, |p| {
        sqlx::query_as(
        "select id, slug, title, summary, page_type, confidence, provider, model, awaiting_model, \
         body, open_questions, version, created_at, updated_at from articles \
         where id = $1 or slug = $2 limit 1"
    )
    .bind(by_id)
    .bind(id_or_slug)
    .fetch_one(p)
    .await
    })?;
    let claims: Vec<ClaimRow> = on_db!(db, |p| sqlx::query_as(
        "select text, confidence, quote, verified, span_start, span_end, source_id from claims \
         where article_id = $1 order by position"
    )
    .bind(row.id)
    .fetch_all(p)
    .await)?;
    let disputes = super::contradictions::disputes_of(db, row.id).await?;
    let claims = claims
        .into_iter()
        .map(|c| {
            let disputed = disputes
                .iter()
                .find(|d| d.claim == c.text)
                .map(|d| ClaimDispute {
                    resolution: d.resolution.clone(),
                    by: ClaimDisputeBy {
                        id: d.by_id,
                        slug: d.by_slug.clone(),
                        title: d.by_title.clone(),
                    },
                });
            Ok(Claim {
                disputed,
                text: c.text,
                confidence: c.confidence.parse().map_err(corrupt)?,
                quote: c.quote,
                verified: c.verified,
                span: match (c.span_start, c.span_end) {
                    (Some(start), Some(end)) => Some(ClaimSpan { start, end }),
                    _ => None,
                },
                source_id: c.source_id,
                source_link: None,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    let sources: Vec<(SourceId, Option<String>, Option<String>, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "select s.id, s.title, s.url, s.kind from sources s join article_sources a on a.source_id = s.id \
         where a.article_id = $1 order by s.created_at"
    )
    .bind(row.id)
    .fetch_all(p)
    .await
    })?;
    Ok(ArticleDetail {
        id: row.id,
        concepts: super::concepts::for_article(db, row.id).await?,
        claims,
        open_questions: serde_json::from_str(&row.open_questions).map_err(corrupt)?,
        sources: sources
            .into_iter()
            .map(|(id, title, url, kind)| ArticleSourceRef {
                id,
                title,
                url,
                kind,
            })
            .collect(),
        backlinks_in: super::links::incoming(db, row.id).await?,
        backlinks_out: super::links::outgoing(db, row.id).await?,
        slug: row.slug,
        title: row.title,
        summary: row.summary,
        page_type: row.page_type.parse().map_err(corrupt)?,
        confidence: row.confidence.parse().map_err(corrupt)?,
        provider: row.provider,
        model: row.model,
        awaiting_model: row.awaiting_model,
        version: row.version,
        content: row.body,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One line of `wiki/index.md`.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub page_type: String,
    pub concepts: Vec<String>,
}

/// What changes whenever the index's content may: the number of articles and the time of the
/// latest save.
pub async fn index_fingerprint(db: &Db) -> DbResult<(i64, Option<String>)> {
    let row = on_db!(db, |p| sqlx::query_as(
        "select count(*), cast(max(updated_at) as text) from articles"
    )
    .fetch_one(p)
    .await)?;
    Ok(row)
}

/// Every article for the index, by title, with its concepts (two queries, whatever the size
/// of the wiki).
pub async fn index_entries(db: &Db) -> DbResult<Vec<IndexEntry>> {
    let rows: Vec<(ArticleId, String, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "select id, slug, title, summary, page_type from articles order by lower(title), id"
    )
    .fetch_all(p)
    .await)?;
    let pairs: Vec<(ArticleId, String)> = on_db!(db, |p| sqlx::query_as(
        "select ac.article_id, c.display_name from article_concepts ac \
         join concepts c on c.id = ac.concept_id order by c.display_name"
    )
    .fetch_all(p)
    .await)?;
    let mut concepts: std::collections::HashMap<ArticleId, Vec<String>> =
        std::collections::HashMap::new();
    for (id, name) in pairs {
        concepts.entry(id).or_default().push(name);
    }
    Ok(rows
        .into_iter()
        .map(|(id, slug, title, summary, page_type)| IndexEntry {
            concepts: concepts.remove(&id).unwrap_or_default(),
            slug,
            title,
            summary,
            page_type,
        })
        .collect())
}

/// Sources of articles the offline compiler wrote in the model's place, oldest first; those
/// with a job under way or waiting are left out (that job compiles them).
pub async fn awaiting_model_sources(db: &Db, limit: i64) -> DbResult<Vec<SourceId>> {
    let rows: Vec<(SourceId,)> = on_db!(db, |p| sqlx::query_as(
        "select s.source_id from article_sources s join articles a on a.id = s.article_id \
         where a.awaiting_model and not exists (select 1 from job_runs j \
           where j.source_id = s.source_id \
           and j.status in ('queued', 'running', 'paused_budget', 'awaiting_approval')) \
         group by s.source_id order by min(a.updated_at) limit $1"
    )
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Hands a source's offline stand-ins to the model: no longer waiting. The compile decides
/// again (a new stand-in waits again; a refusal of the source stays visible on its job
/// instead of being asked again every round).
pub async fn handed_to_model(db: &Db, source_id: SourceId) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update articles set awaiting_model = false where awaiting_model \
         and id in (select article_id from article_sources where source_id = $1)"
    )
    .bind(source_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
