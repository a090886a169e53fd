//! How much of a question a piece of text covers: the question's content words found in it,
//! with plural and singular, and words sharing a long stem ("compress", "compression"),
//! counted as the same.

use std::collections::HashSet;

use crate::compile::offline::text::term_key;
use crate::search::QueryTerms;

/// Shortest shared beginning for two different words to count as one ("sorte|d", "sorte|r").
const SHARED_STEM: usize = 5;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| term_key(&w.to_lowercase()))
        .collect()
}

/// The distinct words of `text` longer than two letters, lower-cased: for comparing two texts.
pub(super) fn word_set(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
        .map(str::to_lowercase)
        .collect()
}

fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    shared >= SHARED_STEM && (shared == a.chars().count() || shared == b.chars().count())
}

/// The question's terms, prepared once for many texts.
#[derive(Debug, Clone)]
pub(super) struct Terms {
    keys: Vec<String>,
}

impl Terms {
    pub(super) fn new(terms: &QueryTerms) -> Self {
        Self {
            keys: terms.terms().iter().map(|t| term_key(t)).collect(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Which of the terms `text` contains, as a mask in term order.
    pub(super) fn covered(&self, text: &str) -> Vec<bool> {
        let words = words(text);
        self.keys
            .iter()
            .map(|k| words.iter().any(|w| same_word(k, w)))
            .collect()
    }

    /// How many of the terms `text` contains.
    pub(super) fn coverage(&self, text: &str) -> usize {
        self.covered(text).into_iter().filter(|c| *c).count()
    }

    /// The fewest terms a passage must contain to be worth answering from: one for a short
    /// question, a third of the terms for a long one.
    pub(super) fn needed(&self) -> usize {
        self.keys.len().div_ceil(3).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &str) -> Terms {
        Terms::new(&QueryTerms::parse(q))
    }

    #[test]
    fn plural_and_shared_stems_count_as_the_word() {
        let t = terms("compress sorted heaps");
        assert_eq!(
            t.covered("Compression of a heap keeps it sorted."),
            [true, true, true]
        );
        assert_eq!(t.coverage("a list of sortable items"), 0);
    }

    #[test]
    fn short_words_must_match_exactly() {
        let t = terms("pop");
        assert_eq!(t.coverage("popular music"), 0);
        assert_eq!(t.coverage("pop the item"), 1);
    }

    #[test]
    fn longer_questions_need_more_of_their_words() {
        assert_eq!(terms("heap").needed(), 1);
        assert_eq!(terms("pop smallest item heap").needed(), 2);
        assert_eq!(terms("alpha beta gamma delta epsilon zeta eta").needed(), 3);
    }
}
