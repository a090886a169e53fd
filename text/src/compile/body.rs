//! A compiled article body made readable. An article shows its summary, its key claims and its
//! open questions above and below the body, and models (asked for "an article with headings")
//! tend to open the body with an "Overview" that repeats the summary and a "Key points" list
//! that repeats the claims. Those restating sections are dropped so the article says each thing
//! once; sections that add something stay. The parts of a long source become its chapters.

use std::collections::HashSet;

use super::contract::CompileResult;
use super::grounding::tokens::tokens;
use super::markdown::{atx_heading, lines};

/// Headings of sections that introduce the article, as the summary does.
const INTRO_HEADINGS: [&str; 8] = [
    "overview",
    "summary",
    "introduction",
    "tl;dr",
    "tldr",
    "in brief",
    "at a glance",
    "abstract",
];
/// Headings of lists that restate the key claims.
const CLAIM_HEADINGS: [&str; 9] = [
    "key points",
    "key claims",
    "key takeaways",
    "takeaways",
    "main points",
    "key findings",
    "highlights",
    "claims",
    "key facts",
];
/// Headings of lists that restate the open questions.
const QUESTION_HEADINGS: [&str; 3] = ["open questions", "questions", "unanswered questions"];
/// Share of an introduction's words that, found in the summary, make it a repetition.
const REPEATED_SHARE: f64 = 0.7;

/// One top-level section of a body: its heading (none for text before the first heading) and its
/// content, heading line excluded.
struct Section<'a> {
    heading: Option<&'a str>,
    heading_line: &'a str,
    content: &'a str,
}

/// Splits a body at its `#` and `##` headings (outside code blocks).
fn sections(body: &str) -> Vec<Section<'_>> {
    let mut out = Vec::new();
    let mut current: Option<(Option<&str>, &str, usize)> = Some((None, "", 0));
    for line in lines(body) {
        let heading = (!line.in_code)
            .then(|| atx_heading(line.text))
            .flatten()
            .filter(|(level, _)| *level <= 2);
        if let Some((_, text)) = heading {
            if let Some((h, hl, start)) = current.take() {
                out.push(Section {
                    heading: h,
                    heading_line: hl,
                    content: &body[start..line.start],
                });
            }
            let next = (line.start + line.text.len() + 1).min(body.len());
            current = Some((Some(text), line.text, next));
        }
    }
    if let Some((h, hl, start)) = current {
        out.push(Section {
            heading: h,
            heading_line: hl,
            content: &body[start..],
        });
    }
    out
}

fn heading_key(heading: &str) -> String {
    heading.trim().trim_end_matches(':').trim().to_lowercase()
}

/// Whether every non-blank line is a list item or a continuation of one.
fn is_list(content: &str) -> bool {
    let mut any = false;
    for line in content.lines().filter(|l| !l.trim().is_empty()) {
        let t = line.trim_start();
        let item = t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with("+ ")
            || t.split_once(['.', ')']).is_some_and(|(n, rest)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && rest.starts_with(' ')
            });
        let continuation = line.starts_with([' ', '\t']) || t.starts_with('>');
        if !(item || any && continuation) {
            return false;
        }
        any = true;
    }
    any
}

/// Whether most of `content`'s words are already in `summary`.
fn repeats(content: &str, summary: &str) -> bool {
    let said: HashSet<String> = tokens(summary).into_iter().collect();
    let words = tokens(content);
    if words.is_empty() {
        return true;
    }
    let known = words.iter().filter(|w| said.contains(*w)).count();
    known as f64 / words.len() as f64 >= REPEATED_SHARE
}

/// The body without the sections that restate the summary, the key claims or the open
/// questions, and without a first heading that only repeats the title.
pub fn readable_body(result: &CompileResult) -> String {
    let title = heading_key(&result.title);
    let mut kept = Vec::new();
    for section in sections(&result.article_body) {
        let Some(heading) = section.heading else {
            kept.push(section.content.trim().to_owned());
            continue;
        };
        let key = heading_key(heading);
        let drop = key == title
            && section.heading_line.trim_start().starts_with("# ")
            && section.content.trim().is_empty()
            || INTRO_HEADINGS.contains(&key.as_str()) && repeats(section.content, &result.summary)
            || CLAIM_HEADINGS.contains(&key.as_str())
                && !result.key_claims.is_empty()
                && is_list(section.content)
            || QUESTION_HEADINGS.contains(&key.as_str())
                && !result.open_questions.is_empty()
                && is_list(section.content);
        if !drop {
            kept.push(format!(
                "{}\n\n{}",
                section.heading_line.trim(),
                section.content.trim()
            ));
        }
    }
    kept.retain(|s| !s.trim().is_empty());
    kept.join("\n\n").trim().to_owned()
}

/// `body` one heading level deeper (`##` → `###`, up to `######`), outside code blocks, so it
/// can sit under a chapter heading.
pub(super) fn demote_headings(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 32);
    for line in lines(body) {
        match (!line.in_code).then(|| atx_heading(line.text)).flatten() {
            Some((level, text)) if level < 6 => {
                out.push_str(&"#".repeat(level + 1));
                out.push(' ');
                out.push_str(text);
            }
            _ => out.push_str(line.text),
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::contract::{CompiledClaim, Confidence, PageType};

    fn result(summary: &str, claims: &[&str], questions: &[&str], body: &str) -> CompileResult {
        CompileResult {
            title: "Heap queue".into(),
            page_type: PageType::Source,
            summary: summary.into(),
            key_claims: claims
                .iter()
                .map(|c| CompiledClaim {
                    claim: (*c).into(),
                    confidence: Confidence::Sourced,
                    quote: None,
                })
                .collect(),
            concepts: Vec::new(),
            backlink_suggestions: Vec::new(),
            open_questions: questions.iter().map(|q| (*q).into()).collect(),
            article_body: body.into(),
        }
    }

    #[test]
    fn restating_sections_are_dropped_and_the_rest_kept() {
        let r = result(
            "Heaps keep the smallest item first. They are binary trees.",
            &["Push is O(log n)."],
            &["Why a list?"],
            "# Heap queue\n\n## Overview\n\nHeaps keep the smallest item first; binary trees.\n\n\
             ## Key points\n\n- Push is O(log n).\n- Pop too.\n\n## How it works\n\nA list \
             holds the tree.\n\n```\n## not a heading\n```\n\n## Open questions\n\n- Why a list?",
        );
        assert_eq!(
            readable_body(&r),
            "## How it works\n\nA list holds the tree.\n\n```\n## not a heading\n```"
        );
    }

    #[test]
    fn an_overview_that_says_more_and_prose_under_a_claims_heading_stay() {
        let r = result(
            "Heaps keep the smallest item first.",
            &["Push is O(log n)."],
            &[],
            "Lead text.\n\n## Overview\n\nThe module dates from 2002 and its API mirrors the \
             textbook algorithms closely.\n\n## Key points\n\nThe prose explains trade-offs.\n\n\
             ## Open questions\n\n- Why?",
        );
        let body = readable_body(&r);
        assert!(body.starts_with("Lead text.\n\n## Overview\n\nThe module dates"));
        assert!(body.contains("## Key points\n\nThe prose explains"));
        assert!(body.ends_with("## Open questions\n\n- Why?"), "{body}");
    }

    #[test]
    fn headings_are_demoted_outside_code() {
        assert_eq!(
            demote_headings("## A\n\ntext\n\n```\n# code\n```\n### B"),
            "### A\n\ntext\n\n```\n# code\n```\n#### B"
        );
    }
}
