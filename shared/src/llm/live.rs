//! The model router and embedder in force, rebuilt when a person changes the providers on the
//! Settings screen. Each process holds one [`LiveLlm`] and calls [`LiveLlm::refresh`] where a change
//! must be seen (before a job, before an answer, after a change): one small query and a read of
//! the secret key, and a rebuild only when the stored provider settings or the key they are
//! sealed with (a restored backup brings its own) differ from those the router was built from.

use std::sync::{Arc, RwLock};

use super::stored::{self, Effective};
use super::{CostRecorder, LlmError, ProviderKind, ResponseCache, Router, SpendGate};
use crate::config::Settings;
use crate::db::{Db, DbError};
use crate::embed::Embedder;
use crate::secrets::SecretBox;

/// Why the router could not be (re)built.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretError),
    #[error("configuring the LLM providers: {0}")]
    Build(#[from] LlmError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What every router of this process is given besides its providers.
#[derive(Clone)]
pub struct Decoration {
    pub recorder: Arc<dyn CostRecorder>,
    pub cache: Option<Arc<dyn ResponseCache>>,
    pub gate: Option<Arc<dyn SpendGate>>,
}

impl Current {
    /// The stored provider rows these were built from.
    pub fn stored_rows(&self) -> &[(String, String)] {
        &self.rows
    }
}

/// The settings in force and the router and embedder built from them.
pub struct Current {
    /// The stored rows the router was built from.
    rows: Vec<(String, String)>,
    /// The key their sealed values were opened with.
    secrets: SecretBox,
    pub effective: Effective,
    pub router: Arc<Router>,
    /// Embeds passages and questions; `None` keeps search full-text only.
    pub embedder: Option<Arc<Embedder>>,
}

/// The router of one process, as the providers are configured now.
pub struct LiveLlm {
    db: Db,
    env: Arc<Settings>,
    decoration: Decoration,
    current: RwLock<Arc<Current>>,
    /// One refresh at a time: a slower refresh that read the rows earlier must not put back
    /// what a later one replaced.
    refreshing: tokio::sync::Mutex<()>,
    /// When the stored rows were last read.
    checked: std::sync::Mutex<std::time::Instant>,
}

/// How old a check [`LiveLlm::refresh_soon`] lets pass.
const RECHECK_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

impl std::fmt::Debug for LiveLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveLlm")
            .field("router", &self.router())
            .finish_non_exhaustive()
    }
}

fn build(
    env: &Settings,
    rows: Vec<(String, String)>,
    secrets: SecretBox,
    decoration: &Decoration,
    previous: Option<&Current>,
) -> Result<Current, LlmError> {
    let effective = stored::apply(env, &rows, &secrets);
    let embedder = match &effective.settings.embeddings {
        None => None,
        // Unchanged embedding settings keep their embedder, and with it the guard that keeps
        // two indexing passes of this process from embedding the same passages.
        Some(e) => match previous.filter(|p| p.effective.settings.embeddings.as_ref() == Some(e)) {
            Some(p) => p.embedder.clone(),
            None => Some(Arc::new(Embedder::new(
                e,
                std::time::Duration::from_secs(effective.settings.llm.timeout_secs),
                decoration.recorder.clone(),
            )?)),
        },
    };
    let mut router = super::build_router(&effective.settings, decoration.recorder.clone())?;
    if let Some(cache) = &decoration.cache {
        router = router.with_cache(cache.clone());
    }
    if let Some(gate) = &decoration.gate {
        router = router.with_gate(gate.clone());
    }
    Ok(Current {
        rows,
        secrets,
        effective,
        router: Arc::new(router),
        embedder,
    })
}

impl LiveLlm {
    /// The router of a gateway or worker: calls are logged in the cost log, identical
    /// requests (recompiling unchanged input) are answered from the shared cache, and every
    /// paid call asks `budget` first.
    pub async fn for_deployment(
        db: Db,
        env: Arc<Settings>,
        budget: &crate::budget::Budget,
    ) -> Result<Self, LiveError> {
        let decoration = Decoration {
            recorder: Arc::new(crate::db::costs::DbCostRecorder::new(db.clone())),
            cache: Some(Arc::new(crate::db::llm_cache::DbResponseCache::new(
                db.clone(),
            ))),
            gate: Some(Arc::new(budget.clone())),
        };
        Self::new(db, env, decoration).await
    }

    /// Builds the router from the environment and what is stored now.
    pub async fn new(
        db: Db,
        env: Arc<Settings>,
        decoration: Decoration,
    ) -> Result<Self, LiveError> {
        let rows = stored::load(&db).await?;
        let secrets = SecretBox::for_settings(&env)?;
        let current = build(&env, rows, secrets, &decoration, None)?;
        Ok(Self {
            db,
            env,
            decoration,
            current: RwLock::new(Arc::new(current)),
            refreshing: tokio::sync::Mutex::new(()),
            checked: std::sync::Mutex::new(std::time::Instant::now()),
        })
    }

    /// The settings and router in force.
    pub fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The router in force.
    pub fn router(&self) -> Arc<Router> {
        self.current().router.clone()
    }

    /// The embedder in force; `None` when no embedding provider is configured.
    pub fn embedder(&self) -> Option<Arc<Embedder>> {
        self.current().embedder.clone()
    }

    /// The settings in force: the environment's, with stored provider settings where it sets
    /// none.
    pub fn settings(&self) -> Settings {
        self.current().effective.settings.clone()
    }

    /// The router when a model leads: what answers, fixes and judges contradictions; none
    /// when the offline compiler leads (it only compiles, so answers are extractive).
    pub fn answers(&self) -> Option<Arc<Router>> {
        let router = self.router();
        router
            .default_kind()
            .is_some_and(|k| k != ProviderKind::Offline)
            .then_some(router)
    }

    /// The environment's settings, before anything stored.
    pub fn environment(&self) -> &Settings {
        &self.env
    }

    /// The box stored keys are sealed with. Read afresh each time, never kept: restoring a
    /// backup replaces the data directory's key file under every running process, and a key
    /// sealed or opened with the one it replaced would be lost.
    pub fn secrets(&self) -> Result<SecretBox, LiveError> {
        Ok(SecretBox::for_settings(&self.env)?)
    }

    /// Rebuilds the router when the stored provider settings changed since it was built. A
    /// rebuild that fails keeps the router in force (and says why).
    pub async fn refresh(&self) -> Result<(), LiveError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let rows = stored::load(&self.db).await?;
        *self
            .checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = std::time::Instant::now();
        let secrets = self.secrets()?;
        if self.current().rows == rows && self.current().secrets == secrets {
            return Ok(());
        }
        let previous = self.current();
        let current = build(&self.env, rows, secrets, &self.decoration, Some(&previous))?;
        tracing::info!(
            providers = ?current.router.providers(),
            embeddings = ?current.embedder.as_ref().map(|e| e.model_id()),
            "the LLM providers changed"
        );
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(current);
        Ok(())
    }

    /// [`LiveLlm::refresh_or_keep`] unless the rows were read within the last two seconds: for
    /// paths as frequent as search, where a change made in another process may take that
    /// long to arrive.
    pub async fn refresh_soon(&self) {
        let last = *self
            .checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.elapsed() >= RECHECK_AFTER {
            self.refresh_or_keep().await;
        }
    }

    /// [`LiveLlm::refresh`] where a failure must not stop the caller: it is logged, and the
    /// router in force stays.
    pub async fn refresh_or_keep(&self) {
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "the LLM providers could not be reloaded; the ones in force stay");
        }
    }
}
