//! Queries on concepts.

use serde::Serialize;
use uuid::Uuid;

use super::{Db, DbResult};
use crate::on_db;

/// A concept with the number of articles that carry it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConceptCount {
    pub name: String,
    pub display_name: String,
    pub article_count: i64,
}

/// The display names of an article's concepts.
pub async fn for_article(db: &Db, article_id: Uuid) -> DbResult<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, |p| {
        sqlx::query_as(
        "select c.display_name from concepts c join article_concepts ac on ac.concept_id = c.id \
         where ac.article_id = $1 order by c.display_name"
    )
    .bind(article_id)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Every concept with its article count, most used first; concepts no article uses are left out.
pub async fn list_with_counts(db: &Db) -> DbResult<Vec<ConceptCount>> {
    let rows: Vec<(String, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "select c.name, c.display_name, count(ac.article_id) as n from concepts c \
         join article_concepts ac on ac.concept_id = c.id group by c.id, c.name, c.display_name \
         order by n desc, c.name"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, display_name, article_count)| ConceptCount {
            name,
            display_name,
            article_count,
        })
        .collect())
}
