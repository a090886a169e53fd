//! What makes two concept names one concept, which names are no concept at all, and how
//! concepts nest. A concept is identified by a key: the normalised words of its name with a
//! leading article dropped and the head noun (the last word) made singular, so "Threads",
//! "thread" and "the thread" are one concept and "Thread pools" is "thread-pool". Stop words,
//! numbers, generic words on their own ("example", "two") and fragments that begin or end in a
//! function word ("of the queue") are refused. Concepts nest by their head noun: "priority
//! queue" is a kind of "queue", "asyncio event loop" of "event loop".

use std::collections::{HashMap, HashSet};

use super::offline::words::{is_function_word, is_generic};
use super::slug::normalize_title;

/// Longest concept name, in words; longer ones are phrases, not names.
pub const MAX_CONCEPT_WORDS: usize = 5;
/// Deepest level of the concept tree (a root is level 1).
pub const MAX_CONCEPT_DEPTH: usize = 3;

/// Numbers written as words: no concept on their own.
const NUMBER_WORDS: [&str; 20] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "hundred", "thousand", "million", "billion", "first", "second", "third",
];

/// Plurals English does not make with -s, and words that end in -s but are singular.
const IRREGULAR: [(&str, &str); 16] = [
    ("aliases", "alias"),
    ("alias", "alias"),
    ("canvas", "canvas"),
    ("analyses", "analysis"),
    ("indices", "index"),
    ("matrices", "matrix"),
    ("vertices", "vertex"),
    ("statuses", "status"),
    ("children", "child"),
    ("people", "person"),
    ("series", "series"),
    ("species", "species"),
    ("news", "news"),
    ("men", "man"),
    ("women", "woman"),
    ("mice", "mouse"),
];

/// The key of a concept name, or `None` when the name is no concept (a stop word, a number,
/// a generic word alone, a fragment, or too long to be a name).
pub fn concept_key(name: &str) -> Option<String> {
    let key = normalize_title(name);
    let mut words: Vec<&str> = key.split('-').filter(|w| !w.is_empty()).collect();
    if matches!(words.first(), Some(&("the" | "a" | "an"))) {
        words.remove(0);
    }
    let (first, last) = (*words.first()?, *words.last()?);
    let meaningful = |w: &&str| {
        !is_generic(w) && !NUMBER_WORDS.contains(w) && w.bytes().any(|b| b.is_ascii_alphabetic())
    };
    if words.len() > MAX_CONCEPT_WORDS
        || is_function_word(first)
        || is_function_word(last)
        || !words.iter().any(meaningful)
        || (words.len() == 1 && first.len() < 3)
    {
        return None;
    }
    let head = singular(last);
    let n = words.len();
    words[n - 1] = &head;
    Some(words.join("-"))
}

/// A lower-case word made singular when it is a regular or known plural. Timid by design: a
/// wrong fold merges unrelated concepts, a missed one only leaves two.
pub fn singular(word: &str) -> String {
    if let Some((_, one)) = IRREGULAR.iter().find(|(many, _)| *many == word) {
        return (*one).to_owned();
    }
    let n = word.len();
    if n <= 3 || !word.is_ascii() || word.ends_with("ics") {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes", "zzes"] {
        if word.ends_with(suffix) {
            return word[..n - 2].to_owned();
        }
    }
    if ["ss", "us", "is", "os"].iter().any(|s| word.ends_with(s)) {
        return word.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// The parent of each concept that has one: the concept named by the longest shorter ending of
/// its words ("priority-queue" → "queue", "asyncio-event-loop" → "event-loop"), attached
/// higher up where the chain would pass [`MAX_CONCEPT_DEPTH`].
pub fn concept_parents<'a>(keys: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    let keys: HashSet<&str> = keys.into_iter().collect();
    let mut parents: HashMap<String, String> = HashMap::new();
    for key in &keys {
        let words: Vec<&str> = key.split('-').collect();
        let parent = (1..words.len())
            .map(|start| words[start..].join("-"))
            .find(|ending| keys.contains(ending.as_str()));
        if let Some(parent) = parent {
            parents.insert((*key).to_owned(), parent);
        }
    }
    // Deeper chains hang their lower links from the deepest allowed ancestor.
    let ancestors = |key: &str| {
        let mut chain = Vec::new();
        let mut at = key;
        while let Some(p) = parents.get(at) {
            chain.push(p.clone());
            at = p;
        }
        chain
    };
    let capped: Vec<(String, String)> = parents
        .keys()
        .filter_map(|k| {
            let chain = ancestors(k);
            (chain.len() >= MAX_CONCEPT_DEPTH).then(|| {
                (
                    k.clone(),
                    chain[chain.len() - (MAX_CONCEPT_DEPTH - 1)].clone(),
                )
            })
        })
        .collect();
    parents.extend(capped);
    parents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_singular_case_and_articles_are_one_concept() {
        for (a, b) in [
            ("Threads", "thread"),
            ("The thread", "Thread"),
            ("Thread pools", "thread pool"),
            ("policies", "Policy"),
            ("Processes", "process"),
            ("Priority Queues", "priority-queue"),
            ("classes", "class"),
            ("patches", "patch"),
            ("licenses", "License"),
            ("Aliases", "alias"),
        ] {
            assert_eq!(concept_key(a), concept_key(b), "{a} / {b}");
        }
        assert_eq!(concept_key("Thread pools").as_deref(), Some("thread-pool"));
        for word in ["status", "analysis", "physics", "asyncio", "bus"] {
            assert_eq!(singular(word), word);
        }
    }

    #[test]
    fn stop_words_numbers_generic_words_and_fragments_are_no_concepts() {
        for name in [
            "two",
            "the",
            "Example",
            "table of",
            "of the queue",
            "42",
            "it",
            "and",
            "examples",
            "a b",
            "first",
            "one two three four five six",
        ] {
            assert_eq!(concept_key(name), None, "{name}");
        }
        for name in [
            "table",
            "GIL",
            "heap invariant",
            "Event loop",
            "Python 3 features",
        ] {
            assert!(concept_key(name).is_some(), "{name}");
        }
    }

    #[test]
    fn concepts_nest_by_head_noun_at_most_three_deep() {
        let parents = concept_parents([
            "queue",
            "priority-queue",
            "max-priority-queue",
            "stable-max-priority-queue",
            "loop",
            "event-loop",
            "thread",
        ]);
        assert_eq!(parents["priority-queue"], "queue");
        assert_eq!(parents["max-priority-queue"], "priority-queue");
        assert_eq!(
            parents["stable-max-priority-queue"], "priority-queue",
            "a fourth level hangs from the third"
        );
        assert_eq!(parents["event-loop"], "loop");
        assert!(!parents.contains_key("thread") && !parents.contains_key("queue"));
    }
}
