//! The offline compiler's reading of a text: blocks (prose, headings, code, tables), sections
//! with an outline, and sentences as byte ranges of the original text, so that anything quoted
//! from them is verbatim. Plain text without markdown headings gets pseudo-headings from short
//! title-like lines and from numbered section titles ("2. Grant of Copyright License. …").

use std::sync::LazyLock;

use regex::Regex;

use super::super::markdown;
use super::sentences::split_sentences;
use super::words::is_function_word;

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockKind {
    Prose,
    Heading,
    Code,
    Table,
    Other,
}

/// A run of lines, with the byte range of its content (list markers excluded).
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub kind: BlockKind,
    pub start: usize,
    pub end: usize,
    /// Began with a bullet or enumerator.
    pub list: bool,
    /// Index into [`Document::sections`].
    pub section: usize,
}

/// A heading of the document: a real markdown heading or a pseudo-heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Section {
    pub level: usize,
    pub title: String,
}

/// A sentence as a byte range of the original text, trimmed.
#[derive(Debug, Clone)]
pub(super) struct Sentence {
    pub start: usize,
    pub end: usize,
    pub block: usize,
    pub section: usize,
    pub list: bool,
}

/// The parsed text.
#[derive(Debug)]
pub(super) struct Document<'a> {
    pub text: &'a str,
    pub blocks: Vec<Block>,
    pub sentences: Vec<Sentence>,
    /// Section 0 is the untitled preamble.
    pub sections: Vec<Section>,
    /// Whether the text has real markdown headings.
    pub has_markdown_headings: bool,
}

impl<'a> Document<'a> {
    /// The verbatim text of a sentence.
    pub(super) fn sentence_text(&self, s: &Sentence) -> &'a str {
        &self.text[s.start..s.end]
    }

    /// The first line outside code with at least three letters (skipping page numbers and
    /// rules), among the first few blocks.
    pub(super) fn first_line(&self) -> Option<&'a str> {
        self.blocks
            .iter()
            .take(10)
            .filter(|b| b.kind != BlockKind::Code)
            .flat_map(|b| self.text[b.start..b.end].lines().map(str::trim))
            .find(|l| l.chars().filter(|c| c.is_alphabetic()).count() >= 3)
    }
}

static ENUMERATOR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[-*+•]|\d{1,3}(?:\.\d{1,3})*[.)]|\([0-9a-zA-Z]{1,4}\)|[a-z][.)])\s+").ok()
});
static NUMBERED_TITLE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*\d{1,3}(?:\.\d{1,3})*\.?\s+([A-Z][^.!?:;\n]{1,70})\.\s+\S").ok()
});

/// Length in bytes of a leading bullet or enumerator (with its trailing space), and whether it
/// was numeric.
fn enumerator(line: &str) -> Option<(usize, bool)> {
    let m = ENUMERATOR.as_ref()?.find(line)?;
    let numeric = line.trim_start().starts_with(|c: char| c.is_ascii_digit());
    Some((m.end(), numeric))
}

/// Whether most significant words of a short phrase are capitalised, as in a title.
fn is_title_case(words: &[&str]) -> bool {
    let first_upper = words
        .first()
        .and_then(|w| w.chars().find(|c| c.is_alphabetic()))
        .is_some_and(char::is_uppercase);
    let significant: Vec<&&str> = words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = significant
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    first_upper && !significant.is_empty() && capitalised * 10 >= significant.len() * 7
}

/// The ways a standalone plain-text line can look like a heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PseudoHeading {
    /// "TERMS AND CONDITIONS": several words in capitals.
    Caps,
    /// "1. Definitions.": a number and a few words.
    Numbered,
    /// "How to Apply These Terms": title case, no full stop.
    TitleCase,
}

/// Whether a standalone line looks like a heading in plain text, and how.
fn pseudo_heading_level(line: &str) -> Option<PseudoHeading> {
    let t = line.trim();
    if t.chars().count() > 80 || t.contains("http") || t.contains("www.") || t.contains('@') {
        return None;
    }
    let (skip, numeric) = enumerator(t).unwrap_or((0, false));
    let words: Vec<&str> = t[skip..].split_whitespace().collect();
    let last = t.chars().last()?;
    if (skip > 0 && !numeric)
        || words.is_empty()
        || words.len() > 10
        || matches!(last, ',' | ';' | '?' | '!')
    {
        return None;
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 3 || (matches!(last, '.' | ':') && words.len() > 6) {
        return None;
    }
    if words.len() >= 2 && letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase()) {
        Some(PseudoHeading::Caps)
    } else if numeric && words.len() <= 8 && is_title_case(&words[..1]) {
        Some(PseudoHeading::Numbered)
    } else if last != '.'
        && is_title_case(&words)
        && !words
            .last()
            .is_some_and(|w| is_function_word(&w.to_lowercase()))
    {
        Some(PseudoHeading::TitleCase)
    } else {
        None
    }
}

