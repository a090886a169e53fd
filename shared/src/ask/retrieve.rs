//! Choosing the passages an answer is built from: the best full-text hits that cover enough
//! of the question, a few per article so that one long article cannot fill the context.

use super::relevance::Terms;
use crate::db::search::PassageHit;
use crate::db::{self, Db, DbResult};
use crate::search::QueryTerms;

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
}

/// Picks up to [`MAX_PASSAGES`] relevant hits, best first.
fn choose(terms: &QueryTerms, hits: Vec<PassageHit>) -> Vec<PassageHit> {
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
        if prepared.coverage(&text) >= needed {
            chosen.push(hit);
        }
    }
    chosen
}

/// Retrieves the passages for `question`; empty when nothing in the wiki is relevant.
pub async fn retrieve(db: &Db, question: &str) -> DbResult<Retrieved> {
    let terms = QueryTerms::parse(question);
    let hits = db::search::passages(db, &terms, CANDIDATES).await?;
    let passages = choose(&terms, hits);
    Ok(Retrieved { terms, passages })
}
