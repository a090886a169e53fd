//! A person's words → the terms of a full-text query.
//!
//! Questions are natural language ("how do I pop the smallest item from a heap?"), so the
//! query matches *any* content word and lets the ranking prefer passages that match more of
//! them, and rarer ones. Words held by a large share of the passages choose no
//! candidates while rarer words do ([`QueryTerms::candidate_sets`]). Only letters and digits
//! reach the database, so nothing a person types can be read as query syntax.

/// Words that carry no topic: question words, pronouns, auxiliaries and prepositions.
pub const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by", "can",
    "could", "describe", "did", "do", "does", "doing", "explain", "for", "from", "had", "has",
    "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "me", "mean", "means", "might", "must", "my", "no", "not", "of", "off", "on", "onto", "or",
    "our", "out", "over", "please", "she", "should", "so", "some", "tell", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we",
    "were", "what", "when", "where", "which", "who", "whom", "whose", "why", "will", "with",
    "would", "you", "your",
];

/// At most this many terms are sent; a pasted paragraph should not become a thousand-way OR.
const MAX_TERMS: usize = 24;

/// The content words of a query, lower-cased, in first-seen order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerms {
    terms: Vec<String>,
}

impl QueryTerms {
    /// Splits on anything that is not a letter or digit and drops stopwords. A query made only
    /// of stopwords keeps them, so "what is it" still searches for something.
    pub fn parse(query: &str) -> Self {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let content: Vec<&String> = words
            .iter()
            .filter(|w| !STOPWORDS.contains(&w.as_str()))
            .collect();
        let chosen = if content.is_empty() {
            words.iter().collect()
        } else {
            content
        };
        let mut terms: Vec<String> = Vec::new();
        for w in chosen {
            if !terms.contains(w) {
                terms.push(w.clone());
            }
            if terms.len() == MAX_TERMS {
                break;
            }
        }
        Self { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// An FTS5 `MATCH` expression: each term quoted (so `AND`, `NEAR` or `-` are just words),
    /// joined with `OR`.
    pub fn fts5_match(&self) -> String {
        fts5(&self.terms, " OR ")
    }

    /// A `websearch_to_tsquery` input matching any term.
    pub fn websearch(&self) -> String {
        self.terms.join(" or ")
    }

    /// The sets of passages to rank, in order, until enough are found, given how many
    /// passages hold each term (`holding[i]` for `terms()[i]`, counted or estimated up to
    /// `common_at`).
    ///
    /// First the passages holding any *selective* term, one held by fewer than `common_at`
    /// passages. A common word adds little to a passage's rank (its weight falls with the
    /// number of passages holding it), but scoring every passage that holds it is what makes
    /// a search slow on a large wiki, so common words choose no candidates there. When every
    /// word is common, the passages holding all of them come first. Then, if that is not
    /// enough, the passages holding any word. A word no passage holds plays no part.
    pub fn candidate_sets(&self, holding: &[i64], common_at: i64) -> Vec<Candidates> {
        let held: Vec<(&String, i64)> = self
            .terms
            .iter()
            .zip(holding.iter().copied())
            .filter(|&(_, n)| n > 0)
            .collect();
        let pick = |keep: &dyn Fn(i64) -> bool| -> Vec<String> {
            held.iter()
                .filter(|&&(_, n)| keep(n))
                .map(|(t, _)| (*t).clone())
                .collect()
        };
        let selective = pick(&|n| n < common_at);
        let present = pick(&|_| true);
        let mut sets = Vec::new();
        if selective.len() == present.len() {
            if !present.is_empty() {
                sets.push(Candidates::any(present, true));
            }
            return sets;
        }
        if selective.is_empty() {
            if present.len() > 1 {
                sets.push(Candidates {
                    terms: present.clone(),
                    all: true,
                    selective: false,
                });
            }
        } else {
            sets.push(Candidates::any(selective, true));
        }
        sets.push(Candidates::any(present, false));
        sets
    }
}

/// The terms a passage must hold to be ranked: any of them, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    terms: Vec<String>,
    all: bool,
    /// Every term is selective (held by fewer passages than make a term common).
    selective: bool,
}

impl Candidates {
    fn any(terms: Vec<String>, selective: bool) -> Self {
        Self {
            terms,
            all: false,
            selective,
        }
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Whether a passage must hold every term (else any).
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Whether the terms were chosen for being rarer than common.
    pub fn is_selective(&self) -> bool {
        self.selective
    }

    /// The FTS5 `MATCH` expression.
    pub fn fts5_match(&self) -> String {
        fts5(&self.terms, if self.all { " AND " } else { " OR " })
    }

    /// `websearch_to_tsquery` inputs, each choosing its own share of the candidates: one per
    /// term when any selective term will do, so that when candidates are limited a rare
    /// term's passages are not crowded out by a commoner one's (each is found through the
    /// index, cheap for selective terms). Otherwise one query, of every term: common terms
    /// hold so many passages that any of them will do, and the first found are the cheapest.
    pub fn websearch_parts(&self) -> Vec<String> {
        if self.all {
            vec![self.terms.join(" ")]
        } else if self.selective {
            self.terms.clone()
        } else {
            vec![self.terms.join(" or ")]
        }
    }
}

/// Terms quoted for FTS5 and joined by `op`.
fn fts5(terms: &[String], op: &str) -> String {
    terms
        .iter()
        .map(|t| fts5_term(t))
        .collect::<Vec<_>>()
        .join(op)
}

/// One term alone as an FTS5 `MATCH` expression, to count the passages holding it.
pub fn fts5_term(term: &str) -> String {
    format!("\"{term}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_keep_their_content_words() {
        let q = QueryTerms::parse("How do I pop the smallest item from a heap?");
        assert_eq!(q.terms(), ["pop", "smallest", "item", "heap"]);
        assert_eq!(
            q.fts5_match(),
            "\"pop\" OR \"smallest\" OR \"item\" OR \"heap\""
        );
        assert_eq!(q.websearch(), "pop or smallest or item or heap");
    }

    #[test]
    fn query_syntax_is_only_words() {
        let q = QueryTerms::parse("heap\" OR NEAR(x) -queue* col:umn");
        assert_eq!(q.terms(), ["heap", "near", "x", "queue", "col", "umn"]);
        assert!(!q.fts5_match().contains('*'));
    }

    #[test]
    fn a_query_of_only_stopwords_still_searches() {
        assert_eq!(
            QueryTerms::parse("What is it?").terms(),
            ["what", "is", "it"]
        );
        assert!(QueryTerms::parse("  ?! ").is_empty());
    }

    #[test]
    fn repeats_collapse_and_long_input_is_capped() {
        assert_eq!(QueryTerms::parse("Heap heap HEAP").terms(), ["heap"]);
        let long: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(QueryTerms::parse(&long).terms().len(), MAX_TERMS);
    }

    #[test]
    fn common_words_choose_candidates_only_when_rarer_ones_are_not_enough() {
        let q = QueryTerms::parse("python heap invariant");
        let exprs = |holding: &[i64]| -> Vec<String> {
            q.candidate_sets(holding, 2_000)
                .iter()
                .map(Candidates::fts5_match)
                .collect()
        };
        // Rarer words choose; every word fills up.
        assert_eq!(
            exprs(&[5_000, 40, 2_000]),
            ["\"heap\"", "\"python\" OR \"heap\" OR \"invariant\""]
        );
        // Every word common: those holding all, then any.
        assert_eq!(
            exprs(&[5_000, 4_000, 2_000]),
            [
                "\"python\" AND \"heap\" AND \"invariant\"",
                "\"python\" OR \"heap\" OR \"invariant\"",
            ]
        );
        let sets = q.candidate_sets(&[5_000, 4_000, 2_000], 2_000);
        assert_eq!(sets[0].websearch_parts(), ["python heap invariant"]);
        assert_eq!(sets[1].websearch_parts(), ["python or heap or invariant"]);
        // Rarer words choose their candidates each apart.
        let sets = q.candidate_sets(&[5_000, 40, 20], 2_000);
        assert_eq!(sets[0].websearch_parts(), ["heap", "invariant"]);
        // Every word rare: the query itself, once.
        assert_eq!(exprs(&[1, 2, 3]), [q.fts5_match()]);
        assert_eq!(
            q.candidate_sets(&[1, 2, 3], 2_000)[0].websearch_parts(),
            q.terms()
        );
        // A word no passage holds plays no part, even among common ones.
        assert_eq!(exprs(&[0, 40, 7]), ["\"heap\" OR \"invariant\""]);
        assert_eq!(
            exprs(&[0, 4_000, 3_000]),
            ["\"heap\" AND \"invariant\"", "\"heap\" OR \"invariant\""]
        );
        assert!(exprs(&[0, 0, 0]).is_empty());
        // One common word alone: the passages holding it.
        let one = QueryTerms::parse("python");
        assert_eq!(one.candidate_sets(&[5_000], 2_000).len(), 1);
    }

    #[test]
    fn non_ascii_words_are_terms() {
        assert_eq!(
            QueryTerms::parse("Größe über café").terms(),
            ["größe", "über", "café"]
        );
    }
}
