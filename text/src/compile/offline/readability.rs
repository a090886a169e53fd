//! Sentence-level judgements for the offline compiler: whether a sentence is code, boilerplate,
//! a complete statement, a definition, or leans on its context, and how well it reads alone.

use std::sync::LazyLock;

use regex::Regex;

use super::clean::is_shouting;
use super::words::is_stopword;

/// Navigation, legal and layout debris that never makes a good summary or claim.
static BOILERPLATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)copyright \(c\)|copyright ©|all rights reserved|click here|cookies?\b|permalink|table of contents",
        r"|previous topic|next topic|this page|report a bug|show source|subscribe|sign up|log in|terms of service",
        r"|privacy policy|https?://|www\.|\S@\S+\.[a-z]|^(changed|new) in version|^deprecated since",
        r"|\. \. \.|\.{4}|^(table|figure|fig\.|listing|example) \d+(\.\d+)*:",
    ))
    .ok()
});

/// Sentence openers that lean on the previous sentence; such a sentence does not stand alone.
const DEPENDENT_OPENERS: &str = "it its they their them he she however but and or also then therefore thus hence so here there see \
    otherwise likewise similarly moreover furthermore instead note tip caution warning";

/// Openings of several words that refer back or aside.
const DEPENDENT_PHRASES: [&str; 17] = [
    "for example",
    "for instance",
    "for the purposes of",
    "let's",
    "let us",
    "with this",
    "with that",
    "in this case",
    "in that case",
    "in addition",
    "as a result",
    "as such",
    "in particular",
    "on the other hand",
    "by contrast",
    "in contrast",
    "of course",
];

/// Words that mark a normative or definitional statement, the stuff of key claims.
const CLAIM_SIGNALS: &str =
    "must shall means is are provides allows requires guarantees cannot never always will returns";

/// Share of characters typical of code above which a sentence is treated as code.
const CODE_SYMBOL_SHARE: f64 = 0.08;

static DEFINITION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^.{0,60}["“'][^"”']{1,60}["”'](?: \([^)]*\))?(?: [\w ]{0,40})? (?:shall mean|means|refers to|is defined as)\b"#).ok()
});

/// Whether the (visible) text is navigation, legal or layout debris.
pub(super) fn is_boilerplate(text: &str) -> bool {
    BOILERPLATE
        .as_ref()
        .is_some_and(|re| re.is_match(text.trim_start_matches(|c: char| !c.is_alphanumeric())))
}

/// Ends with a full stop or exclamation mark (closing quotes and brackets aside).
pub(super) fn ends_like_statement(s: &str) -> bool {
    let core = s.trim_end_matches(['"', '\'', '\u{201d}', '\u{2019}', ')', ']', '*', '_', '`']);
    core.ends_with('.') || core.ends_with('!')
}

/// Ends like a clause of an enumeration: `;`, `; and`, `; or`.
pub(super) fn ends_like_clause(s: &str) -> bool {
    let s = s.trim_end();
    [";", "; and", "; or"].iter().any(|end| s.ends_with(end))
}

/// Too many brackets, operators or call parentheses for prose.
pub(super) fn looks_like_code(s: &str) -> bool {
    let visible = s.chars().filter(|c| !c.is_whitespace()).count().max(1);
    let symbols = s
        .chars()
        .filter(|c| "{}[]()<>=;$#|\\/@%^~+".contains(*c))
        .count();
    let calls = ["()", "=True", "=False", "=None"]
        .iter()
        .map(|p| s.matches(p).count())
        .sum::<usize>();
    symbols as f64 / visible as f64 > CODE_SYMBOL_SHARE
        || calls > 2
        || s.contains(">>>")
        || s.trim_start().starts_with("$ ")
}

