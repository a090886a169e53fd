//! The indexing pass: gives every passage in the search index a vector from the configured
//! model. Run after each compile, after filing an answer back, and when a worker starts (which
//! also re-embeds the wiki after the model is changed). Passages are read in batches, so a
//! pass over a large wiki holds little in memory, and a pass stops at the monthly budget.

use std::sync::atomic::Ordering;

use super::{Embedder, Purpose};
use crate::config::BudgetSettings;
use crate::db::{self, Db, DbError};
use crate::domain::JobId;
use crate::llm::LlmError;

/// Passages embedded per request.
const BATCH: i64 = 32;

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Passages given a vector.
    pub embedded: usize,
    /// True when the pass stopped because this month's budget is spent.
    pub over_budget: bool,
}

/// Why a pass stopped early.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("embedding failed: {0}")]
    Llm(#[from] LlmError),
}

/// Embeds every passage that has no vector for the embedder's model.
///
/// Only one pass runs at a time per embedder. A call made while a pass runs does not wait for
/// it (a compile must not sit behind a worker's start-up backlog): it asks the running pass to
/// go round once more when it reaches the end, and returns at once with nothing embedded.
#[tracing::instrument(skip_all, fields(model = %embedder.model_id()), err)]
pub async fn index_pending(
    db: &Db,
    embedder: &Embedder,
    budget: &BudgetSettings,
    job_id: Option<JobId>,
) -> Result<IndexReport, IndexError> {
    embedder.asked_again.store(true, Ordering::SeqCst);
    let mut report = IndexReport::default();
    loop {
        let Ok(one_pass) = embedder.indexing.try_lock() else {
            return Ok(report);
        };
        while embedder.asked_again.swap(false, Ordering::SeqCst) {
            let pass = one_pass_over(db, embedder, budget, job_id).await?;
            report.embedded += pass.embedded;
            if pass.over_budget {
                report.over_budget = true;
                return Ok(report);
            }
        }
        drop(one_pass);
        // A request made between the last check and the release would otherwise be lost.
        if !embedder.asked_again.load(Ordering::SeqCst) {
            return Ok(report);
        }
    }
}

/// One walk over the passages in id order, embedding those without a vector.
async fn one_pass_over(
    db: &Db,
    embedder: &Embedder,
    budget: &BudgetSettings,
    job_id: Option<JobId>,
) -> Result<IndexReport, IndexError> {
    let model = embedder.model_id();
    let mut report = IndexReport::default();
    // Passages written behind the cursor during the pass (an id reused after a delete) wait
    // for the next pass.
    let mut after = 0;
    loop {
        if crate::budget::limit_reached(db, budget).await? {
            report.over_budget = true;
            tracing::warn!("the monthly budget is spent; passages are left without embeddings");
            break;
        }
        let batch = db::vectors::pending(db, &model, after, BATCH).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        let texts: Vec<String> = batch
            .iter()
            .map(db::vectors::PendingPassage::text)
            .collect();
        let vectors = embedder.embed(&texts, Purpose::Document, job_id).await?;
        let pairs: Vec<(&db::vectors::PendingPassage, &[f32])> = batch
            .iter()
            .zip(&vectors)
            .map(|(p, v)| (p, v.as_slice()))
            .collect();
        report.embedded += db::vectors::store(db, &model, &pairs).await?;
    }
    if report.embedded > 0 {
        tracing::info!(embedded = report.embedded, "passages embedded");
    }
    Ok(report)
}
