//! The offline article body: what the summary and the key claims do not already say (more of the
//! source's central sentences and its key concepts), the document's outline and related articles
//! as markdown with `[[wikilinks]]`; and the verbatim-quote excerpts of claims.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use super::clean::{clean_inline, title_case_if_shouting};
use super::document::Section;

/// Most outline entries shown.
const MAX_OUTLINE: usize = 40;
/// Longest quote, in words.
/// Opens the overview's list of concepts, a list rather than a sentence (answers skip it).
pub const KEY_CONCEPTS: &str = "Key concepts: ";

pub(super) const MAX_QUOTE_WORDS: usize = 25;

static FRONT_MATTER_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^version\b|\b(19|20)\d\d\b").ok());

/// Everything the body is made of, already cleaned. The summary and the claims are shown above
/// the body (in the file and on the page), so the body does not repeat them.
pub(super) struct BodyParts<'a> {
    pub title: &'a str,
    pub overview_extra: &'a str,
    pub concepts: &'a [String],
    pub sections: &'a [Section],
    pub related: &'a [String],
}

/// Renders the article body.
pub(super) fn body(parts: &BodyParts<'_>) -> String {
    let mut out = String::new();
    if !parts.overview_extra.is_empty() || !parts.concepts.is_empty() {
        out.push_str("## In more detail\n\n");
        if !parts.overview_extra.is_empty() {
            let _ = write!(out, "{}\n\n", parts.overview_extra);
        }
        if !parts.concepts.is_empty() {
            let _ = write!(out, "{KEY_CONCEPTS}{}.\n\n", parts.concepts.join(", "));
        }
    }
    let outline = outline(parts.sections, parts.title);
    if !outline.is_empty() {
        let _ = write!(out, "## Outline\n\n{outline}\n");
    }
    if !parts.related.is_empty() {
        out.push_str("## Related\n\n");
        for title in parts.related {
            let _ = writeln!(out, "- [[{title}]]");
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The headings as a nested list. Title-page lines (versions, dates) and the article title
/// itself are left out; a long outline keeps only its top two levels.
fn outline(sections: &[Section], title: &str) -> String {
    let mut entries: Vec<(usize, String)> = sections
        .iter()
        .filter(|s| s.level > 0)
        .map(|s| (s.level, title_case_if_shouting(&clean_inline(&s.title))))
        .filter(|(_, text)| !text.is_empty() && !text.eq_ignore_ascii_case(title))
        .filter(|(_, text)| {
            !FRONT_MATTER_LINE
                .as_ref()
                .is_some_and(|re| re.is_match(text))
        })
        .collect();
    // Repeated headings (running heads of extracted PDFs) are listed once.
    let mut seen = std::collections::HashSet::new();
    entries.retain(|(_, text)| seen.insert(text.to_lowercase()));
    let Some(top) = entries.iter().map(|(level, _)| *level).min() else {
        return String::new();
    };
    if entries.len() > MAX_OUTLINE {
        entries.retain(|(level, _)| *level <= top + 1);
    }
    let truncated = entries.len() > MAX_OUTLINE;
    entries.truncate(MAX_OUTLINE);
    let mut out = String::new();
    let mut depth = 0usize;
    for (i, (level, text)) in entries.iter().enumerate() {
        // Never nest more than one step deeper than the previous entry.
        depth = if i == 0 {
            0
        } else {
            (level - top).min(depth + 1)
        };
        let _ = writeln!(out, "{}- {text}", "  ".repeat(depth));
    }
    if truncated {
        out.push_str("- …\n");
    }
    out
}

/// Words an excerpt should not end on.
const DANGLING_WORDS: [&str; 24] = [
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "by", "for", "with", "from", "as", "at",
    "that", "which", "is", "are", "be", "this", "its", "their", "not",
];

/// A verbatim excerpt of a sentence of at most [`MAX_QUOTE_WORDS`] words, whitespace collapsed:
/// the whole sentence if short enough, otherwise its opening up to a clause boundary when one
/// falls late enough, else its first 25 words.
pub(super) fn quote_excerpt(sentence: &str) -> String {
    let mut words: Vec<&str> = sentence.split_whitespace().collect();
    // An enumeration clause ends "…; and": the connective is not part of the statement.
    if words.len() > 1
        && matches!(words.last(), Some(&("and" | "or")))
        && words[words.len() - 2].ends_with(';')
    {
        words.pop();
    }
    if words.len() <= MAX_QUOTE_WORDS {
        return words
            .join(" ")
            .trim_end_matches([',', ';', ':'])
            .to_string();
    }
    let mut cut = (10..=MAX_QUOTE_WORDS)
        .rev()
        .find(|i| words[*i - 1].ends_with([',', ';', ':']))
        .unwrap_or(MAX_QUOTE_WORDS);
    // End on a content word, outside any bracket opened within the excerpt.
    loop {
        let open = words[..cut]
            .iter()
            .map(|w| w.matches('(').count() as i32 - w.matches(')').count() as i32)
            .sum::<i32>();
        let last = words[cut - 1]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let dangling = open > 0
            || DANGLING_WORDS.contains(&last.as_str())
            || words[cut - 1].ends_with(['(', '—', '-']);
        if !dangling || cut <= 8 {
            break;
        }
        cut -= 1;
    }
    let excerpt = words[..cut].join(" ");
    excerpt.trim_end_matches([',', ';', ':']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(level: usize, title: &str) -> Section {
        Section {
            level,
            title: title.into(),
        }
    }

    #[test]
    fn the_outline_nests_and_skips_front_matter() {
        let sections = [
            section(0, ""),
            section(2, "Doc"),
            section(2, "Version 2.0, January 2004"),
            section(2, "TERMS AND CONDITIONS"),
            section(3, "1. Definitions"),
            section(3, "`json` *usage*"),
            section(2, "End"),
        ];
        assert_eq!(
            outline(&sections, "Doc"),
            "- Terms and Conditions\n  - 1. Definitions\n  - json usage\n- End\n"
        );
        assert_eq!(
            outline(
                &[section(3, "Deep"), section(1, "Top"), section(3, "Deeper")],
                "x"
            ),
            "- Deep\n- Top\n  - Deeper\n"
        );
    }

    #[test]
    fn quotes_are_short_verbatim_excerpts() {
        assert_eq!(quote_excerpt("A short\n   sentence."), "A short sentence.");
        assert_eq!(
            quote_excerpt("You must keep\n  the notices; and"),
            "You must keep the notices"
        );
        let long = "Subject to the terms and conditions of this License, each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, no-charge, royalty-free, irrevocable copyright license to reproduce the Work.";
        let q = quote_excerpt(long);
        assert!(q.split_whitespace().count() <= MAX_QUOTE_WORDS);
        assert_eq!(
            q,
            "Subject to the terms and conditions of this License, each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, no-charge, royalty-free"
        );
        assert!(long.contains(&q));
    }

    #[test]
    fn the_body_has_the_sections_that_have_content() {
        let related = vec!["Apache License".to_string()];
        let body = body(&BodyParts {
            title: "T",
            overview_extra: "",
            concepts: &[],
            sections: &[],
            related: &related,
        });
        assert_eq!(body, "## Related\n\n- [[Apache License]]");
        let concepts = vec!["licence".to_string()];
        let body = super::body(&BodyParts {
            title: "T",
            overview_extra: "It grants rights.",
            concepts: &concepts,
            sections: &[],
            related: &[],
        });
        assert_eq!(
            body,
            "## In more detail\n\nIt grants rights.\n\nKey concepts: licence."
        );
    }
}
