//! The offline contradiction check: what a deterministic rule can honestly find without a
//! model — two claims about the same thing (nearly the same words) that give different
//! figures (numbers, years, dates). A model finds more: claims that disagree in words.

use std::collections::BTreeSet;

/// Words too common to say what a claim is about.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "was", "were", "are", "its", "his", "her", "their", "with", "from",
    "that", "this", "has", "had", "have", "into", "about", "than", "then", "which", "when",
];

/// How alike two claims' words must be (shared over all, without figures) to be about the
/// same thing.
const SAME_SUBJECT: f64 = 0.6;
/// Fewest words a claim needs, beside its figures, for its subject to be told.
const MIN_WORDS: usize = 3;

/// A claim split into the words it is about and the figures it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    words: BTreeSet<String>,
    figures: BTreeSet<String>,
}

fn parts(claim: &str) -> Parts {
    let mut words = BTreeSet::new();
    let mut figures = BTreeSet::new();
    for token in claim.split(|c: char| !(c.is_alphanumeric() || c == ',' || c == '.')) {
        let token = token.trim_matches([',', '.']);
        if token.chars().any(|c| c.is_ascii_digit()) {
            // "1,850" and "1850" are one figure.
            figures.insert(token.replace(',', ""));
        } else {
            let word = token.to_lowercase();
            if word.chars().count() >= 3 && !STOPWORDS.contains(&word.as_str()) {
                words.insert(word);
            }
        }
    }
    Parts { words, figures }
}

/// True when the two claims are about the same thing and give different figures for it.
pub(super) fn figures_disagree(a: &str, b: &str) -> bool {
    let (a, b) = (parts(a), parts(b));
    if a.figures.is_empty() || b.figures.is_empty() || a.figures == b.figures {
        return false;
    }
    if a.words.len() < MIN_WORDS || b.words.len() < MIN_WORDS {
        return false;
    }
    let shared = a.words.intersection(&b.words).count() as f64;
    let all = a.words.union(&b.words).count() as f64;
    shared / all >= SAME_SUBJECT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_statement_with_another_year_disagrees() {
        assert!(figures_disagree(
            "The harbour light was first lit in 1850 by the keeper.",
            "The harbour light was first lit in 1872 by the keeper.",
        ));
    }

    #[test]
    fn the_same_figures_or_different_subjects_do_not() {
        assert!(!figures_disagree(
            "The harbour light was first lit in 1,850 by the keeper.",
            "The harbour light was first lit in 1850 by the keeper.",
        ));
        assert!(!figures_disagree(
            "The harbour light was first lit in 1850.",
            "Storms closed the harbour for 3 weeks each winter.",
        ));
        assert!(!figures_disagree(
            "The harbour light was first lit by the keeper.",
            "The harbour light was first lit in 1872 by the keeper.",
        ));
    }
}
