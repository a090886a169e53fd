//! Turning verbatim source snippets into readable text for the article: markdown link, emphasis
//! and code syntax removed, whitespace collapsed, shouting reduced to sentence or title case.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;

struct Rewrite {
    pattern: Regex,
    replacement: &'static str,
}

/// Applied in order; each removes one kind of markdown syntax while keeping the visible text.
static REWRITES: LazyLock<Vec<Rewrite>> = LazyLock::new(|| {
    [
        (r"!\[[^\]]*\]\([^)]*\)", ""),
        (r"\[([^\]]+)\]\([^)]*\)", "$1"),
        (r"\[([^\]]+)\]\[[^\]]*\]", "$1"),
        (r"<(https?://[^>\s]+)>", "$1"),
        (r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>", ""),
        (r"\s\[\d{1,3}\]", ""),
        (r"\*\*|__|`", ""),
        (r"(^|[\s(\[])[*_]+(\S)", "$1$2"),
        (r"(\S)[*_]+([\s).,;:!?\]]|$)", "$1$2"),
        (r"\s+", " "),
        // What removed footnote marks and code leave behind: "subset of JavaScript )".
        (r" ([)\]])", "$1"),
        (r"([(\[]) ", "$1"),
    ]
    .into_iter()
    .filter_map(|(p, r)| {
        Regex::new(p).ok().map(|pattern| Rewrite {
            pattern,
            replacement: r,
        })
    })
    .collect()
});

/// Removes inline markdown syntax and collapses whitespace.
pub fn clean_inline(s: &str) -> String {
    let mut out = s.to_string();
    for rewrite in REWRITES.iter() {
        out = rewrite
            .pattern
            .replace_all(&out, rewrite.replacement)
            .into_owned();
    }
    out.trim().to_string()
}

static LINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").ok());

/// Replaces markdown links and images by their text, leaving everything else as it is. A link
/// glued to a word ("word[link](…)") keeps its brackets, so the two words stay two words.
pub(crate) fn strip_links(s: &str) -> String {
    let Some(re) = LINK.as_ref().filter(|_| s.contains("](")) else {
        return s.to_string();
    };
    re.replace_all(s, |caps: &regex::Captures<'_>| {
        let start = caps.get(0).map_or(0, |m| m.start());
        let glued = s[..start]
            .chars()
            .rev()
            .find(|c| !is_combining_mark(*c))
            .is_some_and(char::is_alphanumeric);
        let text = caps.get(1).map_or("", |m| m.as_str());
        if glued {
            format!("[{text}]")
        } else {
            text.to_string()
        }
    })
    .into_owned()
}

/// A clause of an enumeration as a sentence: "…; and" → "….".
pub(super) fn as_statement(s: &str) -> String {
    let trimmed = s.trim_end();
    for end in ["; and", "; or", ";"] {
        if let Some(core) = trimmed.strip_suffix(end) {
            return format!("{}.", core.trim_end());
        }
    }
    trimmed.to_string()
}

/// Whether at least 70 % of the letters are capitals (and there are enough to tell).
pub(super) fn is_shouting(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    letters.len() >= 8 && upper * 10 >= letters.len() * 7
}

/// Short words kept in lower case inside a title.
const MINOR_WORDS: [&str; 17] = [
    "a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "the", "to",
    "via", "with",
];

/// Common short words that are not acronyms when shouted.
const COMMON_SHORT: &str = "act add age air all any are bad big box but can day did due end few fee for get got has her him his how its key law let low map may new non not now off old one our out own pay per put run see set she six sub ten the top two use via was way who why yes yet you";

/// "GNU GENERAL PUBLIC LICENSE" → "GNU General Public License": long and common short words
/// capitalised, minor words lower case, other short words (acronyms) left in capitals. Text that
/// is not shouting is returned unchanged.
pub(super) fn title_case_if_shouting(s: &str) -> String {
    if !is_shouting(s) {
        return s.to_string();
    }
    s.split(' ')
        .enumerate()
        .map(|(i, word)| {
            let lower = word.to_lowercase();
            let letters = word.chars().filter(|c| c.is_alphabetic()).count();
            if i > 0 && MINOR_WORDS.contains(&lower.as_str()) {
                lower
            } else if letters <= 3
                && !COMMON_SHORT
                    .split(' ')
                    .any(|w| w == lower.trim_matches(|c: char| !c.is_alphabetic()))
            {
                word.to_string()
            } else {
                capitalise(&lower)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shouted sentence in sentence case: "THE WORK IS PROVIDED." → "The work is provided.".
pub(super) fn sentence_case_if_shouting(s: &str) -> String {
    if is_shouting(s) {
        capitalise(&s.to_lowercase())
    } else {
        s.to_string()
    }
}

fn capitalise(s: &str) -> String {
    let mut done = false;
    s.chars()
        .map(|c| {
            if !done && c.is_alphabetic() {
                done = true;
                c.to_uppercase().collect::<String>()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Cuts `s` to at most `max` chars at a word boundary, adding "…" when something was cut.
pub(super) fn cut_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for word in s.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = s.chars().take(max).collect();
    }
    out.trim_end_matches([',', ';', ':', '-', '—']).to_string() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_syntax_is_removed_but_text_kept() {
        assert_eq!(
            clean_inline(
                "Serialize *obj* to **`fp`** via [the docs](https://x.y/z) and ![img](a.png)\n   now [1] — snake_case_name stays."
            ),
            "Serialize obj to fp via the docs and now — snake_case_name stays."
        );
        assert_eq!(
            clean_inline("***TIP* Incremental updates**"),
            "TIP Incremental updates"
        );
        assert_eq!(
            clean_inline("see <https://a.b/c> or <b>bold</b>"),
            "see https://a.b/c or bold"
        );
    }

    #[test]
    fn links_become_their_text_without_gluing_words() {
        assert_eq!(
            strip_links("See [the docs](https://x.y) and ![a diagram](d.png)."),
            "See the docs and a diagram."
        );
        assert_eq!(strip_links("Lock[link](http://x) here"), "Lock[link] here");
        assert_eq!(strip_links("no links"), "no links");
    }

    #[test]
    fn clauses_become_statements() {
        assert_eq!(
            as_statement("You must keep notices; and"),
            "You must keep notices."
        );
        assert_eq!(as_statement("It works."), "It works.");
    }

    #[test]
    fn shouting_is_toned_down() {
        assert_eq!(
            title_case_if_shouting("GNU GENERAL PUBLIC LICENSE"),
            "GNU General Public License"
        );
        assert_eq!(
            title_case_if_shouting("TERMS AND CONDITIONS FOR USE"),
            "Terms and Conditions for Use"
        );
        assert_eq!(title_case_if_shouting("Apache License"), "Apache License");
        assert_eq!(
            sentence_case_if_shouting("THERE IS NO WARRANTY FOR THE PROGRAM."),
            "There is no warranty for the program."
        );
    }

    #[test]
    fn cut_words_stops_at_a_word_boundary() {
        assert_eq!(cut_words("short", 10), "short");
        assert_eq!(cut_words("one two three four", 10), "one two…");
        assert_eq!(cut_words("abcdefghijkl", 5), "abcde…");
    }
}
