//! Choosing the passages an answer is built from: the best hits (full-text, or hybrid when an
//! embedding provider is configured) that cover enough of the question's words or are close
//! enough to it in meaning, a few per article so that one long article cannot fill the context.

use super::relevance::Terms;
use crate::db::DbResult;
use crate::db::search::PassageHit;
use crate::search::{QueryTerms, Ranking, Searcher};

/// Passages given to the answerer.
pub const MAX_PASSAGES: usize = 6;
/// Passages taken from any one article.
const PER_ARTICLE: usize = 2;
/// Hits read from the index before choosing.
const CANDIDATES: i64 = 60;

/// The passages retrieved for a question, numbered from 1 in this order.
#[derive(Debug, Clone)]
pub struct Retrieved {
    pub terms: QueryTerms,
    pub passages: Vec<PassageHit>,
    pub ranking: Ranking,
}

/// Picks up to [`MAX_PASSAGES`] relevant hits, best first.
fn choose(
    terms: &QueryTerms,
    hits: Vec<PassageHit>,
    min_similarity: Option<f32>,
) -> Vec<PassageHit> {
    let prepared = Terms::new(terms);
    let needed = prepared.needed();
    let mut chosen: Vec<PassageHit> = Vec::new();
    for hit in hits {
        if chosen.len() == MAX_PASSAGES {
            break;
        }
        let from_article = chosen
            .iter()
            .filter(|c| c.article_id == hit.article_id)
            .count();
        if from_article >= PER_ARTICLE {
            continue;
        }
        let text = format!("{} {} {}", hit.title, hit.heading, hit.content);
        let close_in_meaning = matches!((hit.similarity, min_similarity),
            (Some(s), Some(min)) if s >= min);
        if close_in_meaning || prepared.coverage(&text) >= needed {
            chosen.push(hit);
        }
    }
    chosen
}

/// Retrieves the passages for `question`; empty when nothing in the wiki is relevant.
pub async fn retrieve(search: &Searcher, question: &str) -> DbResult<Retrieved> {
    let terms = QueryTerms::parse(question);
    let ranked = search.passages(question, &terms, CANDIDATES).await?;
    let passages = choose(&terms, ranked.hits, ranked.min_similarity);
    Ok(Retrieved {
        terms,
        passages,
        ranking: ranked.ranking,
    })
}
