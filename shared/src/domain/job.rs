//! Jobs: the user-visible history of background work.

use super::{ArticleId, JobId, SourceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What a job does.
    pub enum JobKind {
        /// Fetch (for URLs), extract and compile a new source.
        IngestSource => "ingest_source",
        /// Compile an already-extracted source again.
        CompileSource => "compile_source",
        /// Fetch a URL source again (its content changed upstream) and compile it.
        RefreshSource => "refresh_source",
        /// Compile with the offline compiler only, spending nothing (a person's choice while
        /// the budget is spent).
        CompileOffline => "compile_offline",
        /// Compile with the model although the estimate is above the per-source limit (a
        /// person gave the go-ahead).
        CompileApproved => "compile_approved",
    }
}

crate::text_enum! {
    /// Where a job is.
    pub enum JobStatus {
        Queued => "queued",
        Running => "running",
        /// Waiting for the monthly budget (enforced and spent); queued again when it allows.
        PausedBudget => "paused_budget",
        /// Its estimated cost is above the per-source limit; waits for a person's go-ahead.
        AwaitingApproval => "awaiting_approval",
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub status: JobStatus,
    pub source_id: Option<SourceId>,
    pub article_id: Option<ArticleId>,
    pub attempts: i32,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub message: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}
