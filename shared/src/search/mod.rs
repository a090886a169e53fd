//! Full-text search over the wiki: cutting articles into passages, turning a question into a
//! query both dialects understand, and reading highlighted snippets back.
//!
//! Ranking is hybrid when an embedding provider is configured (`hybrid`; the vectors are searched in the database, `db::vectors`).
//!
//! The index itself (SQLite FTS5, PostgreSQL `tsvector`) lives in `db::search`; this module is
//! the pure logic on either side of it.

mod hybrid;
mod passages;
mod query;
mod rank;
mod snippet;

pub use hybrid::{Ranked, Ranking, Searcher, opening_words};
pub use passages::{Passage, PassageInput, PassageKind, passages};
pub use query::{Candidates, QueryTerms, STOPWORDS, fts5_term};
pub use rank::{ArticleHit, articles_from_passages};
pub use snippet::{HIT_END, HIT_START, Segment, segments, strip_markers};
