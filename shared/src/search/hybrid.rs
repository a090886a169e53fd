//! Hybrid ranking: the full-text hits and, when an embedding provider is configured, the
//! passages nearest to the question's embedding, fused by reciprocal rank (each list adds
//! `1 / (60 + rank)` to a passage's score; the standard constant, which keeps one list's
//! top hit from drowning the other's).
//!
//! The vector side never makes a search fail: if the question cannot be embedded (provider
//! down, budget spent), the full-text ranking is returned and says so.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{ArticleHit, QueryTerms, articles_from_passages};
use crate::config::BudgetSettings;
use crate::db::search::PassageHit;
use crate::db::{self, Db, DbResult};
use crate::embed::Embedder;
use crate::llm::live::LiveLlm;

/// The reciprocal-rank-fusion constant.
const RRF_K: f64 = 60.0;

/// How a result list was ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// Full-text only: no embedding provider, or the question could not be embedded.
    FullText,
    /// Full-text and vector results fused.
    Hybrid,
}

/// Ranked passages and how they were ranked.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub hits: Vec<PassageHit>,
    pub ranking: Ranking,
    /// The similarity above which a passage found by meaning counts as relevant, for the
    /// embedder that ranked these; `None` for full-text ranking.
    pub min_similarity: Option<f32>,
}

impl Ranked {
    fn full_text(hits: Vec<PassageHit>) -> Self {
        Self {
            hits,
            ranking: Ranking::FullText,
            min_similarity: None,
        }
    }
}

/// Searches the wiki's passages (cheap to clone). Hybrid while an embedding provider is in
/// force (it may be chosen or changed on the Settings screen at any time).
#[derive(Clone)]
pub struct Searcher {
    db: Db,
    llm: Arc<LiveLlm>,
    budget: BudgetSettings,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher")
            .field("embedder", &self.llm.embedder())
            .finish_non_exhaustive()
    }
}

impl Searcher {
    /// Searches with the embedder `llm` holds, if any; `budget` stops question embeddings
    /// once spent.
    pub fn new(db: Db, llm: Arc<LiveLlm>, budget: BudgetSettings) -> Self {
        Self { db, llm, budget }
    }

    /// Up to `limit` articles for `question` (whose content words are `terms`), each placed by
    /// its best passage among the first `passages` and shown by a snippet of it. Snippets are
    /// made here, for the articles returned only: making one re-reads its passage.
    pub async fn articles(
        &self,
        question: &str,
        terms: &QueryTerms,
        limit: usize,
        passages: i64,
    ) -> DbResult<(Vec<ArticleHit>, Ranking)> {
        let ranked = self.passages(question, terms, passages).await?;
        let mut articles = articles_from_passages(&ranked.hits, limit);
        let ids: Vec<i64> = articles
            .iter()
            .filter(|a| a.best.full_text)
            .map(|a| a.best.chunk_id)
            .collect();
        let mut marked = db::search::snippets(&self.db, terms, &ids).await?;
        let words = db::search::SNIPPET_TOKENS as usize;
        for a in &mut articles {
            a.snippet = marked
                .remove(&a.best.chunk_id)
                .unwrap_or_else(|| opening_words(&a.best.content, words));
        }
        Ok((articles, ranked.ranking))
    }

    /// Up to `limit` passages for `question` (whose content words are `terms`), best first.
    pub async fn passages(
        &self,
        question: &str,
        terms: &QueryTerms,
        limit: i64,
    ) -> DbResult<Ranked> {
        let full_text = db::search::passages(&self.db, terms, limit).await?;
        // An embedding provider chosen in another process reaches this one here.
        self.llm.refresh_soon().await;
        let Some(embedder) = self.llm.embedder() else {
            return Ok(Ranked::full_text(full_text));
        };
        let nearest = match self.nearest(&embedder, question, limit).await {
            Ok(Some(nearest)) => nearest,
            Ok(None) => return Ok(Ranked::full_text(full_text)),
            Err(e) => {
                tracing::warn!(error = %e, "question not embedded; ranking by full text only");
                return Ok(Ranked::full_text(full_text));
            }
        };
        let ids: Vec<i64> = nearest.iter().map(|(id, _)| *id).collect();
        let mut by_id: HashMap<i64, PassageHit> = db::search::passages_by_ids(&self.db, &ids)
            .await?
            .into_iter()
            .map(|h| (h.chunk_id, h))
            .collect();
        let semantic_hits: Vec<PassageHit> = nearest
            .iter()
            .filter_map(|(id, similarity)| {
                by_id.remove(id).map(|mut h| {
                    h.similarity = Some(*similarity);
                    h
                })
            })
            .collect();
        let mut hits = fuse(full_text, semantic_hits);
        hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(Ranked {
            hits,
            ranking: Ranking::Hybrid,
            min_similarity: Some(embedder.min_similarity()),
        })
    }

