//! The offline answerer: with no language model, an answer assembled from the retrieved
//! passages' own sentences (claims preferred), the ones that cover most of the question, each
//! followed by the `[n]` of its passage. Nothing is invented; every sentence is cited.

use std::collections::BTreeSet;

use super::relevance::{Terms, word_set};
use crate::compile::offline::KEY_CONCEPTS;
use crate::compile::offline::text::split_sentences;
use crate::db::search::PassageHit;
use crate::search::{PassageKind, QueryTerms};

/// Sentences in an answer.
const MAX_SENTENCES: usize = 4;
/// Sentences taken from one passage.
const PER_PASSAGE: usize = 2;
/// Sentences shorter or longer than this (in words) read badly out of context.
const MIN_WORDS: usize = 4;
const MAX_WORDS: usize = 70;

/// An extractive answer and what it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractiveAnswer {
    /// Markdown: one paragraph per article, sentences followed by their `[n]`, numbered from
    /// 1 in the order they first appear.
    pub text: String,
    /// The passages cited (numbered from 1 in retrieval order).
    pub cited: BTreeSet<u32>,
    /// The marker in `text` of each cited passage: `(passage, marker)`.
    pub markers: Vec<(u32, u32)>,
    /// Share of the question's terms that the chosen sentences cover together (0–1).
    pub coverage: f64,
}

#[derive(Debug)]
struct Candidate {
    n: u32,
    passage: usize,
    text: String,
    score: f64,
    covered: Vec<bool>,
}

/// A claim passage holds the claim and then its quote in curly quotes; the claim alone reads
/// as a sentence.
fn passage_text(p: &PassageHit) -> &str {
    if p.kind == PassageKind::Claim
        && let Some(i) = p.content.rfind(" “")
    {
        return &p.content[..i];
    }
    &p.content
}

fn sentences(text: &str) -> Vec<String> {
    text.lines()
        // The offline compiler's list of concepts reads as a sentence but says nothing.
        .filter(|line| !line.trim_start().starts_with(KEY_CONCEPTS))
        .flat_map(|line| {
            let line = line.trim();
            let ranges = split_sentences(line);
            if ranges.is_empty() {
                vec![line.to_string()]
            } else {
                ranges
                    .into_iter()
                    .map(|(s, e)| line[s..e].trim().to_string())
                    .collect()
            }
        })
        .filter(|s| {
            let words = s.split_whitespace().count();
            (MIN_WORDS..=MAX_WORDS).contains(&words)
        })
        .collect()
}

fn near_duplicate(a: &str, b: &str) -> bool {
    let (a, b) = (word_set(a), word_set(b));
    let union = a.union(&b).count();
    union > 0 && a.intersection(&b).count() * 2 > union
}

