//! Writing a compiled article: the row, its claims, sources, concepts, aliases, outgoing
//! links, a version snapshot and its search passages, all in one transaction.

use uuid::Uuid;

use super::super::{BeginWrite, Db, DbResult, now};
use crate::compile::{Confidence, PageType, RelationType};
use crate::db::search::write_passages;
use crate::domain::{ArticleId, SourceId};
use crate::on_db;
use crate::search::{PassageInput, passages};

/// A claim as stored.
#[derive(Debug, Clone)]
pub struct ClaimWrite {
    pub text: String,
    pub confidence: Confidence,
    pub quote: Option<String>,
    pub verified: bool,
    pub span: Option<(i64, i64)>,
    pub source_id: Option<SourceId>,
}

/// An outgoing link as stored; `to_article_id` is `None` while unresolved.
#[derive(Debug, Clone)]
pub struct LinkWrite {
    pub target_text: String,
    pub target_key: String,
    pub to_article_id: Option<ArticleId>,
    pub relation_type: RelationType,
    /// `suggestion` (from the compiler's backlink suggestions), `wikilink` (from the body),
    /// `mention` (the text names the target) or `inverse` (added by Health as the inverse of
    /// a symmetric link to this article).
    pub origin: &'static str,
    /// The words naming the target, for a link found by mention.
    pub mention: Option<String>,
}

/// Everything stored for one article.
#[derive(Debug, Clone)]
pub struct ArticleWrite {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub title_key: String,
    pub summary: String,
    pub page_type: PageType,
    pub confidence: Confidence,
    pub provider: String,
    pub model: String,
    /// Written by the offline compiler because the model failed; compiled again later.
    pub awaiting_model: bool,
    pub body: String,
    pub open_questions: Vec<String>,
    /// Concept (normalised key, display name) pairs.
    pub concepts: Vec<(String, String)>,
    pub claims: Vec<ClaimWrite>,
    pub source_ids: Vec<SourceId>,
    /// Normalised alternative titles that links may use.
    pub alias_keys: Vec<String>,
    pub links: Vec<LinkWrite>,
    /// Where the article may name others (its text, then its source's), in passages: the
    /// index a new article searches for the articles that name it.
    pub mention_passages: Vec<String>,
    /// The full markdown file, kept as this version's snapshot.
    pub file_content: String,
}

