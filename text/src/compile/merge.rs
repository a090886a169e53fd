//! Merging the per-chunk compile results of a long source into one article: claims deduplicated
//! and capped fairly across parts, concepts ranked by how many parts share them, bodies joined.

use std::collections::{HashMap, HashSet};

use super::body::{demote_headings, readable_body};
use super::contract::{CompileResult, CompiledClaim, PageType};
use super::grounding::tokens::tokens;

/// Most key claims kept.
pub const MAX_CLAIMS: usize = 40;
/// Most concepts kept.
pub const MAX_CONCEPTS: usize = 15;
/// Most backlink suggestions kept.
pub const MAX_SUGGESTIONS: usize = 20;
/// Most open questions kept.
pub const MAX_QUESTIONS: usize = 8;

/// Merges chunk results. Title: `title` if not blank, else the first part's. Summary: the first
/// part's, or the first sentences of the first parts if it is blank. Claims: deduplicated by
/// normalised text and chosen round-robin across parts up to [`MAX_CLAIMS`] (so the end of a long
/// source is represented too), then kept in document order. Concepts: case-insensitive union,
/// those shared by more parts first, up to [`MAX_CONCEPTS`]. Suggestions: union by lower-case
/// target. Open questions: deduplicated. Bodies: without what restates a part's summary, claims
/// or questions, joined by blank lines; each part under its title (its chapter) as a heading,
/// opened by its summary, when that title says something the article title does not.
pub fn merge_results(title: &str, parts: Vec<CompileResult>) -> CompileResult {
    let title = match title.trim() {
        "" => parts
            .first()
            .map_or_else(|| "Untitled".to_string(), |p| p.title.clone()),
        given => given.to_string(),
    };
    let summary = match parts.first() {
        Some(first) if !first.summary.trim().is_empty() => first.summary.clone(),
        _ => parts
            .iter()
            .filter_map(|p| first_sentence(&p.summary).or_else(|| first_sentence(&p.article_body)))
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    };

    let mut suggestions = Vec::new();
    let mut seen_targets = HashSet::new();
    let mut questions = Vec::new();
    let mut seen_questions = HashSet::new();
    for part in &parts {
        for s in &part.backlink_suggestions {
            if suggestions.len() < MAX_SUGGESTIONS
                && seen_targets.insert(s.target.trim().to_lowercase())
            {
                suggestions.push(s.clone());
            }
        }
        for q in &part.open_questions {
            if questions.len() < MAX_QUESTIONS && seen_questions.insert(claim_key(q)) {
                questions.push(q.clone());
            }
        }
    }

    // Each part says its own things once (see `readable_body`); with several parts, each is a
    // chapter under its heading, opened by its own summary (the first part's is the article's).
    let many = parts.len() > 1;
    let bodies: Vec<String> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let body = readable_body(p);
            let heading = p.title.trim();
            let says_more = !heading.is_empty()
                && !heading.eq_ignore_ascii_case(&title)
                && !is_part_label(heading);
            if !(many && says_more) {
                return (!body.is_empty()).then_some(body);
            }
            let lead = if i == 0 { "" } else { p.summary.trim() };
            let text = [lead, &demote_headings(&body)]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            Some(if text.is_empty() {
                format!("## {heading}")
            } else {
                format!("## {heading}\n\n{text}")
            })
        })
        .collect();

    CompileResult {
        title,
        page_type: parts.first().map_or(PageType::Source, |p| p.page_type),
        summary,
        key_claims: merge_claims(&parts),
        concepts: merge_concepts(&parts),
        backlink_suggestions: suggestions,
        open_questions: questions,
        article_body: bodies.join("\n\n"),
    }
}

/// Claims that differ only in case, punctuation or spacing are the same claim.
fn claim_key(text: &str) -> String {
    tokens(text).join(" ")
}

fn merge_claims(parts: &[CompileResult]) -> Vec<CompiledClaim> {
    let mut seen = HashSet::new();
    let unique: Vec<Vec<(usize, &CompiledClaim)>> = parts
        .iter()
        .map(|p| {
            p.key_claims
                .iter()
                .filter(|c| seen.insert(claim_key(&c.claim)))
                .enumerate()
                .collect()
        })
        .collect();
    let mut chosen: Vec<(usize, usize, &CompiledClaim)> = Vec::new();
    let deepest = unique.iter().map(Vec::len).max().unwrap_or(0);
    'rounds: for round in 0..deepest {
        for (part, claims) in unique.iter().enumerate() {
            if let Some((i, claim)) = claims.get(round) {
                if chosen.len() == MAX_CLAIMS {
                    break 'rounds;
                }
                chosen.push((part, *i, claim));
            }
        }
    }
    chosen.sort_by_key(|(part, i, _)| (*part, *i));
    chosen.into_iter().map(|(_, _, c)| c.clone()).collect()
}

fn merge_concepts(parts: &[CompileResult]) -> Vec<String> {
    // key → (first spelling, number of parts, first position)
    let mut stats: HashMap<String, (String, usize, usize)> = HashMap::new();
    let mut order = 0;
    for part in parts {
        let mut in_part = HashSet::new();
        for concept in &part.concepts {
            let key = concept.trim().to_lowercase();
            if key.is_empty() || !in_part.insert(key.clone()) {
                continue;
            }
            let entry = stats
                .entry(key)
                .or_insert_with(|| (concept.trim().to_string(), 0, order));
            entry.1 += 1;
            order += 1;
        }
    }
    let mut ranked: Vec<(String, usize, usize)> = stats.into_values().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    ranked
        .into_iter()
        .take(MAX_CONCEPTS)
        .map(|(name, _, _)| name)
        .collect()
}

