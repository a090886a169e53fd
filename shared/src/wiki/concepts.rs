//! The concepts of the wiki as a tree: each concept with its article count and, where its head
//! noun names a broader concept of the wiki, that concept as its parent ("priority queue"
//! under "queue").

use serde::Serialize;

use crate::compile::concept_parents;
use crate::db::{self, Db, DbResult};

/// A concept as the wiki lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConceptNode {
    /// The concept's key (`thread-pool`), what `?concept=` filters by.
    pub name: String,
    pub display_name: String,
    pub article_count: i64,
    /// The key of the broader concept, if the wiki has one.
    pub parent: Option<String>,
}

/// Every concept in use, most used first, each with its parent.
pub async fn concept_tree(db: &Db) -> DbResult<Vec<ConceptNode>> {
    let counts = db::concepts::list_with_counts(db).await?;
    let mut parents = concept_parents(counts.iter().map(|c| c.name.as_str()));
    Ok(counts
        .into_iter()
        .map(|c| ConceptNode {
            parent: parents.remove(&c.name),
            name: c.name,
            display_name: c.display_name,
            article_count: c.article_count,
        })
        .collect())
}
