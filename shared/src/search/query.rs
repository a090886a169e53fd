//! A person's words → the terms of a full-text query.
//!
//! Questions are natural language ("how do I pop the smallest item from a heap?"), so the
//! query matches *any* content word and lets the ranking (bm25, `ts_rank_cd`) prefer passages
//! that match more and rarer ones. Only letters and digits reach the database, so nothing a
//! person types can be read as query syntax.

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
        self.terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// A `websearch_to_tsquery` input matching any term.
    pub fn websearch(&self) -> String {
        self.terms.join(" or ")
    }
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
    fn non_ascii_words_are_terms() {
        assert_eq!(
            QueryTerms::parse("Größe über café").terms(),
            ["größe", "über", "café"]
        );
    }
}
