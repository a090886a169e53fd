//! What makes two concept names one concept, which names are no concept at all, and how
//! concepts nest. A concept is identified by a key: the normalised words of its name with a
//! leading article dropped and the head noun (the last word) made singular, so "Threads",
//! "thread" and "the thread" are one concept and "Thread pools" is "thread-pool". Stop words,
//! numbers, generic words on their own ("example", "two") and fragments that begin or end in a
//! function word ("of the queue") are refused. Concepts nest by their head noun: "priority
//! queue" is a kind of "queue", "asyncio event loop" of "event loop"; and, where the words say
//! nothing, by co-occurrence: a concept found almost only where a broader one is sits under it.

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

/// Share of a concept's articles that must also carry a broader concept for it to nest there
/// by co-occurrence (subsumption: "heap invariant" appears only where "priority queue" does).
pub const SUBSUMPTION_SHARE: f64 = 0.8;

/// The parent of each concept that has one. First the parents a model gave (`given`, where
/// both concepts are in `members`); then the concept named by the longest shorter ending of its
/// words ("priority-queue" → "queue", "asyncio-event-loop" → "event-loop"); then, for a
/// concept still unplaced, a parent by co-occurrence: the concept found with at least
/// [`SUBSUMPTION_SHARE`] of its articles that is carried by more articles than it is (the
/// broader of the two), the one sharing the most articles first. Only concepts of two or more
/// articles nest by co-occurrence; one article is no evidence of a relation. No step closes a
/// loop, and chains deeper than [`MAX_CONCEPT_DEPTH`] hang their lower links from the deepest
/// allowed ancestor. `members` maps each concept key to the articles that carry it.
pub fn concept_hierarchy<A: Eq + std::hash::Hash>(
    members: &HashMap<String, HashSet<A>>,
    given: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut parents: HashMap<String, String> = HashMap::new();
    let place = |parents: &mut HashMap<String, String>, key: &str, parent: &str| {
        if key != parent && !is_ancestor(parents, key, parent) {
            parents.insert(key.to_owned(), parent.to_owned());
        }
    };
    let mut from_model: Vec<(&String, &String)> = given
        .iter()
        .filter(|(k, p)| members.contains_key(*k) && members.contains_key(*p))
        .collect();
    from_model.sort();
    for (key, parent) in from_model {
        place(&mut parents, key, parent);
    }
    let keys: HashSet<&str> = members.keys().map(String::as_str).collect();
    let mut by_words: Vec<(String, String)> = head_noun_parents(&keys)
        .into_iter()
        .filter(|(k, _)| !parents.contains_key(k))
        .collect();
    by_words.sort();
    for (key, parent) in by_words {
        place(&mut parents, &key, &parent);
    }
    let mut unplaced: Vec<&String> = members
        .iter()
        .filter(|(key, articles)| articles.len() >= 2 && !parents.contains_key(key.as_str()))
        .map(|(key, _)| key)
        .collect();
    // Narrowest first and by name, so the result does not depend on the map's order.
    unplaced.sort_by(|a, b| members[*a].len().cmp(&members[*b].len()).then(a.cmp(b)));
    for key in unplaced {
        let own = &members[key];
        let needed = (own.len() as f64 * SUBSUMPTION_SHARE).ceil() as usize;
        let best = members
            .iter()
            .filter(|(other, articles)| *other != key && articles.len() > own.len())
            .map(|(other, articles)| (other, own.intersection(articles).count(), articles.len()))
            .filter(|&(_, shared, _)| shared >= needed)
            .filter(|(other, _, _)| !is_ancestor(&parents, key, other))
            .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.cmp(a.0)));
        if let Some((parent, _, _)) = best {
            parents.insert(key.clone(), parent.clone());
        }
    }
    cap_depth(&mut parents);
    parents
}

/// Each key's parent by head noun: the longest shorter ending of its words that is a key.
fn head_noun_parents(keys: &HashSet<&str>) -> HashMap<String, String> {
    let mut parents = HashMap::new();
    for key in keys {
        let words: Vec<&str> = key.split('-').collect();
        let parent = (1..words.len())
            .map(|start| words[start..].join("-"))
            .find(|ending| keys.contains(ending.as_str()));
        if let Some(parent) = parent {
            parents.insert((*key).to_owned(), parent);
        }
    }
    parents
}

