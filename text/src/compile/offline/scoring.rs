//! Sentence selection for the offline compiler: how central each sentence is to the document
//! (frequency of its content terms across the whole text), which are usable at all (see
//! `readability`), and the greedy, redundancy-aware choice of the summary and the key claims.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::super::grounding::tokens::for_each_token;
use super::clean::clean_inline;
use super::document::{BlockKind, Document};
use super::readability::{
    ends_like_clause, ends_like_statement, has_claim_signal, is_boilerplate, is_definition,
    length_factor, looks_like_code, quality,
};
use super::words::{is_stopword, term_key};

/// What was chosen, as indices into [`Document::sentences`], each list in document order.
#[derive(Debug, Default)]
pub(super) struct Selection {
    pub summary: Vec<usize>,
    pub overview_extra: Vec<usize>,
    pub claims: Vec<usize>,
    pub questions: Vec<usize>,
}

#[derive(Debug, Default, Clone)]
struct Features {
    terms: Vec<u32>,
    centrality: f64,
    claim: f64,
    summary: f64,
    question: bool,
}

/// Scores and selects sentences.
pub(super) fn select(doc: &Document<'_>) -> Selection {
    let features = score(doc);
    // Spread over sections when the document has several, otherwise over paragraphs.
    let sections_used = doc
        .sentences
        .iter()
        .map(|s| s.section)
        .collect::<HashSet<_>>()
        .len();
    let units: Vec<usize> = doc
        .sentences
        .iter()
        .map(|s| {
            if sections_used >= 3 {
                s.section
            } else {
                s.block
            }
        })
        .collect();
    let claims_wanted = (features.iter().filter(|f| f.claim > 0.0).count() / 3).clamp(5, 12);
    let summary = pick(
        &features,
        &units,
        |f| f.summary,
        Pick {
            wanted: 3,
            max_overlap: 0.4,
            unit_decay: 1.0,
            exclude: &[],
        },
    );
    let summary = trim_summary(doc, &features, summary);
    let claim_pick = |exclude| Pick {
        wanted: claims_wanted,
        max_overlap: 0.5,
        unit_decay: 0.55,
        exclude,
    };
    let mut claims = pick(&features, &units, |f| f.claim, claim_pick(&summary));
    if claims.len() < 5 {
        // A short text may have few candidates besides its summary; reuse those.
        claims = pick(&features, &units, |f| f.claim, claim_pick(&[]));
    }
    let taken: Vec<usize> = summary.iter().chain(&claims).copied().collect();
    let mut overview_extra = pick(
        &features,
        &units,
        |f| f.summary,
        Pick {
            wanted: 2,
            max_overlap: 0.4,
            unit_decay: 1.0,
            exclude: &taken,
        },
    );
    overview_extra.retain(|i| !taken.contains(i));
    let mut questions: Vec<usize> = (0..features.len())
        .filter(|i| features[*i].question)
        .collect();
    questions.sort_by(|a, b| {
        features[*b]
            .centrality
            .total_cmp(&features[*a].centrality)
            .then(a.cmp(b))
    });
    questions.truncate(3);
    questions.sort_unstable();
    Selection {
        summary,
        overview_extra,
        claims,
        questions,
    }
}

