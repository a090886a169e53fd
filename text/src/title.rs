//! `Title`: the one rule every title follows, wherever it comes from — a person, a markdown
//! heading, a file name, HTML or PDF metadata, a model's reply, a question: Unicode NFC, no
//! control or invisible formatting characters (a NUL cannot be stored by PostgreSQL at all, and
//! bidirectional overrides make a title read differently than it sorts), whitespace collapsed
//! to single spaces, at most [`MAX_TITLE_CHARS`] characters.

use unicode_normalization::UnicodeNormalization;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// A title that follows the rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Title(String);

/// Why a title given by a person is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TitleError {
    #[error("the title is empty")]
    Empty,
    #[error("the title has {0} characters; at most {MAX_TITLE_CHARS} are allowed")]
    TooLong(usize),
}

impl Title {
    /// A title a person gave: refused when nothing is left of it or it is too long.
    pub fn parse(raw: &str) -> Result<Title, TitleError> {
        let clean = single_line(raw);
        match clean.chars().count() {
            0 => Err(TitleError::Empty),
            n if n > MAX_TITLE_CHARS => Err(TitleError::TooLong(n)),
            _ => Ok(Title(clean)),
        }
    }

    /// A title taken from content: cut on a word boundary when too long; `None` when nothing
    /// is left.
    pub fn derive(raw: &str) -> Option<Title> {
        let clean = single_line(raw);
        if clean.is_empty() {
            return None;
        }
        Some(Title(cut_on_word(&clean, MAX_TITLE_CHARS)))
    }

    /// The title as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The title as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Title {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Characters that are never part of stored text: controls other than tab and line breaks
/// (NUL above all), and invisible bidirectional and byte-order marks.
pub fn is_unstorable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A one-line metadata value (a title, an author) under the title rule, without the length
/// limit: NFC, unstorable characters and line breaks become spaces, whitespace collapsed.
pub fn single_line(raw: &str) -> String {
    let spaced: String = raw
        .nfc()
        .map(|c| {
            if is_unstorable(c) || c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters, at the last space in the second half when there is
/// one.
pub fn cut_on_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(space) if cut[..space].chars().count() >= max / 2 => cut[..space].to_owned(),
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_invisible_marks_go_and_whitespace_collapses() {
        let t = Title::parse(" Nul\0 byte\tand\r\nlines \u{202E}evil\u{FEFF} ").expect("title");
        assert_eq!(t.as_str(), "Nul byte and lines evil");
        assert_eq!(Title::parse("\0\u{1}\n"), Err(TitleError::Empty));
    }

    #[test]
    fn titles_are_nfc_so_the_same_words_are_the_same_title() {
        let composed = Title::parse("Caf\u{e9}").expect("title");
        let decomposed = Title::parse("Cafe\u{301}").expect("title");
        assert_eq!(composed, decomposed);
    }

    #[test]
    fn a_person_is_told_a_title_is_too_long_and_content_is_cut_on_a_word() {
        let long = "word ".repeat(100);
        assert_eq!(Title::parse(&long), Err(TitleError::TooLong(499)));
        let derived = Title::derive(&long).expect("derived");
        assert!(derived.as_str().chars().count() <= MAX_TITLE_CHARS);
        assert!(derived.as_str().ends_with("word"), "{derived}");
        assert_eq!(Title::derive(" \0 "), None);
    }
}
