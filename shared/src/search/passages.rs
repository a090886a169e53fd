//! Cutting an article into passages for the index: its summary, its body section by section
//! (in pieces of a few paragraphs), and each key claim. A search hit or an answer citation then
//! names the passage it came from, not just the article.

use std::sync::LazyLock;

use regex::Regex;

use super::snippet::strip_markers;
use crate::compile::offline::text::{clean_inline, split_sentences};

/// A passage grows paragraph by paragraph up to about this many characters.
const TARGET_CHARS: usize = 900;
/// A single paragraph longer than this is cut at sentence boundaries.
const MAX_CHARS: usize = 1_500;
/// Body sections that only list other pages; indexing them would make every linked title a hit.
const LIST_ONLY_SECTIONS: [&str; 5] = [
    "related",
    "sources",
    "see also",
    "related articles",
    "links",
];

/// What part of the article a passage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PassageKind {
    Summary,
    Section,
    Claim,
}

impl PassageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Section => "section",
            Self::Claim => "claim",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "summary" => Some(Self::Summary),
            "section" => Some(Self::Section),
            "claim" => Some(Self::Claim),
            _ => None,
        }
    }
}

/// One indexed passage, plain text (markdown syntax and wikilink brackets removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub kind: PassageKind,
    /// The section heading, "Summary" or "Key claims".
    pub heading: String,
    pub content: String,
    /// For a claim, its position among the article's claims.
    pub claim_position: Option<i32>,
}

/// The parts of an article that are indexed.
#[derive(Debug, Clone, Copy)]
pub struct PassageInput<'a> {
    pub summary: &'a str,
    pub body: &'a str,
    /// Each claim's text and quote.
    pub claims: &'a [(&'a str, Option<&'a str>)],
}

static WIKILINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]").ok());

/// Markdown to the plain text people read: wikilinks become their label, inline syntax goes.
fn plain(md: &str) -> String {
    let unlinked = match WIKILINK.as_ref() {
        Some(re) => re
            .replace_all(md, |c: &regex::Captures<'_>| {
                c.get(2).or(c.get(1)).map_or("", |m| m.as_str()).to_string()
            })
            .into_owned(),
        None => md.to_string(),
    };
    strip_markers(&clean_inline(&unlinked))
}

/// A body line without its block syntax: list bullets, numbers, quote marks, table pipes.
fn strip_block_syntax(line: &str) -> &str {
    let t = line.trim_start_matches(['>', ' ', '\t']);
    let t = t
        .strip_prefix("- ")
        .or_else(|| t.strip_prefix("* "))
        .or_else(|| t.strip_prefix("+ "))
        .unwrap_or(t);
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && t[digits..].starts_with(". ") {
        return &t[digits + 2..];
    }
    t.trim_matches(['|', ' '])
}

