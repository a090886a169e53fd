//! Finding a quote in a source: an index of the source's word tokens built once, then exact
//! token-sequence search, elided-quote search (`A … B`) and a bounded fuzzy alignment for typos.

use std::collections::HashMap;

use super::Span;
use super::tokens::{
    TokenSpan, char_distance, fold_punct, for_each_token, link_targets, tokens,
    without_link_targets,
};

/// Quotes shorter than this must match exactly (modulo case, whitespace and punctuation);
/// a typo in a five-word quote is indistinguishable from a different quote.
const FUZZY_MIN_TOKENS: usize = 6;
/// Longer "quotes" are not excerpts; they must match exactly (and the alignment is quadratic).
const FUZZY_MAX_TOKENS: usize = 150;
/// Minimum weighted token similarity for a fuzzy match.
const FUZZY_MIN_SIMILARITY: f64 = 0.9;
/// Rare quote tokens used to propose alignment positions.
const FUZZY_ANCHORS: usize = 6;
/// Positions of one anchor token considered at most; keeps common words from dominating.
const FUZZY_MAX_POSTINGS: usize = 4096;
/// Candidate alignments scored with the full dynamic programme.
const FUZZY_CANDIDATES: usize = 8;
/// The most source tokens an ellipsis in a quote may stand for.
const ELLIPSIS_MAX_GAP: usize = 80;
/// Later occurrences examined when looking for a character-exact one.
const MAX_VERBATIM_SEARCH: usize = 64;
/// Occurrences of an elided quote's first part tried as its start.
const ELLIPSIS_MAX_STARTS: usize = 256;
/// Cost of writing one word as two ("non exclusive" for "nonexclusive") or the reverse.
const SPLIT_COST: f64 = 0.1;

/// An index over one source text that locates quotes in it. Build it once per source and reuse
/// it for every claim: construction is linear in the source, each lookup is roughly linear in the
/// quote plus the occurrences of its rarest word.
#[derive(Debug)]
pub struct QuoteLocator<'s> {
    source: &'s str,
    spans: Vec<TokenSpan>,
    ids: Vec<u32>,
    words: Vec<String>,
    postings: Vec<Vec<u32>>,
    vocab: HashMap<String, u32>,
}

impl<'s> QuoteLocator<'s> {
    /// Indexes `source`.
    pub fn new(source: &'s str) -> Self {
        let mut locator = QuoteLocator {
            source,
            spans: Vec::with_capacity(source.len() / 6),
            ids: Vec::with_capacity(source.len() / 6),
            words: Vec::new(),
            postings: Vec::new(),
            vocab: HashMap::new(),
        };
        // Tokens inside link targets are skipped: a quote never includes a URL.
        let targets = link_targets(source);
        let mut next_target = 0;
        for_each_token(source, |word, span| {
            while targets
                .get(next_target)
                .is_some_and(|(_, end)| *end <= span.byte_start)
            {
                next_target += 1;
            }
            if targets
                .get(next_target)
                .is_some_and(|(start, _)| *start <= span.byte_start)
            {
                return;
            }
            let position = locator.ids.len() as u32;
            let id = match locator.vocab.get(word) {
                Some(id) => *id,
                None => {
                    let id = locator.words.len() as u32;
                    locator.vocab.insert(word.to_string(), id);
                    locator.words.push(word.to_string());
                    locator.postings.push(Vec::new());
                    id
                }
            };
            locator.ids.push(id);
            locator.spans.push(span);
            locator.postings[id as usize].push(position);
        });
        locator
    }