/// Builds the answer from `passages` (numbered from 1 in order).
pub fn extractive_answer(question: &QueryTerms, passages: &[PassageHit]) -> ExtractiveAnswer {
    let terms = Terms::new(question);
    let mut candidates: Vec<Candidate> = Vec::new();
    for (i, p) in passages.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        // A passage found by meaning alone (hybrid search) may share no word with the
        // question; its opening sentence then stands for it.
        let by_meaning = !p.full_text && p.similarity.is_some();
        for (k, s) in sentences(passage_text(p)).into_iter().enumerate() {
            let covered = terms.covered(&s);
            let hits = covered.iter().filter(|c| **c).count();
            if hits == 0 && !(by_meaning && k == 0) {
                continue;
            }
            let words = s.split_whitespace().count() as f64;
            // More of the question first; then claims (checked against the source), then
            // better-ranked passages, then sentences that say it in fewer words.
            let claim = if p.kind == PassageKind::Claim {
                0.5
            } else {
                0.0
            };
            let rank = 0.5 / (1.0 + i as f64);
            let score = hits as f64 + claim + rank - words / 200.0;
            candidates.push(Candidate {
                n,
                passage: i,
                text: s,
                score,
                covered,
            });
        }
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));

    let mut chosen: Vec<Candidate> = Vec::new();
    for c in candidates {
        if chosen.len() == MAX_SENTENCES {
            break;
        }
        let same_passage = chosen.iter().filter(|x| x.passage == c.passage).count();
        if same_passage >= PER_PASSAGE || chosen.iter().any(|x| near_duplicate(&x.text, &c.text)) {
            continue;
        }
        chosen.push(c);
    }

    let mut covered = vec![false; terms.len()];
    for c in &chosen {
        for (slot, hit) in covered.iter_mut().zip(&c.covered) {
            *slot |= *hit;
        }
    }
    let coverage = if terms.is_empty() {
        0.0
    } else {
        covered.iter().filter(|c| **c).count() as f64 / terms.len() as f64
    };

    // One paragraph per article, articles in the order of their best sentence.
    let mut paragraphs: Vec<(&str, Vec<&Candidate>)> = Vec::new();
    for c in &chosen {
        let title = passages[c.passage].title.as_str();
        match paragraphs.iter_mut().find(|(t, _)| *t == title) {
            Some((_, list)) => list.push(c),
            None => paragraphs.push((title, vec![c])),
        }
    }
    // Markers count from 1 in reading order, whichever passages they name.
    let mut markers: Vec<(u32, u32)> = Vec::new();
    let mut marker = |passage: u32| match markers.iter().find(|(p, _)| *p == passage) {
        Some((_, m)) => *m,
        None => {
            let m = u32::try_from(markers.len() + 1).unwrap_or(u32::MAX);
            markers.push((passage, m));
            m
        }
    };
    let text = paragraphs
        .iter()
        .map(|(title, list)| {
            let sentences: Vec<String> = list
                .iter()
                .map(|c| format!("{} [{}]", c.text.trim_end(), marker(c.n)))
                .collect();
            format!("**{}**: {}", title.replace('*', ""), sentences.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    ExtractiveAnswer {
        text,
        cited: chosen.iter().map(|c| c.n).collect(),
        markers,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(article: u128, title: &str, kind: PassageKind, content: &str) -> PassageHit {
        PassageHit::sample(0, article, title, kind, content)
    }

    #[test]
    fn the_list_of_key_concepts_is_not_a_sentence() {
        let passages = [passage(
            1,
            "heapq",
            PassageKind::Section,
            "Key concepts: heap queue, priority queue, heap invariant.\nA heap queue keeps the smallest item first.",
        )];
        let got = extractive_answer(&QueryTerms::parse("what is a heap queue"), &passages);
        assert!(!got.text.contains("Key concepts"), "{}", got.text);
        assert!(
            got.text.contains("keeps the smallest item first"),
            "{}",
            got.text
        );
    }

    #[test]
    fn the_sentences_that_answer_are_chosen_and_each_is_cited() {
        let passages = [
            passage(
                1,
                "heapq",
                PassageKind::Section,
                "The module is old. To pop the smallest item from the heap, call heappop on the list. Heaps are binary trees.",
            ),
            passage(
                1,
                "heapq",
                PassageKind::Claim,
                "heappop returns the smallest item of the heap. “Pop and return the smallest item from the heap”",
            ),
            passage(
                2,
                "bisect",
                PassageKind::Section,
                "Bisect finds insertion points in a sorted list quickly.",
            ),
        ];
        let q = QueryTerms::parse("How do I pop the smallest item from a heap?");
        let got = extractive_answer(&q, &passages);
        assert!(got.text.starts_with("**heapq**: "), "{}", got.text);
        assert!(
            got.text
                .contains("heappop returns the smallest item of the heap. [2]"),
            "{}",
            got.text
        );
        assert!(
            got.text.contains("call heappop on the list. [1]"),
            "{}",
            got.text
        );
        assert!(
            !got.text.contains("“"),
            "quotes stay in citations: {}",
            got.text
        );
        assert!(!got.text.contains("The module is old"), "{}", got.text);
        assert_eq!(got.cited, BTreeSet::from([1, 2]));
        assert_eq!(got.coverage, 1.0);
    }

    #[test]
    fn markers_count_from_one_in_reading_order() {
        let passages = [
            passage(
                1,
                "A",
                PassageKind::Section,
                "Nothing here is about it at all.",
            ),
            passage(
                2,
                "B",
                PassageKind::Section,
                "The weather was mild that year.",
            ),
            passage(
                3,
                "C",
                PassageKind::Section,
                "Sea otters hold hands while they sleep so they do not drift apart.",
            ),
            passage(
                4,
                "D",
                PassageKind::Section,
                "Otters sleep floating on their backs in kelp beds.",
            ),
        ];
        let q = QueryTerms::parse("why do otters hold hands while they sleep");
        let got = extractive_answer(&q, &passages);
        assert_eq!(got.cited, BTreeSet::from([3, 4]), "{}", got.text);
        assert!(got.text.contains("drift apart. [1]"), "{}", got.text);
        assert!(got.text.contains("kelp beds. [2]"), "{}", got.text);
        assert_eq!(got.markers, vec![(3, 1), (4, 2)]);
    }

    #[test]
    fn near_duplicate_sentences_are_said_once() {
        let passages = [
            passage(
                1,
                "A",
                PassageKind::Section,
                "Tide pools form on rocky shores at low tide.",
            ),
            passage(
                2,
                "B",
                PassageKind::Section,
                "Tide pools form on rocky shores at low tide every day.",
            ),
        ];
        let got = extractive_answer(&QueryTerms::parse("where do tide pools form"), &passages);
        assert_eq!(got.cited.len(), 1, "{}", got.text);
    }

    #[test]
    fn nothing_matching_gives_an_empty_answer() {
        let passages = [passage(
            1,
            "A",
            PassageKind::Section,
            "Completely unrelated words here today.",
        )];
        let got = extractive_answer(&QueryTerms::parse("quokka"), &passages);
        assert!(got.text.is_empty());
        assert!(got.cited.is_empty());
    }
}