/// Cuts an over-long paragraph at sentence boundaries (or, for one endless sentence, at a
/// character boundary) into pieces of at most [`MAX_CHARS`].
fn split_long(paragraph: &str) -> Vec<String> {
    if paragraph.len() <= MAX_CHARS {
        return vec![paragraph.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for (start, end) in split_sentences(paragraph) {
        let mut sentence = paragraph[start..end].trim();
        while sentence.len() > MAX_CHARS {
            let mut cut = MAX_CHARS;
            while !sentence.is_char_boundary(cut) {
                cut -= 1;
            }
            pieces.push(sentence[..cut].to_string());
            sentence = &sentence[cut..];
        }
        if !current.is_empty() && current.len() + sentence.len() + 1 > MAX_CHARS {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(sentence);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Sections of a markdown body as (heading, paragraphs), headings stripped of their `#`s.
fn sections(body: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_fence = false;
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<(String, Vec<String>)>| {
        if paragraph.is_empty() {
            return;
        }
        let text = plain(&paragraph.join(" "));
        paragraph.clear();
        if let Some(last) = out.last_mut()
            && !text.is_empty()
        {
            last.1.push(text);
        }
    };
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            flush(&mut paragraph, &mut out);
            continue;
        }
        if !in_fence && trimmed.starts_with('#') {
            let heading = trimmed.trim_start_matches('#');
            if heading.is_empty() || heading.starts_with(' ') {
                flush(&mut paragraph, &mut out);
                out.push((plain(heading), Vec::new()));
                continue;
            }
        }
        if trimmed.is_empty() || trimmed.chars().all(|c| matches!(c, '-' | '|' | ':' | ' ')) {
            flush(&mut paragraph, &mut out);
            continue;
        }
        let is_item = !in_fence
            && (trimmed.starts_with("- ")
                || trimmed.starts_with("* ")
                || trimmed.starts_with("+ "));
        if is_item {
            // A list item is its own paragraph so items are never glued into one sentence.
            flush(&mut paragraph, &mut out);
        }
        paragraph.push(if in_fence {
            trimmed
        } else {
            strip_block_syntax(trimmed)
        });
    }
    flush(&mut paragraph, &mut out);
    out
}

/// The passages of one article, in reading order: summary, body pieces, claims.
pub fn passages(input: &PassageInput<'_>) -> Vec<Passage> {
    let mut out = Vec::new();
    // Always present, even when empty: every article has at least one passage, through which
    // its title is searchable.
    out.push(Passage {
        kind: PassageKind::Summary,
        heading: "Summary".into(),
        content: plain(input.summary),
        claim_position: None,
    });
    for (heading, paragraphs) in sections(input.body) {
        if LIST_ONLY_SECTIONS.contains(&heading.to_lowercase().as_str()) {
            continue;
        }
        let mut current = String::new();
        let push = |text: String, out: &mut Vec<Passage>| {
            out.push(Passage {
                kind: PassageKind::Section,
                heading: heading.clone(),
                content: text,
                claim_position: None,
            });
        };
        for piece in paragraphs.iter().flat_map(|p| split_long(p)) {
            if !current.is_empty() && current.len() + piece.len() + 1 > TARGET_CHARS {
                push(std::mem::take(&mut current), &mut out);
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
        if !current.is_empty() {
            push(current, &mut out);
        }
    }
    for (position, (text, quote)) in input.claims.iter().enumerate() {
        let text = plain(text);
        if text.is_empty() {
            continue;
        }
        let content = match quote.map(plain).filter(|q| !q.is_empty() && *q != text) {
            Some(q) => format!("{text} “{q}”"),
            None => text,
        };
        out.push(Passage {
            kind: PassageKind::Claim,
            heading: "Key claims".into(),
            content,
            claim_position: i32::try_from(position).ok(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(body: &'a str, claims: &'a [(&'a str, Option<&'a str>)]) -> PassageInput<'a> {
        PassageInput {
            summary: "A **heap** is a tree.",
            body,
            claims,
        }
    }

    #[test]
    fn summary_sections_and_claims_become_passages_in_order() {
        let body = "## Overview\n\nHeaps keep the [[Priority Queue|smallest item]] first.\n\n\
                    ## Key points\n\n- Push is O(log n).\n- Pop is O(log n).\n\n\
                    ## Related\n\n- [[Bisect]]\n";
        let claims = [(
            "Pop returns the smallest item.",
            Some("returns the smallest item"),
        )];
        let got = passages(&input(body, &claims));
        let kinds: Vec<_> = got.iter().map(|p| (p.kind, p.heading.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (PassageKind::Summary, "Summary"),
                (PassageKind::Section, "Overview"),
                (PassageKind::Section, "Key points"),
                (PassageKind::Claim, "Key claims"),
            ]
        );
        assert_eq!(got[0].content, "A heap is a tree.");
        assert_eq!(got[1].content, "Heaps keep the smallest item first.");
        assert_eq!(got[2].content, "Push is O(log n).\nPop is O(log n).");
        assert_eq!(
            got[3].content,
            "Pop returns the smallest item. “returns the smallest item”"
        );
        assert_eq!(got[3].claim_position, Some(0));
        assert!(got.iter().all(|p| !p.content.contains("Bisect")));
    }

    #[test]
    fn long_sections_are_cut_into_bounded_passages() {
        let sentence = "Tide pools hold water when the sea retreats at low tide. ";
        let body = format!(
            "## Shore\n\n{}\n\n{}",
            sentence.repeat(40),
            sentence.repeat(5)
        );
        let got = passages(&input(&body, &[]));
        let sections: Vec<_> = got
            .iter()
            .filter(|p| p.kind == PassageKind::Section)
            .collect();
        assert!(sections.len() >= 3, "{sections:?}");
        assert!(sections.iter().all(|p| p.content.len() <= MAX_CHARS));
        assert!(sections.iter().all(|p| p.heading == "Shore"));
    }

    #[test]
    fn one_endless_sentence_is_still_cut_on_char_boundaries() {
        let body = "é".repeat(2_000);
        let got = passages(&input(&body, &[]));
        assert!(got.iter().skip(1).all(|p| p.content.len() <= MAX_CHARS));
        let total: usize = got.iter().skip(1).map(|p| p.content.chars().count()).sum();
        assert_eq!(total, 2_000);
    }

    #[test]
    fn code_fences_are_kept_as_text() {
        let body = "```python\nheapq.heappush(h, 3)\n```\n";
        let got = passages(&input(body, &[]));
        assert!(got[1].content.contains("heapq.heappush(h, 3)"), "{got:?}");
    }
}
