//! `wiki/index.md` (every article grouped by concept) and entries of `wiki/log.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::db::articles::IndexEntry;

/// Renders the index: counts, then one section per concept, then uncategorised articles.
pub fn render_index(entries: &[IndexEntry], generated: DateTime<Utc>) -> String {
    let mut out = format!(
        "---\ntitle: Wiki Index\npage_type: index\ngenerated: {}\n---\n\n# Wiki Index\n\n**{} articles**\n\n",
        generated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        entries.len()
    );
    let mut by_concept: BTreeMap<String, Vec<&IndexEntry>> = BTreeMap::new();
    let mut uncategorised = Vec::new();
    for e in entries {
        if e.concepts.is_empty() {
            uncategorised.push(e);
        }
        for c in &e.concepts {
            by_concept.entry(c.to_lowercase()).or_default().push(e);
        }
    }
    for (concept, list) in &by_concept {
        out.push_str(&format!("## {concept}\n\n"));
        for e in list {
            out.push_str(&line(e));
        }
        out.push('\n');
    }
    if !uncategorised.is_empty() {
        out.push_str("## Uncategorised\n\n");
        for e in uncategorised {
            out.push_str(&line(e));
        }
    }
    out
}

fn line(e: &IndexEntry) -> String {
    let badge = if e.page_type == "source" {
        String::new()
    } else {
        format!(" `[{}]`", e.page_type)
    };
    // Obsidian resolves a link by file name, and articles are stored as `<slug>.md`.
    format!(
        "- [[{}|{}]]{badge} — {}\n",
        e.slug,
        e.title.replace(['[', ']', '|', '\n'], " ").trim(),
        first_sentence(&e.summary, 120)
    )
}

fn first_sentence(s: &str, max_chars: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = s.find(". ").map(|i| i + 1).unwrap_or(s.len());
    let sentence = &s[..end];
    if sentence.chars().count() <= max_chars {
        sentence.to_owned()
    } else {
        let cut: String = sentence.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// One entry of the append-only activity log.
pub fn log_entry(at: DateTime<Utc>, op: &str, title: &str, details: &[(&str, String)]) -> String {
    let mut out = format!(
        "\n## [{}] {op} | {}\n",
        at.format("%Y-%m-%d %H:%M:%S"),
        title.replace('\n', " ")
    );
    for (k, v) in details {
        out.push_str(&format!("- {k}: {}\n", v.replace('\n', " ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_groups_articles_by_concept() {
        let entries = vec![
            IndexEntry {
                slug: "a".into(),
                title: "Alpha".into(),
                summary: "First. Second.".into(),
                page_type: "source".into(),
                concepts: vec!["Threads".into()],
            },
            IndexEntry {
                slug: "b".into(),
                title: "Beta".into(),
                summary: "Only.".into(),
                page_type: "source".into(),
                concepts: vec![],
            },
        ];
        let md = render_index(&entries, Utc::now());
        assert!(md.contains("**2 articles**"));
        assert!(md.contains("## threads\n\n- [[a|Alpha]] — First.\n"));
        assert!(md.contains("## Uncategorised\n\n- [[b|Beta]] — Only.\n"));
    }
}
