//! The in-memory vector index: every passage vector of one model, kept in step with
//! `search_vectors` and scanned exactly (no approximate index: a personal wiki's passages fit
//! in memory, and an exact scan of them takes milliseconds).
//!
//! Before each search the index asks the database for `(count, max(seq))`; only when that
//! changed does it read the list of `(chunk_id, seq)` and load the vectors it lacks. Any
//! process can write vectors (the worker after a compile, the gateway after filing back), so
//! this check is what keeps every gateway current.

use std::collections::HashMap;

use tokio::sync::RwLock;

use crate::db::{self, Db, DbResult};
use crate::embed::vector;

/// Vectors of one model, by passage id.
#[derive(Debug)]
pub struct VectorIndex {
    model: String,
    cache: RwLock<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    fingerprint: Option<(i64, i64)>,
    entries: HashMap<i64, Entry>,
}

#[derive(Debug)]
struct Entry {
    seq: i64,
    vector: Vec<f32>,
}

impl VectorIndex {
    /// An empty index of `model`'s vectors (see `Embedder::model_id`); filled on first use.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            cache: RwLock::new(Cache::default()),
        }
    }

    /// The model whose vectors these are.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The `k` passages most similar to `query` (a unit vector), best first, with their
    /// cosine similarity, among the vectors loaded by the last [`VectorIndex::refresh`].
    pub async fn nearest(&self, query: &[f32], k: usize) -> Vec<(i64, f32)> {
        let cache = self.cache.read().await;
        let mut scored: Vec<(i64, f32)> = cache
            .entries
            .iter()
            .map(|(id, e)| (*id, vector::dot(query, &e.vector)))
            .collect();
        let by_similarity =
            |a: &(i64, f32), b: &(i64, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > k {
            scored.select_nth_unstable_by(k, by_similarity);
            scored.truncate(k);
        }
        scored.sort_by(by_similarity);
        scored
    }

    /// Brings the cache in step with the database; returns how many vectors it holds.
    pub async fn refresh(&self, db: &Db) -> DbResult<usize> {
        let now = db::vectors::fingerprint(db, &self.model).await?;
        if self.cache.read().await.fingerprint == Some(now) {
            return Ok(usize::try_from(now.0).unwrap_or(0));
        }
        let mut cache = self.cache.write().await;
        if cache.fingerprint == Some(now) {
            return Ok(cache.entries.len());
        }
        if cache.entries.is_empty() {
            for v in db::vectors::load(db, &self.model, None).await? {
                cache.entries.insert(
                    v.chunk_id,
                    Entry {
                        seq: v.seq,
                        vector: v.vector,
                    },
                );
            }
        } else {
            let markers = db::vectors::markers(db, &self.model).await?;
            let current: HashMap<i64, i64> = markers.iter().copied().collect();
            cache
                .entries
                .retain(|id, e| current.get(id) == Some(&e.seq));
            let missing: Vec<i64> = markers
                .iter()
                .filter(|(id, _)| !cache.entries.contains_key(id))
                .map(|(_, seq)| *seq)
                .collect();
            for seqs in missing.chunks(1000) {
                for v in db::vectors::load(db, &self.model, Some(seqs)).await? {
                    cache.entries.insert(
                        v.chunk_id,
                        Entry {
                            seq: v.seq,
                            vector: v.vector,
                        },
                    );
                }
            }
        }
        // Vectors written while loading are picked up by the next refresh: the fingerprint
        // recorded is the one read before loading.
        cache.fingerprint = Some(now);
        Ok(cache.entries.len())
    }
}
