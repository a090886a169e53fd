//! Turns raw page text into readable prose: the line breaks of typesetting are undone so a
//! sentence splitter and an LLM see whole paragraphs, and quotes taken from them can be
//! found again.
//!
//! Per page: characters are normalised, lines trimmed and their spacing collapsed, running
//! headers and footers (a line repeated at the top or bottom of many pages with only the page
//! number changing) dropped, lines that reach the right edge of the text joined with the next
//! one, and a hyphen at such a join removed unless the document spells the word with a hyphen.

use std::collections::{HashMap, HashSet};

use super::text::Line;

/// A header or footer must repeat on at least this many pages...
const MIN_REPEATS: usize = 3;
/// ...and, when it is a single word besides the number ("Chapter 3", "Page 3 of 9"), on at
/// least this share of them, since a few such lines can also start ordinary pages. Longer
/// ones (a chapter title as running header) need only the repeats.
const MIN_REPEAT_SHARE: f64 = 0.2;
/// A line ending within this share of the text width from the right edge is taken to
/// continue on the next: justified text reaches the edge, ragged-right text comes close.
const RIGHT_EDGE_SHARE: f64 = 0.15;
/// Lines shorter than this never continue on the next (a right-aligned page number).
const MIN_WRAPPED_CHARS: usize = 20;
/// Prefixes that form hyphenated compounds ("non-free") rather than syllable breaks.
const COMPOUND_PREFIXES: [&str; 9] = [
    "non", "self", "well", "cross", "multi", "semi", "anti", "pseudo", "quasi",
];

/// A line after character clean-up, with what reflowing needs to know about it.
#[derive(Debug)]
struct Clean {
    text: String,
    left: f64,
    right: f64,
    paragraph: bool,
    /// Had table-of-contents leaders, so it ends at the right edge without continuing.
    leaders: bool,
    /// Is a row of a table, and so neither continues nor is continued.
    columns: bool,
}

/// Cleans every page; pages are cleaned together because headers and hyphenated spellings
/// are recognised across the whole document.
pub(super) fn clean_pages(raw: &[Vec<Line>]) -> Vec<String> {
    let pages: Vec<Vec<Clean>> = raw.iter().map(|lines| page_lines(lines)).collect();
    let running = running_lines(&pages);
    let words = vocabulary(&pages);
    pages
        .iter()
        .enumerate()
        .map(|(index, lines)| {
            let mut kept = Vec::with_capacity(lines.len());
            let mut paragraph = false;
            for (number, line) in lines.iter().enumerate() {
                if running.contains(&(index, number)) {
                    paragraph |= line.paragraph;
                } else {
                    kept.push((line, std::mem::take(&mut paragraph) || line.paragraph));
                }
            }
            reflow(&kept, &words)
        })
        .collect()
}

/// The page's lines with characters normalised and spacing collapsed; lines left blank are
/// dropped, passing on their paragraph break.
fn page_lines(raw: &[Line]) -> Vec<Clean> {
    let mut lines: Vec<Clean> = Vec::with_capacity(raw.len());
    let mut paragraph = false;
    for line in raw {
        let text = collapse_spaces(&normalise(&line.text));
        // A soft hyphen ending a line marks a hyphenated word; elsewhere it only marks
        // where a word could break, and is dropped.
        let text = match text.strip_suffix('\u{AD}') {
            Some(stem) => format!("{stem}-"),
            None => text,
        }
        .replace('\u{AD}', "");
        let without_leaders = drop_leaders(&text);
        paragraph |= line.paragraph;
        if without_leaders.is_empty() {
            continue;
        }
        lines.push(Clean {
            leaders: without_leaders.len() != text.len(),
            text: without_leaders,
            left: line.left,
            right: line.right,
            columns: line.columns,
            paragraph: std::mem::take(&mut paragraph),
        });
    }
    lines
}

