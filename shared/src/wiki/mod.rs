//! The wiki: rendering its markdown files (article pages with YAML frontmatter that Obsidian
//! opens, `index.md` and `log.md` entries), and [`Wiki`], the one writer of articles.

mod article_file;
mod candidates;
mod claim_links;
mod concept_pages;
mod concepts;
mod graph;
mod index_file;
mod index_writer;
mod mentions;
mod merge;
mod vault;
mod writer;

pub use article_file::{ArticleFile, ClaimLine, SourceLine, render_article};
pub use candidates::related_titles;
pub use claim_links::link_claims;
pub use concept_pages::{PageChange, delete_source_and_refresh, merge_and_refresh, save_compiled};
pub use concepts::{ConceptNode, HIERARCHY_SYSTEM_PROMPT, concept_tree, refresh_model_hierarchy};
pub use graph::{Graph, GraphCache, GraphEdge, GraphNode, MAX_GRAPH_NODES, communities};
pub use index_file::{log_entry, render_index};
pub use merge::MergeOutcome;
pub use vault::{LinkedArticle, VaultDispute, VaultLink, vault_file};
pub use writer::{DeletedSource, Draft, LinkBack, LogLine, Published, Wiki};

use std::sync::LazyLock;

use regex::Regex;

/// `[[Target]]` or `[[Target|label]]` (target in group 1, label in group 2); targets cannot
/// span lines or contain brackets.
static WIKILINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\[([^\[\]\|\n]{1,200})(?:\|([^\[\]\n]{0,200}))?\]\]")
        .unwrap_or_else(|_| unreachable!())
});

/// The distinct `[[wikilink]]` targets in a markdown text, in order of first appearance.
pub fn wikilink_targets(markdown: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    WIKILINK
        .captures_iter(markdown)
        .filter_map(|c| c.get(1).map(|m| m.as_str().trim().to_owned()))
        .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wikilink_targets_are_found_once_each() {
        let md = "See [[JSON]] and [[queue — A synchronized queue class|queues]], again [[json]].\n[[]] [[a\nb]]";
        assert_eq!(
            wikilink_targets(md),
            vec![
                "JSON".to_owned(),
                "queue — A synchronized queue class".to_owned()
            ]
        );
    }
}

/// Why the wiki could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WikiError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// Concurrent saves kept taking every free slug; trying again later succeeds.
    #[error("{0}")]
    Busy(&'static str),
}

/// Rewrites `wiki/index.md` from the database (through [`Wiki::refresh_index`], which does it
/// off the caller's path).
async fn refresh_index(
    db: &crate::db::Db,
    storage: &crate::storage::Storage,
) -> Result<(), WikiError> {
    let entries = crate::db::articles::index_entries(db).await?;
    let index = render_index(&entries, crate::db::now());
    storage.write_index(&index).await?;
    Ok(())
}
