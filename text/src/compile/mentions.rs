//! Names and mentions: the short names an article goes by besides its title, and the keys of
//! every phrase a text could be naming another article by. Matching is on the normalised form
//! links use ([`normalize_title`]), so "concurrent.futures", "Concurrent Futures" and
//! "concurrent-futures" are one name.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::offline::words::is_generic;
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

/// Fewest uses of a qualifier before a text is taken to be about it.
const MIN_QUALIFIER_USES: usize = 5;

/// The identifier a text is about, when one qualifier dominates its qualified names: a page
/// titled "Coroutines and Tasks" that writes `asyncio.create_task`, `asyncio.Task`… a hundred
/// times is about `asyncio`. Needs [`MIN_QUALIFIER_USES`] uses and more than half of all
/// qualified names; of a qualifier and a longer one used as often, the longer wins
/// ("concurrent.futures" over "concurrent").
pub fn identifier_of(text: &str) -> Option<String> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    let mut names = 0;
    for c in QUALIFIED.captures_iter(text) {
        let Some(name) = c.get(1).map(|m| m.as_str()) else {
            continue;
        };
        let last = name.rsplit('.').next().unwrap_or_default();
        if FILE_EXTENSIONS.contains(&last.to_ascii_lowercase().as_str()) {
            continue;
        }
        names += 1;
        for (at, _) in name.match_indices('.') {
            *uses.entry(&name[..at]).or_default() += 1;
        }
    }
    let (best, count) = uses.into_iter().max_by(|a, b| {
        a.1.cmp(&b.1)
            .then(a.0.len().cmp(&b.0.len()))
            .then(b.0.cmp(a.0))
    })?;
    (count >= MIN_QUALIFIER_USES && count * 2 > names && is_linkable_key(&normalize_title(best)))
        .then(|| best.to_owned())
}

/// Last parts that make a dotted word a file or host name rather than a qualified name.
const FILE_EXTENSIONS: [&str; 12] = [
    "html", "htm", "py", "md", "txt", "pdf", "json", "xml", "csv", "com", "org", "net",
];

/// A qualified name such as `asyncio.Task` or `concurrent.futures.Future`, not inside a path or
/// an address, and not a file name (`queue.html`).
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w./:#-])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\b")
        .unwrap_or_else(|_| unreachable!())
});

/// The `n` words a text uses most that could carry its subject (four letters or more, no stop
/// words or generic words), most frequent first, ties by first use: a query for the pages most
/// related to it.
pub fn key_terms(text: &str, n: usize) -> Vec<String> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (position, word) in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .enumerate()
    {
        if !is_generic(&word) {
            counts.entry(word).or_insert((0, position)).0 += 1;
        }
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    ranked.into_iter().take(n).map(|(w, _)| w).collect()
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
        // A qualified name names what qualifies it: "concurrent.futures.Future" and
        // "threading.Thread()" name the modules "concurrent.futures" and "threading".
        for (word, _) in &words {
            for (at, _) in word.match_indices('.') {
                let prefix = &word[..at];
                let key = normalize_title(prefix);
                if is_linkable_key(&key) && !out.contains_key(&key) {
                    out.insert(key, prefix.to_owned());
                }
            }
        }
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
    fn the_dominant_qualifier_is_what_a_text_is_about() {
        let text = "Call asyncio.run(main()). Use asyncio.create_task(), asyncio.Task, \
                    asyncio.gather() and asyncio.sleep(); see contextvars.Context.";
        assert_eq!(identifier_of(text).as_deref(), Some("asyncio"));
        let text = "concurrent.futures.Future, concurrent.futures.wait, \
                    concurrent.futures.as_completed, concurrent.futures.Executor, \
                    concurrent.futures.ThreadPoolExecutor";
        assert_eq!(identifier_of(text).as_deref(), Some("concurrent.futures"));
        assert_eq!(
            identifier_of("See queue.html, heapq.html, a.html, b.html and c.html."),
            None,
            "file names are not qualified names"
        );
        assert_eq!(identifier_of("Only os.path once."), None);
    }

    #[test]
    fn key_terms_are_the_most_used_subject_words() {
        let text = "Bees make honey. The bees store honey in combs; bees guard the combs. \
                    This is an example of the thing.";
        assert_eq!(key_terms(text, 3), ["bees", "honey", "combs"]);
        assert!(key_terms("the of and it", 5).is_empty());
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

        let keys = phrase_keys("Use concurrent.futures.ThreadPoolExecutor or threading.Thread().");
        assert_eq!(
            keys.get("concurrent-futures").map(String::as_str),
            Some("concurrent.futures")
        );
        assert_eq!(keys.get("threading").map(String::as_str), Some("threading"));
    }
}