/// Unicode clean-up: exotic spaces become spaces, ligatures are spelled out, invisible and
/// control characters (form feeds, zero-width spaces, replacement characters) are dropped.
fn normalise(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{2000}'..='\u{200A}' => {
                text.push(' ')
            }
            '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => text.push(' '),
            '\u{FB00}' => text.push_str("ff"),
            '\u{FB01}' => text.push_str("fi"),
            '\u{FB02}' => text.push_str("fl"),
            '\u{FB03}' => text.push_str("ffi"),
            '\u{FB04}' => text.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => text.push_str("st"),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FFFD}' => {}
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    text
}

fn collapse_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Table-of-contents leaders (". . . . 12") are noise to a sentence splitter: a run of
/// spaced dots, or of five or more unspaced ones, becomes a single space. An ellipsis stays.
fn drop_leaders(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    while at < chars.len() {
        if chars[at] != '.' {
            out.push(chars[at]);
            at += 1;
            continue;
        }
        let end = chars[at..]
            .iter()
            .position(|&c| c != '.' && c != ' ')
            .map_or(chars.len(), |offset| at + offset);
        let run: String = chars[at..end].iter().collect();
        if run.contains(". . .") || run.contains(".....") {
            out.truncate(out.trim_end().len());
            out.push(' ');
        } else {
            out.push_str(&run);
        }
        at = end;
    }
    collapse_spaces(&out)
}

/// Positions `(page, line)` of running headers and footers: the first or last line
/// of a page whose text, page numbers aside, repeats on many pages. Only lines holding a
/// page number qualify, so a title page that repeats the running title keeps it.
fn running_lines(pages: &[Vec<Clean>]) -> HashSet<(usize, usize)> {
    let mut candidates: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (index, lines) in pages.iter().enumerate() {
        let mut ends = vec![0, lines.len().saturating_sub(1)];
        ends.dedup();
        for line in ends.into_iter().filter(|&line| line < lines.len()) {
            if let Some(key) = header_key(&lines[line].text) {
                candidates.entry(key).or_default().push((index, line));
            }
        }
    }
    let share = (pages.len() as f64 * MIN_REPEAT_SHARE).ceil() as usize;
    candidates
        .into_iter()
        .filter(|(key, places)| {
            let single_word = !key.contains(' ');
            places.len()
                >= if single_word {
                    share.max(MIN_REPEATS)
                } else {
                    MIN_REPEATS
                }
        })
        .flat_map(|(_, places)| places)
        .collect()
}

/// A line with its page numbers (arabic or roman) removed, or `None` when it has none.
fn header_key(line: &str) -> Option<String> {
    let mut numbered = false;
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|word| {
            let number = word.chars().all(|c| c.is_ascii_digit()) || is_roman(word);
            numbered |= number;
            !number && !matches!(*word, "/" | "|" | "-" | "–" | "of")
        })
        .collect();
    numbered.then(|| words.join(" ").to_lowercase())
}

fn is_roman(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    !lower.is_empty()
        && lower.len() <= 8
        && lower.chars().all(|c| "ivxlcdm".contains(c))
        && (word == lower || word == word.to_ascii_uppercase())
        && roman_value(&lower).is_some_and(|value| to_roman(value) == lower)
}

fn roman_value(word: &str) -> Option<u32> {
    let digit = |c| match c {
        'i' => 1,
        'v' => 5,
        'x' => 10,
        'l' => 50,
        'c' => 100,
        'd' => 500,
        _ => 1000,
    };
    let values: Vec<i64> = word.chars().map(digit).collect();
    let mut total = 0i64;
    for (index, value) in values.iter().enumerate() {
        match values.get(index + 1) {
            Some(next) if next > value => total -= value,
            _ => total += value,
        }
    }
    u32::try_from(total)
        .ok()
        .filter(|total| (1..4000).contains(total))
}

