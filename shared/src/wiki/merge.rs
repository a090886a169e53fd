//! Merging duplicate articles (Health's fix for two pages about one thing): one survives and
//! takes the other's sources, names, concepts, claims and links (see
//! [`db::articles::merge_into`]); the other's text is kept in the survivor under
//! "Merged from …"; links that pointed at the other now point at the survivor, and the files
//! that hold them are rewritten. Nothing the other page held is lost.

use super::{Wiki, WikiError};
use crate::compile::normalize_title;
use crate::db::articles::{ArticleKey, Merge};
use crate::db::{self, DbError};
use crate::domain::ArticleId;

/// What a merge did.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    pub survivor: ArticleKey,
    pub merged: ArticleKey,
    /// Other pages whose links were redirected to the survivor.
    pub redirected: Vec<ArticleKey>,
}

impl Wiki {
    /// Folds `loser` into `survivor`. `None` when either page no longer exists.
    pub async fn merge(
        &self,
        survivor: ArticleId,
        loser: ArticleId,
    ) -> Result<Option<MergeOutcome>, WikiError> {
        let db = self.db();
        let (Some(kept), Some(gone)) = (
            db::articles::key(db, survivor).await?,
            db::articles::key(db, loser).await?,
        ) else {
            return Ok(None);
        };
        let (Some((_, kept_page)), Some((_, gone_page))) = (
            db::articles::current_page(db, survivor).await?,
            db::articles::current_page(db, loser).await?,
        ) else {
            return Ok(None);
        };
        let section = merged_section(&gone.title, &gone_page);
        let page = insert_before_sources(&kept_page, &section);
        let body_addition = format!("\n\n{}", section.trim_end());
        let merge = Merge {
            survivor,
            loser,
            page: &page,
            body_addition: &body_addition,
            loser_title_key: &normalize_title(&gone.title),
        };
        let merged = match db::articles::merge_into(db, &merge).await {
            Ok(merged) => merged,
            Err(DbError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Err(e) = self.storage.remove_article(&gone.slug).await {
            tracing::warn!(error = %e, slug = %gone.slug, "could not remove the merged article's file");
        }
        self.write_file(survivor).await?;
        let redirected = db::articles::keys_by_ids(db, &merged.redirected_from).await?;
        for page in &redirected {
            // Their links now name the survivor's file.
            self.write_file(page.id).await?;
        }
        self.refresh_index();
        self.log(
            "merge",
            &kept.title,
            &[
                ("article", kept.slug.clone()),
                ("merged", gone.slug.clone()),
                ("version", merged.version.to_string()),
            ],
        )
        .await;
        self.announce(&gone, true).await;
        for page in std::iter::once(&kept).chain(&redirected) {
            self.announce(page, false).await;
        }
        Ok(Some(MergeOutcome {
            survivor: kept,
            merged: gone,
            redirected,
        }))
    }
}

/// The merged page's text as a section of the survivor: its frontmatter, title and
/// `## Related` list left out (the survivor's links are listed with its own), its headings one
/// level down.
fn merged_section(title: &str, page: &str) -> String {
    let content = match page.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map_or(rest, |(_, after)| after),
        None => page,
    };
    let mut text = String::new();
    let mut in_fence = false;
    let mut title_skipped = false;
    let mut in_related = false;
    for line in content.trim_start().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let heading = !in_fence && line.starts_with('#');
        if heading && !title_skipped && line.starts_with("# ") {
            title_skipped = true;
            continue;
        }
        if heading && line.starts_with("## ") {
            in_related = line.trim_end() == "## Related";
        }
        if in_related {
            continue;
        }
        if heading {
            text.push('#');
        }
        text.push_str(line);
        text.push('\n');
    }
    format!("## Merged from “{}”\n\n{}\n\n", title.trim(), text.trim())
}

/// The page with `section` before its "## Sources" (or at its end).
fn insert_before_sources(page: &str, section: &str) -> String {
    match page.find("\n## Sources") {
        Some(at) => format!("{}\n{section}{}", &page[..at], &page[at + 1..]),
        None => format!("{}\n\n{section}", page.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: Debian Reference\n---\n\n# Debian Reference\n\n## Summary\n\nA guide.\n\n## Related\n\n- [[Apt]]\n\n## Sources\n\n- one\n";

    #[test]
    fn the_merged_text_loses_its_frontmatter_and_title_and_its_headings_go_down() {
        let section = merged_section("Debian Reference", PAGE);
        assert!(section.starts_with("## Merged from “Debian Reference”\n\n### Summary"));
        assert!(!section.contains("Related") && !section.contains("[[Apt]]"));
        assert!(!section.contains("title: Debian Reference"));
        assert!(!section.contains("\n# Debian Reference"));
        assert!(section.contains("### Summary\n\nA guide."));
        assert!(section.contains("### Sources"));
    }

    #[test]
    fn the_section_goes_before_the_survivors_sources() {
        let page = insert_before_sources(PAGE, "## Merged from “X”\n\nText.\n\n");
        let merged = page.find("## Merged from").unwrap();
        let sources = page.find("\n## Sources").unwrap();
        assert!(merged < sources, "{page}");
        assert!(page.ends_with("## Sources\n\n- one\n"));
    }
}
