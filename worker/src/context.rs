//! What every job handler needs: the database, the data directory, the event bus, the LLM
//! router, the embedding provider, the fetcher, the settings and the wiki's writer.

use std::sync::Arc;

use shared::config::Settings;
use shared::db::Db;
use shared::events::SharedBus;
use shared::llm::Router;
use shared::storage::Storage;

use crate::pipeline::fetch::Fetcher;

/// Shared state of a worker process (cheap to clone).
#[derive(Clone)]
pub struct WorkerContext {
    pub db: Db,
    pub storage: Storage,
    pub bus: SharedBus,
    /// The monthly budget: the router's gate, and what resumes jobs that waited for it.
    pub budget: shared::budget::Budget,
    /// The model router in force (rebuilt when the providers change in Settings).
    pub llm: Arc<shared::llm::live::LiveLlm>,
    /// The offline compiler alone, for compiles a person asked to spend nothing on.
    pub offline_router: Arc<Router>,
    pub fetcher: Fetcher,
    pub settings: Arc<Settings>,
    /// Every write to the wiki goes through it.
    pub wiki: shared::wiki::Wiki,
    /// This process's worker name: unique per process, recorded on the jobs it leases.
    pub worker_name: Arc<str>,
}

impl std::fmt::Debug for WorkerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerContext")
            .field("worker", &self.worker_name)
            .field("db", &self.db.dialect())
            .field("data_dir", &self.storage.root())
            .finish_non_exhaustive()
    }
}