/// Labels like "Title (Part 3)" that chunked compilation gives parts add nothing as headings.
fn is_part_label(title: &str) -> bool {
    let lower = title.to_lowercase();
    lower
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once("(part "))
        .is_some_and(|(_, n)| n.trim().chars().all(|c| c.is_ascii_digit()))
}

fn first_sentence(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let end = text
        .char_indices()
        .find(|(i, c)| {
            matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(char::is_whitespace)
        })
        .map_or(text.len(), |(i, _)| i + 1);
    Some(text[..end].split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::contract::{BacklinkSuggestion, Confidence, RelationType};

    fn part(
        title: &str,
        claims: &[&str],
        concepts: &[&str],
        targets: &[&str],
        body: &str,
    ) -> CompileResult {
        CompileResult {
            title: title.into(),
            page_type: PageType::Source,
            summary: format!("Summary of {title}. More."),
            key_claims: claims
                .iter()
                .map(|c| CompiledClaim {
                    claim: (*c).into(),
                    confidence: Confidence::Sourced,
                    quote: Some((*c).into()),
                })
                .collect(),
            concepts: concepts.iter().map(|c| (*c).into()).collect(),
            backlink_suggestions: targets
                .iter()
                .map(|t| BacklinkSuggestion {
                    target: (*t).into(),
                    relation_type: RelationType::References,
                })
                .collect(),
            open_questions: vec!["Why?".into(), "why".into()],
            article_body: body.into(),
        }
    }

    #[test]
    fn parts_are_merged_with_dedup_and_caps() {
        let merged = merge_results(
            "",
            vec![
                part(
                    "Doc (Part 1)",
                    &["Locks serialise access.", "Queues are FIFO."],
                    &["Lock", "Queue"],
                    &["Threading", "Queue"],
                    "Body one.",
                ),
                part(
                    "Doc (Part 2)",
                    &["locks serialise access", "Futures complete later."],
                    &["queue", "Future"],
                    &["threading", "Asyncio"],
                    "## Part two\n\nBody two.",
                ),
            ],
        );
        assert_eq!(merged.title, "Doc (Part 1)");
        assert_eq!(merged.summary, "Summary of Doc (Part 1). More.");
        let claims: Vec<&str> = merged.key_claims.iter().map(|c| c.claim.as_str()).collect();
        assert_eq!(
            claims,
            [
                "Locks serialise access.",
                "Queues are FIFO.",
                "Futures complete later."
            ]
        );
        assert_eq!(merged.concepts, ["Queue", "Lock", "Future"]);
        let targets: Vec<&str> = merged
            .backlink_suggestions
            .iter()
            .map(|s| s.target.as_str())
            .collect();
        assert_eq!(targets, ["Threading", "Queue", "Asyncio"]);
        assert_eq!(merged.open_questions, ["Why?"]);
        assert_eq!(merged.article_body, "Body one.\n\n## Part two\n\nBody two.");
    }

    #[test]
    fn chapters_say_their_summary_once_and_no_overview_repeats() {
        let chapter = |name: &str| {
            let mut p = part(
                name,
                &[&format!("{name} matters.")],
                &[],
                &[],
                &format!(
                    "## Overview\n\nSummary of {name}. More.\n\n## Key points\n\n- {name} \
                     matters.\n\n## Details\n\nWhat {name} adds."
                ),
            );
            p.open_questions.clear();
            p
        };
        let merged = merge_results("Book", vec![chapter("Intro"), chapter("Sorting")]);
        assert_eq!(
            merged.article_body,
            "## Intro\n\n### Details\n\nWhat Intro adds.\n\n\
             ## Sorting\n\nSummary of Sorting. More.\n\n### Details\n\nWhat Sorting adds."
        );
        assert_eq!(merged.article_body.matches("Overview").count(), 0);
    }

    #[test]
    fn the_claim_cap_keeps_every_part_represented() {
        let parts: Vec<CompileResult> = (0..10)
            .map(|p| {
                let claims: Vec<String> =
                    (0..8).map(|i| format!("Claim {i} of part {p}.")).collect();
                let refs: Vec<&str> = claims.iter().map(String::as_str).collect();
                part(&format!("Section {p}"), &refs, &[], &[], "b")
            })
            .collect();
        let merged = merge_results("Book", parts);
        assert_eq!(merged.title, "Book");
        assert_eq!(merged.key_claims.len(), MAX_CLAIMS);
        assert!(merged.key_claims.last().unwrap().claim.ends_with("part 9."));
        assert!(
            merged.article_body.starts_with(
                "## Section 0\n\nb\n\n## Section 1\n\nSummary of Section 1. More.\n\nb"
            )
        );
    }

    #[test]
    fn an_empty_merge_still_has_a_title() {
        let merged = merge_results("  ", Vec::new());
        assert_eq!(merged.title, "Untitled");
        assert!(merged.key_claims.is_empty() && merged.summary.is_empty());
        let mut blank = part("X", &[], &[], &[], "First line here. Second.");
        blank.summary = String::new();
        assert_eq!(merge_results("X", vec![blank]).summary, "First line here.");
    }
}
