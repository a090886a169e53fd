//! Reporting a job's progress: the source's stage and the job row in the database, and the
//! matching live events on the bus.

use shared::db;
use shared::domain::{Job, JobId, SourceId, SourceStatus};
use shared::events::{Event, EventKind};

use crate::context::WorkerContext;

/// Progress reporter for one job on one source.
#[derive(Debug, Clone)]
pub struct Progress {
    ctx: WorkerContext,
    job_id: JobId,
    source_id: SourceId,
}

impl Progress {
    /// A reporter for a job.
    pub fn new(ctx: &WorkerContext, job_id: JobId, source_id: SourceId) -> Self {
        Self {
            ctx: ctx.clone(),
            job_id,
            source_id,
        }
    }

    /// The job being reported on.
    pub fn job_id(&self) -> JobId {
        self.job_id
    }

    /// Moves the source to a stage. Reporting failures are logged, never fatal: progress is
    /// advisory and the final state is written separately.
    pub async fn stage(&self, stage: SourceStatus, message: &str) {
        let fraction = match stage {
            SourceStatus::Pending | SourceStatus::PausedBudget | SourceStatus::AwaitingApproval => {
                0.0
            }
            SourceStatus::Fetching => 0.1,
            SourceStatus::Extracting => 0.3,
            SourceStatus::Compiling => 0.5,
            SourceStatus::Compiled | SourceStatus::Failed => 1.0,
        };
        if let Err(e) = db::sources::set_status(&self.ctx.db, self.source_id, stage).await {
            tracing::warn!(error = %e, "could not record the source stage");
        }
        self.announce(stage, message).await;
        self.message(fraction, message).await;
    }

    /// Says that the source reached `stage` (already written): its progress event, then its
    /// row.
    pub async fn announce(&self, stage: SourceStatus, message: &str) {
        self.publish(EventKind::SourceProgress {
            source_id: self.source_id,
            stage,
            message: message.to_owned(),
        })
        .await;
        self.source_updated().await;
    }

    /// Records progress within a stage.
    pub async fn message(&self, fraction: f64, message: &str) {
        match db::jobs::set_progress(&self.ctx.db, self.job_id, fraction, message).await {
            Ok(job) => self.job_updated(job).await,
            Err(e) => tracing::warn!(error = %e, "could not record job progress"),
        }
    }

    /// Publishes the current source row.
    pub async fn source_updated(&self) {
        if let Ok(source) = db::sources::get(&self.ctx.db, self.source_id).await {
            self.publish(EventKind::SourceUpdated {
                source: Box::new(source),
            })
            .await;
        }
    }

    /// Publishes a job row.
    pub async fn job_updated(&self, job: Job) {
        self.publish(EventKind::JobUpdated { job: Box::new(job) })
            .await;
    }

    /// Publishes a stage event without touching the database (e.g. `linking`).
    pub async fn publish(&self, kind: EventKind) {
        self.ctx.bus.publish(Event::new(kind)).await;
    }
}
