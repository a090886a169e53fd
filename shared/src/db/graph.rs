//! Queries for the wiki's graph: the articles (most recently changed first, optionally those of
//! one concept), the resolved links among them and their concepts, each in one statement.

use super::{Db, DbResult};
use crate::domain::ArticleId;
use crate::on_db;

/// An article as a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphArticle {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub page_type: String,
}

/// Up to `limit` articles, most recently changed first; with `concept`, those carrying it.
pub async fn articles(db: &Db, concept: Option<&str>, limit: i64) -> DbResult<Vec<GraphArticle>> {
    let rows: Vec<(ArticleId, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "select a.id, a.slug, a.title, a.page_type from articles a \
         where $1 is null or exists (select 1 from article_concepts ac \
           join concepts c on c.id = ac.concept_id where ac.article_id = a.id and c.name = $1) \
         order by a.updated_at desc, a.id limit $2"
    )
    .bind(concept)
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, title, page_type)| GraphArticle {
            id,
            slug,
            title,
            page_type,
        })
        .collect())
}

/// Every resolved link between two different articles: (from, to, relation).
pub async fn links(db: &Db) -> DbResult<Vec<(ArticleId, ArticleId, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "select from_article_id, to_article_id, relation_type from links \
         where to_article_id is not null and to_article_id <> from_article_id"
    )
    .fetch_all(p)
    .await)?)
}

/// Every (article, concept key, concept display name) pair.
pub async fn concepts(db: &Db) -> DbResult<Vec<(ArticleId, String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "select ac.article_id, c.name, c.display_name from article_concepts ac \
         join concepts c on c.id = ac.concept_id"
    )
    .fetch_all(p)
    .await)?)
}