    /// The indexed source text.
    pub fn source(&self) -> &'s str {
        self.source
    }

    /// Locates `quote` in the source, tolerating differences in case, whitespace, punctuation,
    /// typographic quote marks and dashes, markdown emphasis and link targets (`[text](url)`
    /// matches `text`, and the other way round), diacritics, a leading or trailing
    /// ellipsis, an internal ellipsis standing for omitted words, and, for quotes of six words or
    /// more, small typos (≥ 90 % weighted token similarity). Returns the first matching region.
    pub fn locate(&self, quote: &str) -> Option<Span> {
        let quote = without_link_targets(quote);
        let quote = quote.as_ref();
        let words = tokens(quote);
        if words.is_empty() {
            return None;
        }
        let span = self
            .verbatim_occurrence(&words, quote)
            .or_else(|| self.elided(quote))
            .or_else(|| self.fuzzy(&words))?;
        Some(self.extend_with_punctuation(span, quote))
    }

    /// Locates `phrase` only as an exact token sequence (case, whitespace and punctuation still
    /// ignored), never fuzzily; for detecting mentions of titles.
    pub fn locate_exact(&self, phrase: &str) -> Option<Span> {
        let (first, last) = self.exact_tokens(&tokens(phrase), 0)?;
        Some(self.char_span(first, last))
    }

    fn char_span(&self, first: usize, last: usize) -> Span {
        Span {
            start: self.spans[first].char_start,
            end: self.spans[last].char_end,
        }
    }

    /// The first exact token match, or a later one whose original text is the quote character
    /// for character (whitespace aside), so that a quote repeated with different case or
    /// punctuation points at the passage it was copied from.
    fn verbatim_occurrence(&self, words: &[String], quote: &str) -> Option<(usize, usize)> {
        let first = self.exact_tokens(words, 0)?;
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let quote = collapse(quote);
        // The token span leaves out the quote's outer punctuation, so containment is the test.
        let is_verbatim = |(a, b): (usize, usize)| {
            quote.contains(&collapse(
                &self.source[self.spans[a].byte_start..self.spans[b].byte_end],
            ))
        };
        if is_verbatim(first) {
            return Some(first);
        }
        let mut at = first;
        for _ in 0..MAX_VERBATIM_SEARCH {
            match self.exact_tokens(words, at.0 + 1) {
                Some(next) if is_verbatim(next) => return Some(next),
                Some(next) => at = next,
                None => break,
            }
        }
        Some(first)
    }

    /// First occurrence at or after token `from` of `words` as consecutive source tokens, as
    /// (first token, last token).
    fn exact_tokens(&self, words: &[String], from: usize) -> Option<(usize, usize)> {
        self.exact_tokens_between(words, from, usize::MAX)
    }

    /// Like [`Self::exact_tokens`], but only occurrences starting at or before token `until`.
    fn exact_tokens_between(
        &self,
        words: &[String],
        from: usize,
        until: usize,
    ) -> Option<(usize, usize)> {
        let ids: Vec<u32> = words
            .iter()
            .map(|w| self.vocab.get(w).copied())
            .collect::<Option<_>>()?;
        let (offset, rarest) = ids
            .iter()
            .enumerate()
            .min_by_key(|(_, id)| self.postings[**id as usize].len())?;
        let positions = &self.postings[*rarest as usize];
        let begin = positions.partition_point(|p| (*p as usize) < from + offset);
        positions[begin..]
            .iter()
            .take_while(|p| (**p as usize) <= until.saturating_add(offset))
            .find_map(|p| {
                let start = (*p as usize).checked_sub(offset)?;
                let candidate = self.ids.get(start..start + ids.len())?;
                (candidate == ids.as_slice()).then(|| (start, start + ids.len() - 1))
            })
    }

    /// A quote whose parts are separated by an ellipsis: each part must occur exactly, in order,
    /// with at most [`ELLIPSIS_MAX_GAP`] tokens omitted between neighbours.
    fn elided(&self, quote: &str) -> Option<(usize, usize)> {
        let parts: Vec<Vec<String>> = quote
            .split(['…'])
            .flat_map(|p| p.split("..."))
            .map(tokens)
            .filter(|t| !t.is_empty())
            .collect();
        if parts.len() < 2 {
            return None;
        }
        let mut from = 0;
        // Each occurrence of the first part is a possible start (a bounded number of them);
        // later parts are searched greedily, each within the gap after the previous one.
        for _ in 0..ELLIPSIS_MAX_STARTS {
            let (first, mut last) = self.exact_tokens(&parts[0], from)?;
            let complete = parts[1..].iter().all(|part| {
                match self.exact_tokens_between(part, last + 1, last + 1 + ELLIPSIS_MAX_GAP) {
                    Some((_, end)) => {
                        last = end;
                        true
                    }
                    None => false,
                }
            });
            if complete {
                return Some((first, last));
            }
            from = first + 1;
        }
        None
    }

    /// Aligns a quote with typos against the few source regions its rarest words point to.
    fn fuzzy(&self, words: &[String]) -> Option<(usize, usize)> {
        if !(FUZZY_MIN_TOKENS..=FUZZY_MAX_TOKENS).contains(&words.len()) {
            return None;
        }
        let mut anchors: Vec<(usize, &Vec<u32>)> = words
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                self.vocab
                    .get(w)
                    .map(|id| (i, &self.postings[*id as usize]))
            })
            .collect();
        anchors.sort_by_key(|(i, postings)| (postings.len(), *i));
        anchors.truncate(FUZZY_ANCHORS);
        let mut votes: HashMap<isize, u32> = HashMap::new();
        for (offset, postings) in &anchors {
            for p in postings.iter().take(FUZZY_MAX_POSTINGS) {
                *votes.entry(*p as isize - *offset as isize).or_default() += 1;
            }
        }
        let mut ranked: Vec<(isize, u32)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut tried: Vec<isize> = Vec::new();
        let mut best: Option<(f64, usize, usize)> = None;
        for (start, _) in ranked {
            if tried.len() == FUZZY_CANDIDATES {
                break;
            }
            if tried.iter().any(|t| (t - start).abs() <= 2) {
                continue;
            }
            tried.push(start);
            if let Some((similarity, first, last)) = self.align(words, start)
                && best.is_none_or(|(s, f, _)| similarity > s || (similarity == s && first < f))
            {
                best = Some((similarity, first, last));
            }
        }
        best.filter(|(s, _, _)| *s >= FUZZY_MIN_SIMILARITY)
            .map(|(_, first, last)| (first, last))
    }

    /// Semi-global weighted edit distance of the quote against a window of the source around
    /// `start`; returns (similarity, first aligned token, last aligned token).
    fn align(&self, words: &[String], start: isize) -> Option<(f64, usize, usize)> {
        let n = words.len();
        let slack = 2 + n / 10;
        let lo = usize::try_from(start - slack as isize).unwrap_or(0);
        let hi = (start.max(0) as usize + n + slack).min(self.ids.len());
        if lo >= hi {
            return None;
        }
        let window: Vec<&str> = self.ids[lo..hi]
            .iter()
            .map(|id| self.words[*id as usize].as_str())
            .collect();
        let m = window.len();
        // cost[i][j]: quote[..i] aligned, ending just before window[j]. `from` records the move
        // for the traceback: 0 substitute, 1 skip quote word, 2 skip source word, 3/4 split/join.
        let mut cost = vec![vec![0.0f64; m + 1]; n + 1];
        let mut from = vec![vec![0u8; m + 1]; n + 1];
        for i in 1..=n {
            cost[i][0] = i as f64;
            from[i][0] = 1;
            for j in 1..=m {
                let mut best = (
                    cost[i - 1][j - 1] + substitution(&words[i - 1], window[j - 1]),
                    0,
                );
                let candidates = [
                    (cost[i - 1][j] + 1.0, 1),
                    (cost[i][j - 1] + 1.0, 2),
                    (
                        if j >= 2 && is_concat(&words[i - 1], window[j - 2], window[j - 1]) {
                            cost[i - 1][j - 2] + SPLIT_COST
                        } else {
                            f64::INFINITY
                        },
                        3,
                    ),
                    (
                        if i >= 2 && is_concat(window[j - 1], &words[i - 2], &words[i - 1]) {
                            cost[i - 2][j - 1] + SPLIT_COST
                        } else {
                            f64::INFINITY
                        },
                        4,
                    ),
                ];
                for c in candidates {
                    if c.0 < best.0 {
                        best = c;
                    }
                }
                cost[i][j] = best.0;
                from[i][j] = best.1;
            }
        }
        let (end, total) = (0..=m)
            .map(|j| (j, cost[n][j]))
            .fold(
                (0, f64::INFINITY),
                |acc, c| if c.1 < acc.1 { c } else { acc },
            );
        let (mut i, mut j) = (n, end);
        let (mut first, mut last) = (None, None);
        while i > 0 {
            let step = from[i][j];
            let consumed = match step {
                0 => 1,
                3 => 2,
                4 => 1,
                _ => 0,
            };
            if consumed > 0 {
                last.get_or_insert(j - 1);
                first = Some(j - consumed);
            }
            match step {
                0 => (i, j) = (i - 1, j - 1),
                1 => i -= 1,
                2 => j -= 1,
                3 => (i, j) = (i - 1, j - 2),
                _ => (i, j) = (i - 2, j - 1),
            }
        }
        Some((1.0 - total / n as f64, lo + first?, lo + last?))
    }

    /// Widens a token span over the quote's own leading and trailing punctuation when the source
    /// has the same marks there, so that `"Work"` spans the quotation marks too.
    fn extend_with_punctuation(&self, (first, last): (usize, usize), quote: &str) -> Span {
        let mut span = self.char_span(first, last);
        let quote = quote.trim();
        let lead: Vec<char> = quote.chars().take_while(|c| !c.is_alphanumeric()).collect();
        let trail: Vec<char> = quote
            .chars()
            .rev()
            .take_while(|c| !c.is_alphanumeric())
            .collect();
        let before = self.source[..self.spans[first].byte_start].chars().rev();
        span.start -= matched_marks(lead.iter().rev(), before);
        let after = self.source[self.spans[last].byte_end..].chars();
        span.end += matched_marks(trail.iter().rev(), after);
        span
    }
}

