//! Links found by mention. An article that names another — by its title or one of its
//! aliases ("heapq" for "heapq — Heap queue algorithm") — links to it as `references`, with
//! the words it used kept for the reader. Both directions are found when an article is saved:
//! the names its own text uses (its phrases looked up by key, never every article read), and
//! the existing articles that name it (found through the full-text index). A name two
//! articles share is ambiguous and links nothing.

use std::collections::{HashMap, HashSet};

use crate::domain::ArticleId;

use crate::compile::{RelationType, phrase_keys};
use crate::db::articles::LinkWrite;
use crate::db::{self, Db, DbResult};

/// Longest stretch of a text searched for names (the article's own text, then its source's).
const MAX_TEXT_CHARS: usize = 60_000;
/// Longest passage of the mention index; a name cut by a passage boundary is found in the
/// article's other passages or its own text.
const PASSAGE_CHARS: usize = 4_000;
/// Existing articles examined per name of a new article.
const MAX_MENTIONING: i64 = 200;

/// Links from an article to the articles its text names, skipping itself, the keys it already
/// links by, and ambiguous names.
pub(super) async fn outgoing(
    db: &Db,
    id: ArticleId,
    text: &str,
    already: &HashSet<String>,
) -> DbResult<Vec<LinkWrite>> {
    let text = bounded(text);
    let phrases = phrase_keys(text);
    let keys: Vec<String> = phrases
        .keys()
        .filter(|k| !already.contains(*k))
        .cloned()
        .collect();
    let owners = owners_by_key(db::articles::named_by(db, &keys).await?);
    // Longer names first, so "concurrent futures" wins over "futures" for the same target.
    let mut found: Vec<(&String, ArticleId)> = owners
        .iter()
        .filter_map(|(key, ids)| match ids.as_slice() {
            [only] if *only != id => Some((key, *only)),
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
    let mut targets = HashSet::new();
    let mut links = Vec::new();
    for (key, target) in found {
        if !targets.insert(target) {
            continue;
        }
        let words = phrases.get(key).cloned().unwrap_or_default();
        links.push(LinkWrite {
            target_text: words.clone(),
            target_key: key.clone(),
            to_article_id: Some(target),
            relation_type: RelationType::References,
            origin: "mention",
            mention: Some(context_of(text, &words)),
        });
    }
    Ok(links)
}

/// Adds links to a new article from the existing articles that name it by one of `names`
/// (each as written, with its key; names it shares with another article are left out by the
/// caller); returns the articles that got one.
pub(super) async fn incoming(
    db: &Db,
    id: ArticleId,
    names: &[(String, String)],
) -> DbResult<Vec<ArticleId>> {
    let mut linked = Vec::new();
    for (name, key) in names {
        for (from, passage) in db::search::articles_mentioning(db, name, MAX_MENTIONING).await? {
            if from == id || linked.contains(&from) {
                continue;
            }
            // The index matches stemmed words; the link needs the name itself.
            if !names_phrase(&passage, key) {
                continue;
            }
            let link = LinkWrite {
                target_text: name.clone(),
                target_key: key.clone(),
                to_article_id: Some(id),
                relation_type: RelationType::References,
                origin: "mention",
                mention: Some(context_of(&passage, name)),
            };
            if db::links::add(db, from, &link).await? {
                linked.push(from);
            }
        }
    }
    Ok(linked)
}

/// The passages of the mention index for an article whose names are looked for in `text`:
/// its bounded start, cut at paragraph breaks (or, for a paragraph longer than a passage, at
/// spaces).
pub(super) fn passages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for piece in bounded(text).split_inclusive(['\n', ' ']) {
        if current.len() + piece.len() > PASSAGE_CHARS && !current.trim().is_empty() {
            out.push(std::mem::take(&mut current).trim().to_owned());
        }
        current.push_str(piece);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// `key → articles` from `(key, article)` pairs.
fn owners_by_key(pairs: Vec<(String, ArticleId)>) -> HashMap<String, Vec<ArticleId>> {
    let mut owners: HashMap<String, Vec<ArticleId>> = HashMap::new();
    for (key, article) in pairs {
        let ids = owners.entry(key).or_default();
        if !ids.contains(&article) {
            ids.push(article);
        }
    }
    owners
}

/// True when one of `text`'s phrases has this key.
fn names_phrase(text: &str, key: &str) -> bool {
    phrase_keys(bounded(text)).contains_key(key)
}

/// The start of `text`, cut on a character boundary.
fn bounded(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The sentence-sized stretch of `text` around the first occurrence of `words`, for the
/// reader to show; the words themselves when they cannot be found as written.
fn context_of(text: &str, words: &str) -> String {
    let Some(at) = text.find(words) else {
        return words.to_owned();
    };
    let start = text[..at].rfind(['.', '\n', '!', '?']).map_or(0, |i| i + 1);
    let end = text[at + words.len()..]
        .find(['.', '\n', '!', '?'])
        .map_or(text.len(), |i| at + words.len() + i + 1);
    let sentence = text[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if sentence.chars().count() > 240 {
        words.to_owned()
    } else {
        sentence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_the_sentence_naming_the_article() {
        let text = "Heaps are trees. A priority queue is built with heapq here. More.";
        assert_eq!(
            context_of(text, "heapq"),
            "A priority queue is built with heapq here."
        );
        assert_eq!(context_of(text, "bisect"), "bisect");
    }

    #[test]
    fn passages_cover_the_text_in_bounded_pieces() {
        let text = "heapq ".repeat(2_000);
        let pieces = passages(&text);
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| p.len() <= PASSAGE_CHARS));
        assert_eq!(pieces.concat().matches("heapq").count(), 2_000);
        assert!(passages("  \n ").is_empty());
    }

    #[test]
    fn names_are_matched_as_phrases_not_stems() {
        assert!(names_phrase(
            "Use concurrent.futures for pools.",
            "concurrent-futures"
        ));
        assert!(!names_phrase("Threads are light.", "threading"));
    }
}
