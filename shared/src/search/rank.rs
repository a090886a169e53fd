//! From ranked passages to ranked articles: each article is placed by its best passage, and
//! keeps that passage to show why it matched.

use std::collections::HashMap;

use crate::domain::ArticleId;

use crate::db::search::PassageHit;

/// An article found by a search, with the passage that placed it.
#[derive(Debug, Clone)]
pub struct ArticleHit {
    pub best: PassageHit,
    /// How many of the retrieved passages belong to this article.
    pub matching_passages: usize,
    /// The best passage around its hits, hits marked, or its opening words when it matched by
    /// meaning alone; empty until [`super::Searcher::articles`] makes it.
    pub snippet: String,
}

impl ArticleHit {
    pub fn article_id(&self) -> ArticleId {
        self.best.article_id
    }
}

/// Groups passages (best first) by article, in the order of each article's best passage,
/// keeping at most `limit` articles.
pub fn articles_from_passages(hits: &[PassageHit], limit: usize) -> Vec<ArticleHit> {
    let mut order: Vec<ArticleHit> = Vec::new();
    let mut index: HashMap<ArticleId, usize> = HashMap::new();
    for hit in hits {
        match index.get(&hit.article_id) {
            Some(&i) => order[i].matching_passages += 1,
            None => {
                index.insert(hit.article_id, order.len());
                order.push(ArticleHit {
                    best: hit.clone(),
                    matching_passages: 1,
                    snippet: String::new(),
                });
            }
        }
    }
    order.truncate(limit);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::PassageKind;

    fn hit(article: u128, score: f64) -> PassageHit {
        let mut h =
            PassageHit::sample(0, article, &format!("A{article}"), PassageKind::Section, "");
        h.score = score;
        h
    }

    #[test]
    fn articles_take_the_place_of_their_best_passage() {
        let hits = [
            hit(1, 9.0),
            hit(2, 8.0),
            hit(1, 7.0),
            hit(3, 6.0),
            hit(2, 5.0),
        ];
        let got = articles_from_passages(&hits, 10);
        let ids: Vec<_> = got
            .iter()
            .map(|a| a.article_id().as_uuid().as_u128())
            .collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(got[0].best.score, 9.0);
        assert_eq!(got[0].matching_passages, 2);
        assert_eq!(articles_from_passages(&hits, 2).len(), 2);
    }
}