fn score(doc: &Document<'_>) -> Vec<Features> {
    let mut vocab: HashMap<String, u32> = HashMap::new();
    let mut tf: Vec<u32> = Vec::new();
    let mut features: Vec<Features> = doc
        .sentences
        .iter()
        .map(|s| {
            let mut terms = Vec::new();
            for_each_token(doc.sentence_text(s), |word, _| {
                if is_stopword(word) || !word.chars().any(char::is_alphabetic) {
                    return;
                }
                let key = term_key(word);
                let next = vocab.len() as u32;
                let id = *vocab.entry(key).or_insert(next);
                if id as usize == tf.len() {
                    tf.push(0);
                }
                tf[id as usize] += 1;
                terms.push(id);
            });
            terms.sort_unstable();
            terms.dedup();
            Features {
                terms,
                ..Features::default()
            }
        })
        .collect();
    let weight: Vec<f64> = tf.iter().map(|n| f64::from(*n).ln() + 0.2).collect();

    let keys: Vec<String> = doc
        .sentences
        .iter()
        .map(|s| normalised(doc.sentence_text(s)))
        .collect();
    let mut repeats: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        *repeats.entry(key).or_default() += 1;
    }
    let mut first_seen: HashSet<&str> = HashSet::new();
    for (i, s) in doc.sentences.iter().enumerate() {
        let raw = doc.sentence_text(s);
        // Markdown syntax is not read; judge the sentence by its visible text.
        let text = if raw.contains(['[', '`', '*', '_', '<']) {
            Cow::Owned(clean_inline(raw))
        } else {
            Cow::Borrowed(raw)
        };
        let f = &mut features[i];
        let total: f64 = f.terms.iter().map(|t| weight[*t as usize]).sum();
        f.centrality = total / (f.terms.len() as f64 + 5.0).sqrt();
        // Repeated sentences count once; sentences repeated three times or more are running
        // heads or boilerplate and do not count at all.
        let duplicate =
            !first_seen.insert(&keys[i]) || repeats.get(keys[i].as_str()).is_some_and(|n| *n >= 3);
        let words = text.split_whitespace().count();
        let usable = doc.blocks[s.block].kind == BlockKind::Prose
            && !duplicate
            && !looks_like_code(&text)
            && !is_boilerplate(&text);
        if !usable {
            continue;
        }
        if text.trim_end().ends_with('?') {
            f.question = (6..=30).contains(&words) && text.starts_with(|c: char| c.is_uppercase());
            continue;
        }
        // A list item may be a clause ("(a) You must give …; and"): a claim, not a summary.
        let clause = s.list && ends_like_clause(&text);
        if !ends_like_statement(&text) && !clause {
            continue;
        }
        let quality = quality(raw, s.list);
        f.claim = f.centrality * quality * length_factor(words, (6, 10, 40, 80));
        if has_claim_signal(&text) {
            f.claim *= 1.15;
        }
        f.summary = if s.list || clause {
            0.0
        } else {
            quality * length_factor(words, (6, 10, 40, 60))
        };
        if is_definition(&text) {
            // A definition explains a term, not what the document is.
            f.summary *= 0.4;
        }
    }
    // Summary: a strong lead bias (documents tend to say what they are first), tempered by
    // centrality relative to the most central sentence so that an off-topic opening loses.
    let top = features
        .iter()
        .filter(|f| f.summary > 0.0)
        .map(|f| f.centrality)
        .fold(0.0, f64::max)
        .max(f64::EPSILON);
    let mut rank = 0;
    for f in features.iter_mut().filter(|f| f.summary > 0.0) {
        let lead = 1.0 + 2.0 * 0.8f64.powi(rank);
        rank = (rank + 1).min(100);
        f.summary *= (f.centrality / top).sqrt() * lead;
    }
    features
}

fn normalised(text: &str) -> String {
    let mut out = String::new();
    for_each_token(text, |t, _| {
        out.push_str(t);
        out.push(' ');
    });
    out
}

fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// How [`pick`] chooses.
struct Pick<'a> {
    /// How many sentences at most.
    wanted: usize,
    /// A candidate whose term overlap (Jaccard) with a chosen sentence reaches this is skipped.
    max_overlap: f64,
    /// Each sentence already taken from a unit (section or paragraph) multiplies the scores of
    /// that unit's other sentences by this, which spreads the choice over the document.
    unit_decay: f64,
    /// Sentences not to choose.
    exclude: &'a [usize],
}

/// Greedy maximal-marginal-relevance choice of sentences by `key`. Candidates scoring below a
/// fraction of the best are never taken, however few were chosen: filler is worse than a short
/// list.
fn pick(
    features: &[Features],
    units: &[usize],
    key: impl Fn(&Features) -> f64,
    how: Pick<'_>,
) -> Vec<usize> {
    let candidates: Vec<usize> = (0..features.len())
        .filter(|i| key(&features[*i]) > 0.0 && !how.exclude.contains(i))
        .collect();
    let floor = candidates
        .iter()
        .map(|i| key(&features[*i]))
        .fold(0.0, f64::max)
        * 0.12;
    let mut chosen: Vec<usize> = Vec::new();
    let mut per_unit: HashMap<usize, i32> = HashMap::new();
    while chosen.len() < how.wanted {
        let next = candidates
            .iter()
            .filter(|i| !chosen.contains(i) && key(&features[**i]) >= floor)
            .filter(|i| {
                chosen
                    .iter()
                    .all(|c| jaccard(&features[**i].terms, &features[*c].terms) < how.max_overlap)
            })
            .map(|i| {
                let taken = per_unit.get(&units[*i]).copied().unwrap_or(0);
                (*i, key(&features[*i]) * how.unit_decay.powi(taken))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((i, _)) = next else {
            break;
        };
        chosen.push(i);
        *per_unit.entry(units[i]).or_default() += 1;
    }
    chosen.sort_unstable();
    chosen
}

/// Three summary sentences are fine when short; otherwise the weakest goes.
fn trim_summary(doc: &Document<'_>, features: &[Features], mut summary: Vec<usize>) -> Vec<usize> {
    let words = |i: &usize| {
        clean_inline(doc.sentence_text(&doc.sentences[*i]))
            .split_whitespace()
            .count()
    };
    let weakest = summary
        .iter()
        .copied()
        .min_by(|a, b| features[*a].summary.total_cmp(&features[*b].summary));
    if summary.len() == 3
        && summary.iter().map(words).sum::<usize>() > 75
        && let Some(weakest) = weakest
    {
        summary.retain(|i| *i != weakest);
    }
    summary
}
