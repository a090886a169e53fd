//! Splitting a long source into chunks that fit a model's context budget: on headings first
//! (keeping the heading path), then paragraphs, lines, sentences, words and, as a last resort,
//! characters. Chunks are contiguous slices, so concatenating them gives back the input exactly.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::markdown;

/// One piece of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Position among the chunks, from 0.
    pub index: usize,
    /// Headings (levels 1–3) enclosing the start of the chunk, outermost first.
    pub heading_path: Vec<String>,
    /// The chunk text, a verbatim slice of the input.
    pub text: String,
}

/// Split levels for an oversize section, coarsest first. Each regex matches a separator; a cut
/// is made right after it, so separators stay with the text they end.
static SEPARATORS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [r"\n[ \t]*\n\s*", r"\n", r#"[.!?]["'”’)\]]*\s+"#, r"\s+"]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
});

/// Splits `text` into chunks of at most `max_chars` chars (a `max_chars` of 0 counts as 1).
/// Sections start at `#`, `##`, `###` (or setext) headings outside code; whole sections are
/// packed together up to the limit; a larger section is split at the coarsest boundary that
/// makes its pieces fit. Empty text gives no chunks; any other text gives at least one, and the
/// chunk texts concatenated equal `text`.
pub fn chunk_text(text: &str, max_chars: usize) -> Vec<Chunk> {
    let max = max_chars.max(1);
    if text.is_empty() {
        return Vec::new();
    }
    let lines = markdown::lines(text);
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut sections: Vec<(usize, Vec<String>)> = vec![(0, Vec::new())];
    for heading in markdown::headings(&lines)
        .into_iter()
        .filter(|h| h.level <= 3)
    {
        while stack
            .last()
            .is_some_and(|(level, _)| *level >= heading.level)
        {
            stack.pop();
        }
        stack.push((heading.level, heading.text));
        let path = stack.iter().map(|(_, t)| t.clone()).collect();
        match sections.last_mut() {
            // A heading at the very start replaces the empty preamble.
            Some(last) if last.0 == heading.start => last.1 = path,
            _ => sections.push((heading.start, path)),
        }
    }

    let mut chunks = Vec::new();
    let mut current: Option<(usize, usize, Vec<String>, usize)> = None;
    for (i, (start, path)) in sections.iter().enumerate() {
        let end = sections.get(i + 1).map_or(text.len(), |s| s.0);
        let section = &text[*start..end];
        let size = section.chars().count();
        if let Some((c_start, c_end, c_path, c_size)) = current.take() {
            if c_size + size <= max {
                current = Some((c_start, end, c_path, c_size + size));
                continue;
            }
            chunks.push((text[c_start..c_end].to_string(), c_path));
        }
        if size <= max {
            current = Some((*start, end, path.clone(), size));
        } else {
            for piece in split_to_fit(section, max, 0) {
                chunks.push((piece.to_string(), path.clone()));
            }
        }
    }
    if let Some((start, end, path, _)) = current {
        chunks.push((text[start..end].to_string(), path));
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, (text, heading_path))| Chunk {
            index,
            heading_path,
            text,
        })
        .collect()
}

/// Cuts `s` into contiguous pieces of at most `max` chars, using separator level `level` and
/// finer levels only where a unit is still too large.
fn split_to_fit(s: &str, max: usize, level: usize) -> Vec<&str> {
    let Some(separator) = SEPARATORS.get(level) else {
        return split_chars(s, max);
    };
    let mut units = Vec::new();
    let mut last = 0;
    for m in separator.find_iter(s) {
        if m.end() > last && m.end() < s.len() {
            units.push(&s[last..m.end()]);
            last = m.end();
        }
    }
    units.push(&s[last..]);

    let mut pieces = Vec::new();
    let (mut start, mut end, mut size) = (0usize, 0usize, 0usize);
    for unit in units {
        let unit_size = unit.chars().count();
        if size > 0 && size + unit_size > max {
            pieces.push(&s[start..end]);
            (start, size) = (end, 0);
        }
        if unit_size > max {
            pieces.extend(split_to_fit(unit, max, level + 1));
            start = end + unit.len();
        } else {
            size += unit_size;
        }
        end += unit.len();
    }
    if end > start {
        pieces.push(&s[start..end]);
    }
    pieces
}

/// Last resort: fixed windows of `max` chars, always on char boundaries.
fn split_chars(s: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (count, (byte, _)) in s.char_indices().enumerate() {
        if count > 0 && count % max == 0 {
            pieces.push(&s[start..byte]);
            start = byte;
        }
    }
    pieces.push(&s[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn check(text: &str, max: usize) -> Vec<Chunk> {
        let chunks = chunk_text(text, max);
        assert_eq!(
            chunks.iter().map(|c| c.text.as_str()).collect::<String>(),
            text,
            "chunks must cover the input"
        );
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.index, i);
            assert!(
                c.text.chars().count() <= max.max(1),
                "chunk {i} has {} chars > {max}",
                c.text.chars().count()
            );
            assert!(!c.text.is_empty());
        }
        chunks
    }

    #[test]
    fn small_text_is_one_chunk_and_empty_text_none() {
        assert!(chunk_text("", 100).is_empty());
        let chunks = check("  \n", 100);
        assert_eq!(chunks.len(), 1);
        let chunks = check("# A\nbody", 100);
        assert_eq!(chunks[0].heading_path, ["A"]);
    }

    #[test]
    fn sections_are_packed_and_keep_their_heading_path() {
        let text = "intro\n\n# Guide\nhello\n## Install\nsteps here\n### Linux\napt\n## Usage\nrun it\n#### deep\nx\n";
        let chunks = check(text, 30);
        let paths: Vec<Vec<String>> = chunks.iter().map(|c| c.heading_path.clone()).collect();
        assert_eq!(paths[0], Vec::<String>::new());
        assert!(
            paths.contains(&vec!["Guide".to_string(), "Install".to_string()]),
            "{paths:?}"
        );
        assert!(
            paths.contains(&vec!["Guide".to_string(), "Usage".to_string()]),
            "{paths:?}"
        );
        assert!(
            chunks
                .iter()
                .any(|c| c.text.starts_with("## Usage") && c.text.contains("#### deep"))
        );
    }

    #[test]
    fn oversize_sections_split_on_paragraphs_then_sentences_then_words() {
        let para = "One sentence here. Another sentence follows it! A third one?";
        let text = format!(
            "# Big\n\n{para}\n\n{para}\n\nwordwordwordwordwordwordwordword and ünïcödé çhårs everywhere"
        );
        let chunks = check(&text, 40);
        assert!(
            chunks.iter().any(|c| c.text == "One sentence here. "),
            "{chunks:#?}"
        );
        assert!(chunks.iter().all(|c| c.heading_path == ["Big"]));
        check(&text, 7);
        check(&text, 1);
        check(&"ü".repeat(100), 0);
    }

    #[test]
    fn a_licence_text_is_covered_at_many_budgets() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus/text/GPL-3.txt");
        let text = std::fs::read_to_string(path).unwrap();
        for max in [200, 1000, 4000, 16_000, 100_000] {
            let chunks = check(&text, max);
            assert!(chunks.len() >= text.chars().count().div_ceil(max));
        }
        assert_eq!(chunk_text(&text, 100_000).len(), 1);
    }
}