/// How many chars of `source` (walking away from the matched words) match `marks` (walking the
/// same way), up to the last matching mark; a whitespace run matches any whitespace run.
fn matched_marks<'m>(
    marks: impl Iterator<Item = &'m char>,
    source: impl Iterator<Item = char>,
) -> usize {
    let mut marks = marks.peekable();
    let mut source = source.peekable();
    let (mut consumed, mut matched) = (0, 0);
    while let Some(mark) = marks.next() {
        if mark.is_whitespace() {
            while marks.next_if(|m| m.is_whitespace()).is_some() {}
            let mut any = false;
            while source.next_if(|c| c.is_whitespace()).is_some() {
                consumed += 1;
                any = true;
            }
            if !any {
                break;
            }
        } else {
            match source.next() {
                Some(c) if fold_punct(c) == fold_punct(*mark) => {
                    consumed += 1;
                    matched = consumed;
                }
                _ => break,
            }
        }
    }
    matched
}

/// Cost of aligning quote word `a` with source word `b`: 0 if equal, a fraction for a typo in a
/// longer word, 1 for a different word.
fn substitution(a: &str, b: &str) -> f64 {
    if a == b {
        return 0.0;
    }
    let longest = a.chars().count().max(b.chars().count());
    if longest < 4 {
        return 1.0;
    }
    let distance = char_distance(a, b);
    // More than a third of the letters changed is a different word, not a typo.
    if distance * 3 > longest {
        1.0
    } else {
        distance as f64 / longest as f64
    }
}

fn is_concat(whole: &str, a: &str, b: &str) -> bool {
    whole.len() == a.len() + b.len() && whole.starts_with(a) && whole.ends_with(b)
}