/// Whether `key` is `of` or one of its ancestors (so making `key` the parent of `of` would
/// close a loop).
fn is_ancestor(parents: &HashMap<String, String>, key: &str, of: &str) -> bool {
    let mut at = of;
    loop {
        if at == key {
            return true;
        }
        match parents.get(at) {
            Some(p) => at = p,
            None => return false,
        }
    }
}

/// Deeper chains hang their lower links from the deepest allowed ancestor.
fn cap_depth(parents: &mut HashMap<String, String>) {
    let ancestors = |key: &str| {
        let mut chain: Vec<String> = Vec::new();
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
        let parents = concept_hierarchy(
            &members(&[
                ("queue", &[1]),
                ("priority-queue", &[1]),
                ("max-priority-queue", &[1]),
                ("stable-max-priority-queue", &[1]),
                ("loop", &[2]),
                ("event-loop", &[2]),
                ("thread", &[3]),
            ]),
            &HashMap::new(),
        );
        assert_eq!(parents["priority-queue"], "queue");
        assert_eq!(parents["max-priority-queue"], "priority-queue");
        assert_eq!(
            parents["stable-max-priority-queue"], "priority-queue",
            "a fourth level hangs from the third"
        );
        assert_eq!(parents["event-loop"], "loop");
        assert!(!parents.contains_key("thread") && !parents.contains_key("queue"));
    }

    fn members(list: &[(&str, &[u32])]) -> HashMap<String, HashSet<u32>> {
        list.iter()
            .map(|(k, a)| ((*k).to_owned(), a.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn a_concept_found_almost_only_with_a_broader_one_nests_under_it() {
        let parents = concept_hierarchy(
            &members(&[
                ("concurrency", &[1, 2, 3, 4, 5, 6]),
                ("gil", &[1, 2, 3, 4, 9]),
                ("lock", &[2, 3, 4]),
                ("heap", &[7, 8, 9]),
                ("min-heap", &[7, 8]),
                ("sorting", &[1, 7]),
                ("bisect", &[7]),
            ]),
            &HashMap::new(),
        );
        assert_eq!(
            parents["gil"], "concurrency",
            "4 of 5 articles is the share"
        );
        assert_eq!(
            parents["lock"], "concurrency",
            "the broader concept sharing most wins"
        );
        assert_eq!(
            parents["min-heap"], "heap",
            "the head noun still comes first"
        );
        assert!(!parents.contains_key("sorting"), "1 of 2 is no subsumption");
        assert!(
            !parents.contains_key("bisect"),
            "one article is no evidence"
        );
        assert!(!parents.contains_key("concurrency") && !parents.contains_key("heap"));
    }

    #[test]
    fn co_occurrence_never_closes_a_loop_and_equal_concepts_stay_apart() {
        // "b-queue" is under "queue" by its words; "queue" can not then nest under "b-queue".
        let parents = concept_hierarchy(
            &members(&[
                ("queue", &[1, 2]),
                ("b-queue", &[1, 2, 3]),
                ("twin", &[4, 5]),
                ("pair", &[4, 5]),
            ]),
            &HashMap::new(),
        );
        assert_eq!(parents["b-queue"], "queue");
        assert!(!parents.contains_key("queue"));
        assert!(!parents.contains_key("twin") && !parents.contains_key("pair"));
    }

    #[test]
    fn a_models_parents_come_first_but_never_close_a_loop_or_name_an_unknown_concept() {
        let given: HashMap<String, String> = [
            ("needle", "thread"),
            ("queue", "priority-queue"),
            ("thread", "nowhere"),
        ]
        .into_iter()
        .map(|(k, p)| (k.to_owned(), p.to_owned()))
        .collect();
        let parents = concept_hierarchy(
            &members(&[
                ("thread", &[1, 2, 3]),
                ("needle", &[3, 4]),
                ("queue", &[5]),
                ("priority-queue", &[5]),
            ]),
            &given,
        );
        assert_eq!(
            parents["needle"], "thread",
            "no co-occurrence, the model's word"
        );
        assert_eq!(
            parents["queue"], "priority-queue",
            "the model's word before the head noun"
        );
        assert!(
            !parents.contains_key("priority-queue"),
            "the head noun would close a loop"
        );
        assert!(
            !parents.contains_key("thread"),
            "an unknown parent is ignored"
        );
    }
}