    /// The nearest passages, or `None` when the budget is spent or nothing is embedded yet.
    async fn nearest(
        &self,
        embedder: &Arc<Embedder>,
        question: &str,
        limit: i64,
    ) -> Result<Option<Vec<(i64, f32)>>, Box<dyn std::error::Error + Send + Sync>> {
        if crate::budget::limit_reached(&self.db, &self.budget).await? {
            return Ok(None);
        }
        let model = embedder.model_id();
        // Nothing embedded yet (just configured, or the provider has been down): the question
        // is not sent to be embedded for nothing.
        if !db::vectors::any(&self.db, &model).await? {
            return Ok(None);
        }
        let query = embedder.embed_query(question).await?;
        let k = usize::try_from(limit).unwrap_or(1);
        Ok(Some(
            db::vectors::nearest(&self.db, &model, &query, k).await?,
        ))
    }
}

/// Fuses two rankings of passages (each best first) by reciprocal rank. A passage in both
/// stays a full-text hit (its snippet will mark its hits) and gains its similarity.
fn fuse(full_text: Vec<PassageHit>, semantic: Vec<PassageHit>) -> Vec<PassageHit> {
    let mut fused: Vec<PassageHit> = Vec::with_capacity(full_text.len() + semantic.len());
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (rank, mut hit) in full_text.into_iter().enumerate() {
        hit.score = 1.0 / (RRF_K + rank as f64 + 1.0);
        index.insert(hit.chunk_id, fused.len());
        fused.push(hit);
    }
    for (rank, mut hit) in semantic.into_iter().enumerate() {
        let add = 1.0 / (RRF_K + rank as f64 + 1.0);
        match index.get(&hit.chunk_id) {
            Some(&i) => {
                fused[i].score += add;
                fused[i].similarity = hit.similarity;
            }
            None => {
                hit.score = add;
                index.insert(hit.chunk_id, fused.len());
                fused.push(hit);
            }
        }
    }
    // Stable: among equal scores the full-text order stands.
    fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    fused
}

/// The first `words` words of `text`, with an ellipsis when cut.
pub fn opening_words(text: &str, words: usize) -> String {
    let mut out: Vec<&str> = text.split_whitespace().take(words + 1).collect();
    if out.len() > words {
        out.truncate(words);
        format!("{} …", out.join(" "))
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::PassageKind;

    fn hit(chunk: i64, similarity: Option<f32>) -> PassageHit {
        let mut h = PassageHit::sample(chunk, chunk as u128, "", PassageKind::Section, "");
        h.full_text = similarity.is_none();
        h.similarity = similarity;
        h
    }

    #[test]
    fn a_passage_in_both_lists_outranks_one_in_either() {
        let full_text = vec![hit(1, None), hit(2, None), hit(3, None)];
        let semantic = vec![hit(4, Some(0.9)), hit(2, Some(0.8))];
        let fused = fuse(full_text, semantic);
        let order: Vec<i64> = fused.iter().map(|h| h.chunk_id).collect();
        assert_eq!(order, [2, 1, 4, 3]);
        assert!(fused[0].full_text && fused[0].similarity == Some(0.8));
        assert!(!fused[2].full_text);
    }

    #[test]
    fn equal_scores_keep_the_full_text_order() {
        let fused = fuse(vec![hit(1, None)], vec![hit(2, Some(0.5))]);
        assert_eq!(fused[0].chunk_id, 1);
    }

    #[test]
    fn opening_words_cut_long_text() {
        assert_eq!(opening_words("a b  c", 5), "a b c");
        assert_eq!(opening_words("a b c d", 2), "a b …");
    }
}
