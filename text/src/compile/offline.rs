//! The offline compiler: a deterministic, network-free [`CompileResult`] for a source. It
//! summarises extractively, takes its key claims verbatim from the text (so grounding always
//! verifies them), extracts key phrases as concepts and links the existing articles whose titles
//! the text mentions. It is honest about being extractive: nothing in the result is invented.

mod clean;
mod document;
mod keyphrases;
mod readability;
mod render;
pub use render::KEY_CONCEPTS;
mod scoring;
mod sentences;
pub(crate) mod words;

use std::collections::HashSet;

use super::contract::{
    BacklinkSuggestion, CompileResult, CompiledClaim, Confidence, PageType, RelationType,
};
use super::grounding::QuoteLocator;
use super::grounding::tokens::tokens;
use super::slug::normalize_title;
use clean::{
    as_statement, clean_inline, cut_words, sentence_case_if_shouting, strip_links,
    title_case_if_shouting,
};
use document::{BlockKind, Document};

/// Longest title taken from the text itself.
const MAX_TITLE_CHARS: usize = 80;
/// Most links suggested.
const MAX_LINKS: usize = 20;

/// What the offline compiler reads.
#[derive(Debug, Clone, Copy)]
pub struct OfflineInput<'a> {
    /// The source's own title, if it has one; otherwise one is derived from the text.
    pub title: Option<&'a str>,
    /// The clean text (plain text or markdown).
    pub text: &'a str,
    /// Titles of the articles already in the wiki, for links.
    pub existing_titles: &'a [String],
}

/// Compiles a source without an LLM. Deterministic: the same input always gives the same result.
///
/// - title: the input title, else the first markdown heading, else the first line if it reads
///   like a title, else the first sentence cut to about 80 chars;
/// - summary: the two or three most central sentences near the start, in document order;
/// - key claims: 5–12 central, self-contained sentences spread over the document's sections,
///   each `sourced` with a quote that is a verbatim excerpt of the sentence (≤ 25 words; runs of
///   whitespace collapsed to one space and markdown links reduced to their text, every other
///   character as in the text), and claim text cleaned of markdown syntax;
/// - concepts: 3–8 key phrases; links: existing titles mentioned in the text (`references`);
/// - open questions: questions the text itself asks, if any;
/// - body: what the summary and claims do not say ("In more detail"), Outline and Related
///   sections in markdown.
///
/// Never panics; an empty text gives a titled result with no claims.
pub fn compile_offline(input: &OfflineInput<'_>) -> CompileResult {
    let doc = document::parse(input.text);
    let title = choose_title(input.title, &doc);
    let selection = scoring::select(&doc);
    let sentence = |i: &usize| doc.sentence_text(&doc.sentences[*i]);
    let readable = |i: &usize| as_statement(&sentence_case_if_shouting(&clean_inline(sentence(i))));

    let mut summary = selection
        .summary
        .iter()
        .map(readable)
        .collect::<Vec<_>>()
        .join(" ");
    if summary.is_empty() {
        summary = fallback_summary(&doc);
    }
    let overview_extra = selection
        .overview_extra
        .iter()
        .map(readable)
        .collect::<Vec<_>>()
        .join(" ");
    let key_claims: Vec<CompiledClaim> = selection
        .claims
        .iter()
        .map(|i| CompiledClaim {
            claim: readable(i),
            confidence: Confidence::Sourced,
            quote: Some(render::quote_excerpt(&strip_links(sentence(i)))),
        })
        .collect();
    let concepts = keyphrases::extract(&doc, &title);
    let related = mentioned_titles(input.text, &title, input.existing_titles);
    let open_questions = selection
        .questions
        .iter()
        .map(|i| clean_inline(sentence(i)))
        .collect();

    let article_body = render::body(&render::BodyParts {
        title: &title,
        overview_extra: &overview_extra,
        concepts: &concepts,
        sections: &doc.sections,
        related: &related,
    });
    CompileResult {
        title,
        page_type: PageType::Source,
        summary,
        key_claims,
        concepts,
        backlink_suggestions: related
            .into_iter()
            .map(|target| BacklinkSuggestion {
                target,
                relation_type: RelationType::References,
            })
            .collect(),
        open_questions,
        article_body,
    }
}

