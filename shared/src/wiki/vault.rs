//! The vault file of an article: its stored page with every `[[link]]` written the way
//! Obsidian resolves links — by file name. Articles are stored as `<slug>.md`, so a link to
//! a resolved article becomes `[[slug|label]]`; a link that resolves to nothing yet is left as
//! its label in plain text (Obsidian would otherwise offer to create an empty page), and comes
//! back as a link when its article appears. A "Related" section lists every linked article.
//!
//! The stored page (each version's snapshot) keeps the links as compiled, by title; this
//! transform is applied whenever the file is written, so relinking an article only rewrites
//! its file from its snapshot and its current links.

use regex::Captures;
use std::collections::{HashMap, HashSet};

use super::WIKILINK;
use crate::compile::normalize_title;

/// A link of an article as the vault shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLink {
    /// The normalised title the link was written with.
    pub target_key: String,
    /// The linked article, when the link resolves.
    pub target: Option<LinkedArticle>,
    /// `references`, `extends`…
    pub relation: String,
}

/// The article a link resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedArticle {
    pub slug: String,
    pub title: String,
}

/// A claim of the page that a resolved contradiction went against, and the page that won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultDispute {
    pub claim: String,
    pub by: LinkedArticle,
    /// The claim is out of date (the other page is newer), rather than wrong.
    pub superseded: bool,
}

/// The vault file for a stored page, the article's links and its disputed claims.
pub fn vault_file(page: &str, links: &[VaultLink], disputes: &[VaultDispute]) -> String {
    let by_key: HashMap<&str, &LinkedArticle> = links
        .iter()
        .filter_map(|l| l.target.as_ref().map(|t| (l.target_key.as_str(), t)))
        .collect();
    let mut out = String::with_capacity(page.len() + 256);
    let mut in_fence = false;
    let mut in_frontmatter = page.starts_with("---\n");
    for (n, line) in page.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if in_frontmatter {
            if n > 0 && line.trim_end() == "---" {
                in_frontmatter = false;
            }
            out.push_str(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence {
            // Obsidian does not read links in code; neither is anything rewritten there.
            out.push_str(line);
            continue;
        }
        if line.starts_with("## Sources") {
            out.push_str(&disputed_section(disputes));
            out.push_str(&related_section(links));
        }
        out.push_str(&rewrite_links(line, &by_key));
    }
    let related = disputed_section(disputes) + &related_section(links);
    if !page.contains("\n## Sources") && !related.is_empty() {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&related);
    }
    out
}

/// `[[Target|label]]` → `[[slug|label]]` when resolved, else `label` as text.
fn rewrite_links(line: &str, by_key: &HashMap<&str, &LinkedArticle>) -> String {
    WIKILINK
        .replace_all(line, |c: &Captures| {
            let target = c.get(1).map_or("", |m| m.as_str()).trim();
            let label = c
                .get(2)
                .map(|m| m.as_str().trim())
                .filter(|l| !l.is_empty())
                .unwrap_or(target);
            match by_key.get(normalize_title(target).as_str()) {
                Some(article) => format!("[[{}|{}]]", article.slug, label),
                None => label.to_owned(),
            }
        })
        .into_owned()
}

/// `## Related`: each linked article once, with how it relates; empty without any.
/// `## Disputed`: each claim a resolved contradiction went against, with the page that won.
fn disputed_section(disputes: &[VaultDispute]) -> String {
    if disputes.is_empty() {
        return String::new();
    }
    let mut lines = String::new();
    for d in disputes {
        let title = d.by.title.replace(['[', ']', '|', '\n'], " ");
        let link = format!("[[{}|{}]]", d.by.slug, title.trim());
        let claim = d.claim.replace('\n', " ");
        if d.superseded {
            lines.push_str(&format!("- “{claim}” is out of date: {link} is newer.\n"));
        } else {
            lines.push_str(&format!(
                "- “{claim}” is disputed: {link} says otherwise.\n"
            ));
        }
    }
    format!("## Disputed\n\n{lines}\n")
}

fn related_section(links: &[VaultLink]) -> String {
    let mut seen = HashSet::new();
    let mut lines = String::new();
    for link in links {
        let Some(article) = &link.target else {
            continue;
        };
        if seen.insert(article.slug.as_str()) {
            let title = article.title.replace(['[', ']', '|', '\n'], " ");
            lines.push_str(&format!(
                "- [[{}|{}]] *({})*\n",
                article.slug,
                title.trim(),
                link.relation.replace('_', " ")
            ));
        }
    }
    if lines.is_empty() {
        return lines;
    }
    format!("## Related\n\n{lines}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(key: &str, slug: Option<&str>, relation: &str) -> VaultLink {
        VaultLink {
            target_key: key.to_owned(),
            target: slug.map(|s| LinkedArticle {
                slug: s.to_owned(),
                title: format!("Title of {s}"),
            }),
            relation: relation.to_owned(),
        }
    }

    const PAGE: &str = "---\ntitle: Heaps\naliases:\n- '[[not a link]]'\n---\n\n# Heaps\n\nSee [[Queue]] and [[queue|the queue page]], not [[Nowhere]].\n\n```\n[[Queue]] in code\n```\n\n## Sources\n\n- x\n";

    #[test]
    fn resolved_links_name_the_file_and_unresolved_ones_become_text() {
        let links = [
            link(&normalize_title("Queue"), Some("queue"), "references"),
            link(&normalize_title("Nowhere"), None, "references"),
        ];
        let file = vault_file(PAGE, &links, &[]);
        assert!(
            file.contains("See [[queue|Queue]] and [[queue|the queue page]], not Nowhere."),
            "{file}"
        );
        assert!(file.contains("[[Queue]] in code"), "code is left alone");
        assert!(
            file.contains("- '[[not a link]]'"),
            "frontmatter is left alone"
        );
        assert!(
            file.contains("## Related\n\n- [[queue|Title of queue]] *(references)*\n\n## Sources"),
            "{file}"
        );
    }

    #[test]
    fn a_disputed_claim_is_listed_before_the_sources_with_the_page_that_won() {
        let dispute = VaultDispute {
            claim: "The light was first lit in 1850.".into(),
            by: LinkedArticle {
                slug: "harbour-keepers".into(),
                title: "Harbour keepers".into(),
            },
            superseded: false,
        };
        let file = vault_file("# A\n\nText.\n\n## Sources\n\n- s\n", &[], &[dispute]);
        assert!(
            file.contains(
                "## Disputed\n\n- “The light was first lit in 1850.” is disputed: \
                 [[harbour-keepers|Harbour keepers]] says otherwise.\n\n## Sources"
            ),
            "{file}"
        );
    }

    #[test]
    fn without_links_the_page_only_loses_its_brackets() {
        let file = vault_file("# A\n\nSee [[B]].\n", &[], &[]);
        assert_eq!(file, "# A\n\nSee B.\n");
    }

    #[test]
    fn a_related_section_is_added_at_the_end_without_sources() {
        let file = vault_file(
            "# A\n\nText.\n",
            &[
                link("b", Some("b"), "extends"),
                link("b2", Some("b"), "references"),
            ],
            &[],
        );
        assert_eq!(
            file,
            "# A\n\nText.\n\n## Related\n\n- [[b|Title of b]] *(extends)*\n\n"
        );
    }
}