/// Multiplier for a sentence length in words: the useful range gets 1, very short and very long
/// sentences fade out.
pub(super) fn length_factor(
    words: usize,
    (min, full_from, full_to, max): (usize, usize, usize, usize),
) -> f64 {
    match words {
        w if w < min || w > max => 0.0,
        w if w < full_from => 0.6 + 0.4 * (w - min) as f64 / (full_from - min).max(1) as f64,
        w if w <= full_to => 1.0,
        w => 1.0 - 0.6 * (w - full_to) as f64 / (max - full_to).max(1) as f64,
    }
}

/// Multiplier for how well a sentence reads on its own in an article.
pub(super) fn quality(text: &str, list: bool) -> f64 {
    let mut q = 1.0;
    if text.contains("](") {
        q *= 0.7;
    }
    match text.matches('`').count() {
        0 => {}
        1..=4 => q *= 0.9,
        _ => q *= 0.75,
    }
    if text.contains("**") || text.contains(" *") || text.contains(" _") {
        q *= 0.9;
    }
    if is_shouting(text) {
        q *= 0.7;
    }
    if text
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
    {
        q *= 0.8;
    }
    if starts_dependent(text) {
        q *= 0.5;
    }
    if text.chars().filter(char::is_ascii_digit).count() * 7 > text.len() {
        q *= 0.5;
    }
    if list {
        q *= 0.9;
    }
    q
}

/// "It is …", "However, …", "For example …" lean on context. "This License …" or "This module
/// …" (a noun after the demonstrative) does not; "This is …" (a stopword after it) does.
pub(super) fn starts_dependent(text: &str) -> bool {
    let lower = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let mut words = lower.split_whitespace();
    let first_raw = words.next().unwrap_or_default();
    let first = first_raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    let second = words
        .next()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .unwrap_or_default();
    let demonstrative = matches!(first, "this" | "that" | "these" | "those" | "such")
        && (second.is_empty() || is_stopword(second));
    DEPENDENT_OPENERS.split_whitespace().any(|w| w == first)
        || demonstrative
        || first_raw.ends_with(',')
        || DEPENDENT_PHRASES
            .iter()
            .any(|p| lower.starts_with(p) && lower[p.len()..].starts_with([' ', ',']))
}

/// `"Licensor" shall mean …`, `To "convey" a work means …`, `For this definition, "control"
/// means …`.
pub(super) fn is_definition(text: &str) -> bool {
    DEFINITION.as_ref().is_some_and(|re| re.is_match(text))
}

/// Contains a word typical of normative or definitional statements.
pub(super) fn has_claim_signal(text: &str) -> bool {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .any(|w| CLAIM_SIGNALS.split_whitespace().any(|s| s == w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_judged_on_their_own() {
        assert!(
            starts_dependent("However, it works.")
                && starts_dependent("It works.")
                && starts_dependent("This is fine.")
        );
        assert!(
            starts_dependent("For example, run it.")
                && starts_dependent("Subsequently, threads block.")
        );
        assert!(
            !starts_dependent("This License applies.") && !starts_dependent("The module works.")
        );
        assert!(
            is_definition("\"Licensor\" shall mean the owner.")
                && is_definition("To \"convey\" a work means to copy it.")
        );
        assert!(!is_definition("The licensor means well, they say."));
        assert!(looks_like_code("x = f(a, b); y = g(c) {z}") && looks_like_code(">>> print(1)"));
        assert!(!looks_like_code(
            "A lock is a synchronization primitive (a simple one)."
        ));
        assert!(
            is_boilerplate("Copyright (c) 2024 Someone.")
                && is_boilerplate("1.1 Intro . . . . . 3")
        );
        assert!(ends_like_statement("It ends (really).\"") && !ends_like_statement("A lead-in:"));
        assert!(ends_like_clause("You must keep notices; and") && !ends_like_clause("A lead-in:"));
        assert_eq!(length_factor(3, (6, 10, 40, 80)), 0.0);
        assert_eq!(length_factor(20, (6, 10, 40, 80)), 1.0);
    }
}
