//! The word tokens grounding compares: lower-case, diacritic-free runs of letters and digits with
//! their offsets in the original text. Everything else (whitespace, punctuation, quote marks,
//! dashes, markdown emphasis) only separates tokens, which is what makes matching tolerant of it.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One word of a text, normalised, with where it sits in the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenSpan {
    /// Offset of the first char, in chars.
    pub char_start: usize,
    /// Offset one past the last char, in chars.
    pub char_end: usize,
    /// Byte offset of the first char.
    pub byte_start: usize,
    /// Byte offset one past the last char.
    pub byte_end: usize,
}

/// Scripts written without spaces between words: each ideograph or kana is its own token so that
/// a quote from the middle of a run can still match.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Calls `emit` with each normalised token of `text` and its span, in order.
pub(crate) fn for_each_token(text: &str, mut emit: impl FnMut(&str, TokenSpan)) {
    let mut word = String::new();
    let mut start: Option<(usize, usize)> = None;
    let mut char_pos = 0usize;
    let mut flush = |word: &mut String, start: &mut Option<(usize, usize)>, char_end, byte_end| {
        if let Some((char_start, byte_start)) = start.take()
            && !word.is_empty()
        {
            emit(
                word,
                TokenSpan {
                    char_start,
                    char_end,
                    byte_start,
                    byte_end,
                },
            );
        }
        word.clear();
    };
    for (byte, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            start.get_or_insert((char_pos, byte));
            word.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            if is_unspaced_script(c) {
                flush(&mut word, &mut start, char_pos, byte);
                start = Some((char_pos, byte));
                word.push(c);
                flush(&mut word, &mut start, char_pos + 1, byte + c.len_utf8());
            } else {
                start.get_or_insert((char_pos, byte));
                // Diacritics and compatibility forms fold away: "naïve" = "naive", "ﬁ" = "fi".
                for d in c.nfkd().filter(|d| d.is_alphanumeric()) {
                    word.extend(d.to_lowercase());
                }
            }
        } else if !c.is_ascii() && start.is_some() && is_combining_mark(c) {
            // A decomposed accent belongs to the word it follows.
        } else {
            flush(&mut word, &mut start, char_pos, byte);
        }
        char_pos += 1;
    }
    flush(&mut word, &mut start, char_pos, text.len());
}

/// The target part `(url "title")` of markdown links and images: not visible text, so neither a
/// source's nor a quote's link targets take part in matching.
static LINK_TARGET: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+"[^"]*")?\)"#).ok());

/// Byte ranges of markdown link targets in `text` (each from its `(` to its `)`).
pub(crate) fn link_targets(text: &str) -> Vec<(usize, usize)> {
    if !text.contains("](") {
        return Vec::new();
    }
    LINK_TARGET.as_ref().map_or_else(Vec::new, |re| {
        re.find_iter(text)
            .map(|m| (m.start() + 1, m.end()))
            .collect()
    })
}

/// `text` without its markdown link targets.
pub(crate) fn without_link_targets(text: &str) -> std::borrow::Cow<'_, str> {
    let targets = link_targets(text);
    if targets.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in targets {
        out.push_str(&text[last..start]);
        last = end;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// The normalised tokens of `text`, without offsets.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |t, _| out.push(t.to_string()));
    out
}

/// Folds the punctuation that differs between typographic and plain text, so that a quote's
/// leading or trailing marks can be compared with the source's.
pub(crate) fn fold_punct(c: char) -> char {
    match c {
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '\u{ab}' | '\u{bb}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '`' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// Character-level edit distance, for judging whether two different tokens are a typo apart.
pub(crate) fn char_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_case_diacritics_and_punctuation() {
        assert_eq!(
            tokens("Café — naïve, **don’t** `x_y`!"),
            ["cafe", "naive", "don", "t", "x", "y"]
        );
        assert_eq!(tokens("ﬁle 2.0"), ["file", "2", "0"]);
        assert_eq!(tokens("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(tokens("e\u{301}te\u{301}"), ["ete"]);
    }

    #[test]
    fn token_spans_point_at_the_original_characters() {
        let text = "Ünïcode — “quoted” text";
        let mut spans = Vec::new();
        for_each_token(text, |t, s| spans.push((t.to_string(), s)));
        let (word, span) = &spans[1];
        assert_eq!(word, "quoted");
        let by_chars: String = text
            .chars()
            .skip(span.char_start)
            .take(span.char_end - span.char_start)
            .collect();
        assert_eq!(by_chars, "quoted");
        assert_eq!(&text[span.byte_start..span.byte_end], "quoted");
    }

    #[test]
    fn link_targets_are_found_and_removed() {
        let text = "See [the docs](https://x.y/a_(b)) and ![img](p.png \"t\") or [x] (y).";
        assert_eq!(
            without_link_targets(text),
            "See [the docs] and ![img] or [x] (y)."
        );
        assert_eq!(
            tokens(&without_link_targets(text)),
            ["see", "the", "docs", "and", "img", "or", "x", "y"]
        );
    }

    #[test]
    fn char_distance_counts_edits() {
        assert_eq!(char_distance("license", "licence"), 1);
        assert_eq!(char_distance("lisence", "license"), 2);
        assert_eq!(char_distance("", "abc"), 3);
    }
}