fn choose_title(given: Option<&str>, doc: &Document<'_>) -> String {
    if let Some(title) = given.map(str::trim).filter(|t| !t.is_empty()) {
        return title.to_string();
    }
    let tidy = |s: &str| cut_words(&title_case_if_shouting(&clean_inline(s)), MAX_TITLE_CHARS);
    if doc.has_markdown_headings
        && let Some(heading) = doc
            .sections
            .iter()
            .find(|s| s.level > 0)
            .map(|s| tidy(&s.title))
            .filter(|t| !t.is_empty())
    {
        return heading;
    }
    if let Some(line) = doc.first_line() {
        let words = line.split_whitespace().count();
        let reads_like_title =
            words <= 12 && line.chars().count() <= 100 && !line.ends_with(['.', ',', ';', ':']);
        let title = tidy(if reads_like_title {
            line
        } else {
            doc.sentences.first().map_or(line, |s| doc.sentence_text(s))
        });
        if !title.is_empty() {
            return title.trim_end_matches('.').to_string();
        }
    }
    "Untitled".to_string()
}

/// Used when no sentence qualifies for the summary (code-only or fragmentary text): the opening
/// of the first prose block, else of the first block of any kind. Empty only for blank text, so
/// that the result passes the contract (which requires a summary) for any real source.
fn fallback_summary(doc: &Document<'_>) -> String {
    let opening = |kind: Option<BlockKind>| {
        doc.blocks
            .iter()
            .filter(|b| kind.is_none_or(|k| b.kind == k))
            .map(|b| cut_words(&clean_inline(&doc.text[b.start..b.end]), 300))
            .find(|s| s.chars().any(char::is_alphanumeric))
    };
    // A text of symbols alone ("🎉🎉", "...!!!") still says something; an article needs a
    // summary, and the text itself is the only one it has.
    let symbols = || {
        doc.blocks
            .iter()
            .map(|b| cut_words(doc.text[b.start..b.end].trim(), 300))
            .find(|s| !s.is_empty())
    };
    opening(Some(BlockKind::Prose))
        .or_else(|| opening(None))
        .or_else(symbols)
        .unwrap_or_default()
}

/// Existing titles that the text mentions as whole words (case, whitespace and punctuation
/// ignored), by exact title or its normalised form, in order of first mention. One- to
/// three-letter one-word titles ("Go", "C") must match case-sensitively, because as lower-case
/// words they are everywhere.
fn mentioned_titles(text: &str, own_title: &str, existing: &[String]) -> Vec<String> {
    if existing.is_empty() {
        return Vec::new();
    }
    let locator = QuoteLocator::new(text);
    let own = normalize_title(own_title);
    let mut seen = HashSet::new();
    let mut found: Vec<(usize, usize, &str)> = Vec::new();
    for (index, title) in existing.iter().enumerate() {
        let title = title.trim();
        let normal = normalize_title(title);
        let words = tokens(title);
        if words.is_empty()
            || words
                .iter()
                .all(|w| w.chars().count() > 1 && words::is_stopword(w))
            || title.eq_ignore_ascii_case(own_title)
            || (!own.is_empty() && normal == own)
        {
            continue;
        }
        if !seen.insert(if normal.is_empty() {
            title.to_lowercase()
        } else {
            normal.clone()
        }) {
            continue;
        }
        let position = if words.len() == 1 && words[0].chars().count() < 4 {
            case_sensitive_word(text, title)
        } else {
            locator
                .locate_exact(title)
                .or_else(|| locator.locate_exact(&normal.replace('-', " ")))
                .map(|span| span.start)
        };
        if let Some(position) = position {
            found.push((position, index, title));
        }
    }
    found.sort_unstable();
    found
        .into_iter()
        .take(MAX_LINKS)
        .map(|(_, _, t)| t.to_string())
        .collect()
}

/// Char offset of the first whole-word, case-sensitive occurrence of `word`.
fn case_sensitive_word(text: &str, word: &str) -> Option<usize> {
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(word)
        .find(|(at, _)| {
            !is_word_char(text[..*at].chars().next_back())
                && !is_word_char(text[at + word.len()..].chars().next())
        })
        .map(|(at, _)| text[..at].chars().count())
}

#[cfg(test)]
mod tests;

/// Text helpers that search and the extractive answerer share with the offline compiler.
pub mod text {
    pub use super::clean::clean_inline;
    pub use super::sentences::split_sentences;
    pub use super::words::term_key;
}