/// A block as first read, before headings are decided.
struct RawBlock {
    block: Block,
    /// Start of the block's first line (before any list marker).
    line_start: usize,
    single_line: bool,
    heading: Option<Section>,
}

/// Parses `text` into blocks, sections and sentences.
pub(super) fn parse(text: &str) -> Document<'_> {
    let lines = markdown::lines(text);
    let headings = markdown::headings(&lines);
    let has_markdown_headings = !headings.is_empty();
    let mut raw = read_blocks(&lines, &headings);
    if !has_markdown_headings {
        mark_pseudo_headings(text, &mut raw);
    }
    let mut sections = vec![Section {
        level: 0,
        title: String::new(),
    }];
    let mut blocks = Vec::with_capacity(raw.len());
    for RawBlock {
        mut block,
        line_start,
        heading,
        ..
    } in raw
    {
        if let Some(section) = heading {
            sections.push(section);
        } else if block.kind == BlockKind::Prose
            && !has_markdown_headings
            && let Some(title) = numbered_title(&text[line_start..block.end])
        {
            sections.push(Section {
                level: 3,
                title: title.to_string(),
            });
            // The title is a heading, not the first sentence.
            block.start = line_start + title_end(&text[line_start..block.end], title);
        }
        block.section = sections.len() - 1;
        blocks.push(block);
    }
    let sentences = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind == BlockKind::Prose)
        .flat_map(|(index, b)| {
            split_sentences(&text[b.start..b.end])
                .into_iter()
                .map(move |(s, e)| Sentence {
                    start: b.start + s,
                    end: b.start + e,
                    block: index,
                    section: b.section,
                    list: b.list,
                })
        })
        .collect();
    Document {
        text,
        blocks,
        sentences,
        sections,
        has_markdown_headings,
    }
}

/// Groups lines into blocks: markdown headings, fenced code, tables, other markup, and prose
/// paragraphs (a bullet or enumerator starts a new one).
fn read_blocks(lines: &[markdown::Line<'_>], headings: &[markdown::Heading]) -> Vec<RawBlock> {
    let mut blocks = Vec::new();
    let mut next_heading = headings.iter().peekable();
    let line_end = |i: usize| lines[i].start + lines[i].text.len();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(h) = next_heading.next_if(|h| h.line == i) {
            let block = Block {
                kind: BlockKind::Heading,
                start: line.start,
                end: line_end(i + h.lines - 1),
                list: false,
                section: 0,
            };
            let heading = Some(Section {
                level: h.level,
                title: h.text.clone(),
            });
            blocks.push(RawBlock {
                block,
                line_start: line.start,
                single_line: true,
                heading,
            });
            i += h.lines;
            continue;
        }
        if line.is_blank() {
            i += 1;
            continue;
        }
        let trimmed = line.text.trim_start();
        let kind = if line.in_code {
            BlockKind::Code
        } else if trimmed.starts_with('|') {
            BlockKind::Table
        } else if trimmed.starts_with('<') || trimmed.starts_with('>') || trimmed.starts_with("![")
        {
            BlockKind::Other
        } else {
            BlockKind::Prose
        };
        let (marker, _) = if kind == BlockKind::Prose {
            enumerator(line.text).unwrap_or((0, false))
        } else {
            (0, false)
        };
        let mut last = i;
        while let Some(next) = lines.get(last + 1) {
            let continues = match kind {
                BlockKind::Code => next.in_code,
                BlockKind::Table => next.text.trim_start().starts_with('|'),
                _ => {
                    !next.is_blank()
                        && !next.in_code
                        && enumerator(next.text).is_none()
                        && !next.text.trim_start().starts_with('|')
                }
            };
            if !continues || next_heading.peek().is_some_and(|h| h.line == last + 1) {
                break;
            }
            last += 1;
        }
        let block = Block {
            kind,
            start: line.start + marker,
            end: line_end(last),
            list: marker > 0,
            section: 0,
        };
        blocks.push(RawBlock {
            block,
            line_start: line.start,
            single_line: last == i,
            heading: None,
        });
        i = last + 1;
    }
    blocks
}