/// Inserts the article, or replaces it in place (same id and slug) with the version bumped.
/// Returns the stored version number.
#[tracing::instrument(skip_all, fields(article_id = %a.id, slug = %a.slug), err)]
pub async fn save_article(db: &Db, a: &ArticleWrite) -> DbResult<i32> {
    let ts = now();
    let open_questions = serde_json::to_string(&a.open_questions)
        .map_err(|e| super::super::DbError::Corrupt(e.to_string()))?;
    // The search index is written in the same transaction, so it never lags the article.
    let claim_texts: Vec<(&str, Option<&str>)> = a
        .claims
        .iter()
        .map(|c| (c.text.as_str(), c.quote.as_deref()))
        .collect();
    // A concept page repeats its articles' summaries and claims, which are indexed under
    // them: only its own summary is, so it does not crowd them out of the results.
    let own_text = a.page_type != PageType::Concept;
    let passages = passages(&PassageInput {
        summary: &a.summary,
        body: if own_text { &a.body } else { "" },
        claims: if own_text { &claim_texts } else { &[] },
    });
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let existing: Option<(i32,)> = sqlx::query_as("select version from articles where id = $1")
            .bind(a.id)
            .fetch_optional(&mut *tx)
            .await?;
        let version = existing.map(|(v,)| v + 1).unwrap_or(1);
        if existing.is_some() {
            sqlx::query(
                "update articles set title = $2, title_key = $3, summary = $4, page_type = $5, \
                 confidence = $6, provider = $7, model = $8, body = $9, open_questions = $10, \
                 version = $11, updated_at = $12, awaiting_model = $13 where id = $1",
            )
            .bind(a.id)
            .bind(&a.title)
            .bind(&a.title_key)
            .bind(&a.summary)
            .bind(a.page_type.as_str())
            .bind(a.confidence.as_str())
            .bind(&a.provider)
            .bind(&a.model)
            .bind(&a.body)
            .bind(&open_questions)
            .bind(version)
            .bind(ts)
            .bind(a.awaiting_model)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "insert into articles (id, slug, title, title_key, summary, page_type, confidence, \
                 provider, model, body, open_questions, version, created_at, updated_at, awaiting_model) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
            )
            .bind(a.id)
            .bind(&a.slug)
            .bind(&a.title)
            .bind(&a.title_key)
            .bind(&a.summary)
            .bind(a.page_type.as_str())
            .bind(a.confidence.as_str())
            .bind(&a.provider)
            .bind(&a.model)
            .bind(&a.body)
            .bind(&open_questions)
            .bind(version)
            .bind(ts)
            .bind(a.awaiting_model)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "insert into article_versions (id, article_id, version, title, summary, provider, content, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind(a.id)
        .bind(version)
        .bind(&a.title)
        .bind(&a.summary)
        .bind(&a.provider)
        .bind(&a.file_content)
        .bind(ts)
        .execute(&mut *tx)
        .await?;

        sqlx::query("delete from claims where article_id = $1")
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
        for (position, c) in a.claims.iter().enumerate() {
            sqlx::query(
                "insert into claims (id, article_id, position, text, confidence, quote, verified, \
                 span_start, span_end, source_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(a.id)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .bind(&c.text)
            .bind(c.confidence.as_str())
            .bind(&c.quote)
            .bind(c.verified)
            .bind(c.span.map(|s| s.0))
            .bind(c.span.map(|s| s.1))
            .bind(c.source_id)
            .execute(&mut *tx)
            .await?;
        }

        for source_id in &a.source_ids {
            sqlx::query(
                "insert into article_sources (article_id, source_id) values ($1, $2) \
                 on conflict (article_id, source_id) do nothing",
            )
            .bind(a.id)
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        }

        sqlx::query("delete from article_concepts where article_id = $1")
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
        for (key, display) in &a.concepts {
            sqlx::query(
                "insert into concepts (id, name, display_name, created_at) values ($1, $2, $3, $4) \
                 on conflict (name) do nothing",
            )
            .bind(Uuid::now_v7())
            .bind(key)
            .bind(display)
            .bind(ts)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "insert into article_concepts (article_id, concept_id) \
                 select $1, id from concepts where name = $2 \
                 on conflict (article_id, concept_id) do nothing",
            )
            .bind(a.id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }

        sqlx::query("delete from article_aliases where article_id = $1")
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
        for alias in &a.alias_keys {
            sqlx::query(
                "insert into article_aliases (article_id, alias_key) values ($1, $2) \
                 on conflict (article_id, alias_key) do nothing",
            )
            .bind(a.id)
            .bind(alias)
            .execute(&mut *tx)
            .await?;
        }

        sqlx::query("delete from mention_texts where article_id = $1")
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
        for passage in &a.mention_passages {
            sqlx::query("insert into mention_texts (article_id, content) values ($1, $2)")
                .bind(a.id)
                .bind(passage)
                .execute(&mut *tx)
                .await?;
        }

        // A link Health added as the inverse of another page's link is a person's repair,
        // not the compiler's: it survives recompiling (the compiler's link to the same
        // target then yields to it).
        sqlx::query("delete from links where from_article_id = $1 and origin <> 'inverse'")
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
        for l in &a.links {
            sqlx::query(
                "insert into links (id, from_article_id, target_text, target_key, to_article_id, \
                 relation_type, origin, created_at, mention) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 on conflict (from_article_id, target_key) do nothing",
            )
            .bind(Uuid::now_v7())
            .bind(a.id)
            .bind(&l.target_text)
            .bind(&l.target_key)
            .bind(l.to_article_id)
            .bind(l.relation_type.as_str())
            .bind(l.origin)
            .bind(ts)
            .bind(l.mention.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        write_passages!(tx, a.id, &a.title, passages);
        tx.commit().await?;
        Ok(version)
    })
}

/// Deletes an article (claims, links and versions go with it; links pointing at it become
/// unresolved again).
pub async fn delete_article(db: &Db, id: ArticleId) -> DbResult<()> {
    on_db!(db, |p| sqlx::query("delete from articles where id = $1")
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
