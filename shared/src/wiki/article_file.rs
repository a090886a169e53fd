//! One article as a markdown file: YAML frontmatter, then summary, key claims, body, open
//! questions and sources. `[[wikilinks]]` stay wikilinks in the file; resolution lives in the
//! database.

use crate::domain::{ArticleId, SourceId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A claim line in the file.
#[derive(Debug, Clone)]
pub struct ClaimLine {
    pub text: String,
    pub confidence: String,
    pub quote: Option<String>,
    pub verified: bool,
}

/// A source line in the file.
#[derive(Debug, Clone)]
pub struct SourceLine {
    pub id: SourceId,
    pub title: Option<String>,
    pub url: Option<String>,
    pub ingested: DateTime<Utc>,
}

/// Everything an article file shows.
#[derive(Debug, Clone)]
pub struct ArticleFile {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub page_type: String,
    pub summary: String,
    pub confidence: String,
    pub provider: String,
    pub model: String,
    pub version: i32,
    pub concepts: Vec<String>,
    pub aliases: Vec<String>,
    pub claims: Vec<ClaimLine>,
    pub body: String,
    pub open_questions: Vec<String>,
    pub sources: Vec<SourceLine>,
    pub compiled: DateTime<Utc>,
}

#[derive(Serialize)]
struct Frontmatter<'a> {
    id: String,
    title: &'a str,
    slug: &'a str,
    page_type: &'a str,
    confidence: &'a str,
    provider: &'a str,
    model: &'a str,
    version: i32,
    compiled: String,
    concepts: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    aliases: &'a [String],
    sources: Vec<String>,
}

/// Renders the file.
pub fn render_article(a: &ArticleFile) -> String {
    // The file is named by its slug; the title among the aliases lets Obsidian's search and
    // link suggestions find it by name.
    let mut aliases = vec![one_line(&a.title)];
    for alias in &a.aliases {
        if !aliases.iter().any(|x| x.eq_ignore_ascii_case(alias.trim())) {
            aliases.push(one_line(alias));
        }
    }
    let fm = Frontmatter {
        id: a.id.to_string(),
        title: &a.title,
        slug: &a.slug,
        page_type: &a.page_type,
        confidence: &a.confidence,
        provider: &a.provider,
        model: &a.model,
        version: a.version,
        compiled: a
            .compiled
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        concepts: &a.concepts,
        aliases: &aliases,
        sources: a.sources.iter().map(|s| s.id.to_string()).collect(),
    };
    // Serialising a plain struct of strings cannot fail; an empty mapping is the safe fallback.
    let yaml = serde_norway::to_string(&fm).unwrap_or_else(|_| String::from("{}\n"));
    let mut out = String::with_capacity(a.body.len() + 2048);
    out.push_str("---\n");
    out.push_str(&yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("---\n\n");
    out.push_str(&format!("# {}\n\n", one_line(&a.title)));
    out.push_str("## Summary\n\n");
    out.push_str(a.summary.trim());
    out.push_str("\n\n");
    if !a.claims.is_empty() {
        out.push_str("## Key claims\n\n");
        for c in &a.claims {
            out.push_str(&format!("- **{}** *({})*", one_line(&c.text), c.confidence));
            if let Some(q) = &c.quote {
                let mark = if c.verified {
                    ""
                } else {
                    " *(quote not found in the source)*"
                };
                out.push_str(&format!("\n  > \"{}\"{mark}", one_line(q)));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let body = strip_leading_title(a.body.trim(), &a.title);
    if !body.is_empty() {
        out.push_str(body);
        out.push_str("\n\n");
    }
    if !a.open_questions.is_empty() {
        out.push_str("## Open questions\n\n");
        for q in &a.open_questions {
            out.push_str(&format!("- {}\n", one_line(q)));
        }
        out.push('\n');
    }
    if !a.sources.is_empty() {
        out.push_str("## Sources\n\n");
        for s in &a.sources {
            let label = s
                .title
                .as_deref()
                .or(s.url.as_deref())
                .unwrap_or("Uploaded document");
            let date = s.ingested.format("%Y-%m-%d");
            match &s.url {
                Some(url) => out.push_str(&format!(
                    "- [{}]({url}) (ingested {date})\n",
                    one_line(label)
                )),
                None => out.push_str(&format!("- {} (ingested {date})\n", one_line(label))),
            }
        }
    }
    out
}

/// Collapses whitespace so a value cannot break the line-oriented markdown around it.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body often repeats the title as its first heading; the file already has one.
fn strip_leading_title<'a>(body: &'a str, title: &str) -> &'a str {
    let first = body.lines().next().unwrap_or_default();
    let heading = first.trim_start_matches('#').trim();
    if first.starts_with("# ") && heading.eq_ignore_ascii_case(title.trim()) {
        body[first.len()..].trim_start()
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ArticleFile {
        ArticleFile {
            id: ArticleId::from_uuid(uuid::Uuid::nil()),
            slug: "json-encoder".into(),
            title: "json: \"encoder\" — and: decoder".into(),
            page_type: "source".into(),
            summary: "JSON is a format.".into(),
            confidence: "sourced".into(),
            provider: "offline".into(),
            model: "extractive-1".into(),
            version: 2,
            concepts: vec!["json".into(), "serialization: basics".into()],
            aliases: vec![],
            claims: vec![ClaimLine {
                text: "JSON is text.".into(),
                confidence: "sourced".into(),
                quote: Some("JSON is a lightweight\ndata format".into()),
                verified: true,
            }],
            body: "# json: \"encoder\" — and: decoder\n\n## Overview\n\nSee [[Python]].".into(),
            open_questions: vec!["Why?".into()],
            sources: vec![SourceLine {
                id: SourceId::from_uuid(uuid::Uuid::nil()),
                title: Some("json docs".into()),
                url: Some("https://docs.python.org/3/library/json.html".into()),
                ingested: Utc::now(),
            }],
            compiled: Utc::now(),
        }
    }

    #[test]
    fn frontmatter_is_valid_yaml_even_with_quotes_and_colons() {
        let file = render_article(&sample());
        let rest = file.strip_prefix("---\n").expect("starts with frontmatter");
        let end = rest.find("\n---\n").expect("frontmatter ends");
        let yaml: serde_norway::Value = serde_norway::from_str(&rest[..end]).expect("valid YAML");
        assert_eq!(
            yaml["title"].as_str(),
            Some("json: \"encoder\" — and: decoder")
        );
        assert_eq!(yaml["concepts"][1].as_str(), Some("serialization: basics"));
        assert_eq!(yaml["version"].as_i64(), Some(2));
    }

    #[test]
    fn the_body_keeps_wikilinks_and_loses_its_duplicate_title() {
        let file = render_article(&sample());
        assert!(file.contains("See [[Python]]."));
        assert_eq!(file.matches("# json: \"encoder\"").count(), 1);
        assert!(file.contains("> \"JSON is a lightweight data format\""));
        assert!(
            file.contains(
                "## Sources\n\n- [json docs](https://docs.python.org/3/library/json.html)"
            )
        );
    }
}