/// Plain text only: single-line prose blocks that read like headings become headings. A
/// title-case line must introduce real prose (a following block of eight words or more), and a
/// numbered one must not be followed by another numbered line (then it is a list step).
fn mark_pseudo_headings(text: &str, blocks: &mut [RawBlock]) {
    for i in 0..blocks.len() {
        let Some(next) = blocks.get(i + 1) else {
            break;
        };
        let next_words = text[next.block.start..next.block.end]
            .split_whitespace()
            .count();
        let next_numbered = next.block.list
            && enumerator(&text[next.line_start..next.block.end])
                .is_some_and(|(_, numeric)| numeric);
        let current = &blocks[i];
        if current.block.kind != BlockKind::Prose || !current.single_line {
            continue;
        }
        let line = &text[current.line_start..current.block.end];
        let kind = pseudo_heading_level(line);
        let accepted = match kind {
            Some(PseudoHeading::Caps) => true,
            Some(PseudoHeading::Numbered) => !next_numbered,
            Some(PseudoHeading::TitleCase) => next_words >= 8,
            None => false,
        };
        if accepted && let Some(kind) = kind {
            let title = line.trim().trim_end_matches(['.', ':']).to_string();
            let level = if kind == PseudoHeading::Numbered {
                3
            } else {
                2
            };
            blocks[i].block.kind = BlockKind::Heading;
            blocks[i].heading = Some(Section { level, title });
        }
    }
}

/// "2. Grant of Copyright License. Subject to …" → "Grant of Copyright License".
fn numbered_title(block: &str) -> Option<&str> {
    let caps = NUMBERED_TITLE.as_ref()?.captures(block)?;
    let title = caps.get(1)?.as_str().trim();
    let words: Vec<&str> = title.split_whitespace().collect();
    (words.len() <= 8 && is_title_case(&words)).then_some(title)
}

/// Byte offset just after the title, its full stop and the following whitespace.
fn title_end(block: &str, title: &str) -> usize {
    let after = block
        .find(title)
        .map_or(0, |p| p + title.len() + 1)
        .min(block.len());
    let rest = block.get(after..).unwrap_or_default();
    after + rest.len() - rest.trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_gets_pseudo_headings_and_numbered_titles() {
        let text = "  My Licence\n\n  TERMS AND CONDITIONS\n\n  1. Definitions.\n\n  \"Work\" means the work. It is defined here.\n\n  2. Grant of Rights. Subject to\n  the terms, You may copy it.\n\n  END\n";
        let doc = parse(text);
        let titles: Vec<(usize, &str)> = doc
            .sections
            .iter()
            .map(|s| (s.level, s.title.as_str()))
            .collect();
        // "My Licence" is followed by another short line, so it is a title page line, not a heading.
        assert_eq!(
            titles,
            [
                (0, ""),
                (2, "TERMS AND CONDITIONS"),
                (3, "1. Definitions"),
                (3, "Grant of Rights")
            ]
        );
        let texts: Vec<&str> = doc.sentences.iter().map(|s| doc.sentence_text(s)).collect();
        assert_eq!(
            texts,
            [
                "My Licence",
                "\"Work\" means the work.",
                "It is defined here.",
                "Subject to\n  the terms, You may copy it.",
                "END"
            ]
        );
        assert_eq!(doc.sentences[3].section, 3);
        assert_eq!(doc.first_line(), Some("My Licence"));
    }

    #[test]
    fn markdown_blocks_are_classified() {
        let text = "# Title\n\nIntro text here.\n\n- item one\n- item two\n\n```\ncode. Here\n```\n\n| a | b |\n|---|---|\n\n## Next\nMore.";
        let doc = parse(text);
        let kinds: Vec<BlockKind> = doc.blocks.iter().map(|b| b.kind).collect();
        use BlockKind::*;
        assert_eq!(
            kinds,
            [Heading, Prose, Prose, Prose, Code, Table, Heading, Prose]
        );
        assert_eq!(&text[doc.blocks[2].start..doc.blocks[2].end], "item one");
        assert!(doc.blocks[2].list);
        assert!(doc.has_markdown_headings);
        assert_eq!(
            doc.sentences.last().map(|s| doc.sentence_text(s)),
            Some("More.")
        );
        assert_eq!(doc.sentences.last().map(|s| s.section), Some(2));
    }
}
