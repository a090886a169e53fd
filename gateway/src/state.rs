//! The application state every handler receives.

use std::sync::Arc;

use shared::config::Settings;
use shared::db::Db;
use shared::events::SharedBus;
use shared::jobs::JobQueue;
use shared::storage::Storage;

use crate::origin::OriginPolicy;
use crate::session::SessionKey;

/// The handles every handler receives: one pointer, so that the extractors and middleware
/// that take the state per request copy a reference count rather than every handle.
#[derive(Clone)]
pub struct AppState(Arc<Handles>);

impl AppState {
    pub fn new(handles: Handles) -> Self {
        Self(Arc::new(handles))
    }
}

impl std::ops::Deref for AppState {
    type Target = Handles;

    fn deref(&self) -> &Handles {
        &self.0
    }
}

/// Shared handles.
pub struct Handles {
    pub db: Db,
    pub storage: Storage,
    pub queue: JobQueue,
    pub bus: SharedBus,
    pub settings: Arc<Settings>,
    /// The largest request body each route accepts.
    pub body_limits: crate::limits::BodyLimits,
    /// Wrong tokens per client address, to slow down guessing.
    pub throttle: Arc<crate::throttle::FailureThrottle>,
    /// The host names and origins requests may come from.
    pub origins: OriginPolicy,
    /// Signs the web app's session cookies.
    pub session_key: Arc<SessionKey>,
    /// The model router in force, rebuilt when the providers change in Settings; its
    /// `answers()` is `None` when no language model is configured (answers are extractive).
    pub llm: Arc<shared::llm::live::LiveLlm>,
    /// The monthly budget in force (the environment's values over those set in Settings).
    pub budget: shared::budget::Budget,
    /// Full-text or hybrid search over the wiki's passages.
    pub search: shared::search::Searcher,
    /// Every write to the wiki goes through it.
    pub wiki: shared::wiki::Wiki,
    /// The wiki's graph, computed once per change of the wiki.
    pub graph: Arc<shared::wiki::GraphCache>,
    /// Rendered read answers, for the wiki as it is now.
    pub read_cache: Arc<shared::read_cache::ReadCache>,
    /// Tells which wiki the cached answers are of.
    pub generation: shared::db::generation::Reader,
    /// When this gateway started (an embedded worker gets a while to report in).
    pub started: std::time::Instant,
    /// This gateway's request counts and latencies, served at `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// True when this process runs the worker itself.
    pub embedded_worker: bool,
}

impl AppState {
    /// Hands a committed job to the queue and tells open screens about it.
    pub async fn hand_over(&self, job: &shared::domain::Job) {
        shared::outbox::hand_over(&self.db, &self.queue, &self.bus, job).await;
    }

    /// Accepting sources, with this gateway's database, files, queue and limits.
    pub fn intake(&self) -> shared::ingest::accept::Intake<'_> {
        shared::ingest::accept::Intake {
            db: &self.db,
            storage: &self.storage,
            queue: &self.queue,
            bus: &self.bus,
            settings: &self.settings.ingest,
        }
    }
}