fn to_roman(mut value: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (amount, numeral) in TABLE {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

/// Lower-cased words of the document, hyphenated ones included, to decide whether a word
/// broken at a line-end hyphen is written with or without the hyphen.
fn vocabulary(pages: &[Vec<Clean>]) -> HashSet<String> {
    pages
        .iter()
        .flatten()
        .flat_map(|line| {
            line.text
                .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        })
        .map(|word| word.trim_matches('-').to_lowercase())
        .filter(|word| word.chars().count() > 1)
        .collect()
}

/// Joins the lines of a page back into paragraphs; each line comes with whether a paragraph
/// break precedes it.
fn reflow(lines: &[(&Clean, bool)], words: &HashSet<String>) -> String {
    let right_edge = right_edge(lines);
    let mut out = String::new();
    let mut joinable = false;
    for &(line, paragraph) in lines {
        if paragraph && !out.is_empty() {
            out.push_str("\n\n");
            out.push_str(&line.text);
        } else if joinable && !line.columns && !starts_item(&line.text) {
            join(&mut out, &line.text, words);
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line.text);
        }
        joinable = continues(line, right_edge);
    }
    out
}

/// Where the page's text ends on the right, and how close to it a wrapped line ends: high
/// and low percentiles of line extents, so one overlong line (a URL, a command) does not
/// make every normal line look short.
fn right_edge(lines: &[(&Clean, bool)]) -> (f64, f64) {
    let mut rights: Vec<f64> = lines.iter().map(|(line, _)| line.right).collect();
    let mut lefts: Vec<f64> = lines.iter().map(|(line, _)| line.left).collect();
    rights.sort_unstable_by(f64::total_cmp);
    lefts.sort_unstable_by(f64::total_cmp);
    let right = rights.get(rights.len() * 9 / 10).copied().unwrap_or(0.0);
    let left = lefts.get(lefts.len() / 10).copied().unwrap_or(0.0);
    (right, (right - left).max(0.0) * RIGHT_EDGE_SHARE)
}

/// Whether a line was wrapped, so the next one continues it.
fn continues(line: &Clean, (right, tolerance): (f64, f64)) -> bool {
    !line.leaders
        && !line.columns
        && line.text.chars().count() >= MIN_WRAPPED_CHARS
        && line.right >= right - tolerance
}

/// Whether a line starts something of its own (a list item, a shell command), which never
/// continues the line before.
fn starts_item(line: &str) -> bool {
    let mut chars = line.chars();
    let (first, second, third) = (chars.next(), chars.next(), chars.next());
    let bullet = matches!(
        first,
        Some('•' | '◦' | '▪' | '‣' | '●' | '○' | '■' | '□' | '–' | '—')
    );
    let dash = matches!(first, Some('-' | '*')) && second == Some(' ');
    let prompt = matches!(first, Some('$' | '#' | '%'))
        && second == Some(' ')
        && third.is_some_and(|c| c.is_ascii_lowercase());
    bullet || dash || prompt
}

/// Appends `line` to the paragraph in `out`, undoing line-end hyphenation.
fn join(out: &mut String, line: &str, words: &HashSet<String>) {
    let mut end = out.chars().rev();
    let (last, before) = (end.next(), end.next());
    let attached = before.is_some_and(|c| !c.is_whitespace());
    let Some(stem) = out.strip_suffix('-').filter(|_| attached) else {
        // An unspaced dash binds the words around it ("1990–" + "2000"); anything else,
        // a spaced dash included, ends a word.
        if !(attached && matches!(last, Some('–' | '—'))) {
            out.push(' ');
        }
        out.push_str(line);
        return;
    };
    let head: String = stem
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let tail: String = line.chars().take_while(|c| c.is_alphabetic()).collect();
    let lowercase_tail = tail.chars().next().is_some_and(char::is_lowercase);
    if head.is_empty() || !lowercase_tail {
        // "x86-" + "64", "Debian-" + "Based": a real hyphen at the end of the line.
        out.push_str(line);
        return;
    }
    let hyphenated = format!("{head}-{tail}").to_lowercase();
    let joined = format!("{head}{tail}").to_lowercase();
    let keep = if words.contains(&hyphenated) {
        true
    } else if words.contains(&joined) {
        false
    } else {
        COMPOUND_PREFIXES.contains(&head.to_lowercase().as_str())
    };
    if !keep {
        out.pop();
    }
    out.push_str(line);
}
