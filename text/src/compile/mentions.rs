//! Names and mentions: the short names an article goes by besides its title, and the keys of
//! every phrase a text could be naming another article by. Matching is on the normalised form
//! links use ([`normalize_title`]), so "concurrent.futures", "Concurrent Futures" and
//! "concurrent-futures" are one name.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::slug::normalize_title;

/// Longest name, in words, looked for in a text.
pub const MAX_NAME_WORDS: usize = 6;
/// Shortest name, in characters of its key, that a bare mention may link by; shorter ones
/// ("io", "re") match too much prose.
pub const MIN_NAME_CHARS: usize = 4;

/// Separators between a short name and the rest of a title: "heapq — Heap queue algorithm",
/// "Chapter 2: Debian package management".
const SEPARATORS: [&str; 5] = [" — ", " – ", " - ", ": ", " | "];

/// The names an article goes by besides its title: the short name before a separator, when
/// the title has one and the short name is specific enough to link by.
pub fn aliases_of(title: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sep in SEPARATORS {
        if let Some((short, rest)) = title.split_once(sep) {
            let short = short.trim();
            let words = short.split_whitespace().count();
            if !rest.trim().is_empty()
                && (1..=MAX_NAME_WORDS).contains(&words)
                && is_linkable_key(&normalize_title(short))
                && !out.iter().any(|a: &String| a == short)
            {
                out.push(short.to_owned());
            }
        }
    }
    out
}

/// True when a name's key is long enough to link by.
pub fn is_linkable_key(key: &str) -> bool {
    key.len() >= MIN_NAME_CHARS && key.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Every phrase of 1 to [`MAX_NAME_WORDS`] words in `text`, by key, with the words as first
/// written. Only keys that could be a name are kept.
pub fn phrase_keys(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // Punctuation ends a phrase; a dot inside a word ("concurrent.futures") does not.
    for clause in CLAUSE_BREAK.split(text) {
        let words: Vec<(&str, String)> = clause
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
            .map(|w| (w, normalize_title(w)))
            .collect();
        for start in 0..words.len() {
            let mut key = String::new();
            for (n, (_, word_key)) in words[start..].iter().take(MAX_NAME_WORDS).enumerate() {
                if word_key.is_empty() {
                    break;
                }
                if n > 0 {
                    key.push('-');
                }
                key.push_str(word_key);
                if is_linkable_key(&key) && !out.contains_key(&key) {
                    let phrase: Vec<&str> =
                        words[start..=start + n].iter().map(|(w, _)| *w).collect();
                    out.insert(key.clone(), phrase.join(" "));
                }
            }
        }
    }
    out
}

static CLAUSE_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[,;()\[\]{}"`*|!?<>]|[.:](?:\s|$)|\n"#).unwrap_or_else(|_| unreachable!())
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_name_before_a_separator_is_an_alias() {
        assert_eq!(aliases_of("heapq — Heap queue algorithm"), ["heapq"]);
        assert_eq!(
            aliases_of("concurrent.futures — Launching parallel tasks"),
            ["concurrent.futures"]
        );
        assert_eq!(
            aliases_of("Debian Reference: Chapter 2"),
            ["Debian Reference"]
        );
        assert!(aliases_of("Lighthouses").is_empty());
        assert!(
            aliases_of("re — Regular expressions").is_empty(),
            "too short to link by"
        );
        assert!(aliases_of("heapq — ").is_empty());
    }

    #[test]
    fn phrases_are_keyed_as_links_are() {
        let keys = phrase_keys("Use the concurrent.futures module, or heapq (a heap).");
        assert_eq!(
            keys.get("concurrent-futures").map(String::as_str),
            Some("concurrent.futures")
        );
        assert_eq!(keys.get("heapq").map(String::as_str), Some("heapq"));
        assert!(keys.contains_key("use-the-concurrent-futures-module"));
        assert!(
            !keys.contains_key("heapq-a"),
            "a parenthesis ends the phrase's words"
        );
        assert!(!keys.contains_key("or"), "too short");
    }
}
