//! Embeddings for hybrid search: the [`Embedder`] that turns passages and questions into
//! vectors through the configured provider (OpenAI-compatible, Ollama or Gemini), and the
//! indexing pass that gives every passage in the search index its vector.
//!
//! Every call is cost-logged under the `index` task. Embedding is never on the critical path:
//! a passage without a vector is still found by full-text search, and a question whose
//! embedding fails is answered from full-text search alone.

mod index;
pub mod stored;
pub mod vector;
mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use index::{IndexReport, index_pending};

use crate::config::{EmbeddingProvider, EmbeddingSettings};
use crate::domain::JobId;
use crate::llm::http::{Auth, HttpCore};
use crate::llm::{CostEntry, CostRecorder, LlmError, PricingTable, Task, Usage};

/// Texts sent in one request; every provider accepts at least this many.
const BATCH: usize = 64;
/// Attempts per request of the indexing pass for failures that may pass (429, 5xx, timeouts).
const ATTEMPTS: u32 = 3;
/// Longest wait for a question's embedding before the search goes on without it.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Wait before the second attempt; doubled after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait a `Retry-After` may impose here; indexing tries again later anyway.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// What a text is embedded for; Gemini embeds documents and queries differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Document,
    Query,
}

/// The configured embedding provider.
pub struct Embedder {
    provider: EmbeddingProvider,
    core: HttpCore,
    dimensions: Option<u32>,
    min_similarity: f32,
    recorder: Arc<dyn CostRecorder>,
    pricing: PricingTable,
    /// One indexing pass at a time in this process, so passages are not embedded twice.
    pub(crate) indexing: tokio::sync::Mutex<()>,
    /// Set by each call of the indexing pass; the running pass goes round again while set.
    pub(crate) asked_again: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("provider", &self.provider)
            .field("model", &self.core.model)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Builds the embedder from settings; `timeout` bounds each request.
    pub fn new(
        settings: &EmbeddingSettings,
        timeout: Duration,
        recorder: Arc<dyn CostRecorder>,
    ) -> Result<Self, LlmError> {
        let default_base = match settings.provider {
            EmbeddingProvider::Openai => crate::llm::openai::DEFAULT_BASE_URL,
            EmbeddingProvider::Ollama => crate::llm::ollama::DEFAULT_BASE_URL,
            EmbeddingProvider::Google => crate::llm::google::DEFAULT_BASE_URL,
        };
        let core = HttpCore::new(
            settings.model.clone(),
            settings.base_url.clone(),
            default_base,
            settings.api_key.as_ref().map(|k| k.expose().to_owned()),
            timeout,
        )?;
        Ok(Self {
            provider: settings.provider,
            core,
            dimensions: settings.dimensions,
            min_similarity: settings.min_similarity,
            recorder,
            pricing: PricingTable::default(),
            indexing: tokio::sync::Mutex::new(()),
            asked_again: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Which provider embeds.
    pub fn provider(&self) -> EmbeddingProvider {
        self.provider
    }

    /// The model name sent on the wire.
    pub fn model(&self) -> &str {
        &self.core.model
    }

    /// What is stored beside each vector: vectors are comparable only when this is equal, so
    /// changing the provider, model or dimensions re-embeds the wiki.
    pub fn model_id(&self) -> String {
        match self.dimensions {
            Some(d) => format!("{}:{}@{d}", self.provider.as_str(), self.core.model),
            None => format!("{}:{}", self.provider.as_str(), self.core.model),
        }
    }

    /// The similarity above which a passage counts as relevant without sharing words.
    pub fn min_similarity(&self) -> f32 {
        self.min_similarity
    }

    /// Embeds `texts` (in batches), returning unit vectors in the same order.
    pub async fn embed(
        &self,
        texts: &[String],
        purpose: Purpose,
        job_id: Option<JobId>,
    ) -> Result<Vec<Vec<f32>>, LlmError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH) {
            out.extend(self.embed_batch(batch, purpose, job_id, ATTEMPTS).await?);
        }
        Ok(out)
    }

    /// Embeds one question, once and within [`QUERY_TIMEOUT`]: someone is waiting for the
    /// search, which falls back to full text rather than retry.
    pub async fn embed_query(&self, text: &str) -> Result<Vec<f32>, LlmError> {
        let texts = [text.to_owned()];
        let call = self.embed_batch(&texts, Purpose::Query, None, 1);
        let mut v = tokio::time::timeout(QUERY_TIMEOUT, call)
            .await
            .map_err(|_| LlmError::Timeout)??;
        v.pop()
            .ok_or_else(|| LlmError::InvalidResponse("no embedding returned".into()))
    }

    async fn embed_batch(
        &self,
        texts: &[String],
        purpose: Purpose,
        job_id: Option<JobId>,
        attempts: u32,
    ) -> Result<Vec<Vec<f32>>, LlmError> {
        let url = wire::url(self.provider, &self.core.base_url, &self.core.model);
        let body = wire::body(
            self.provider,
            &self.core.model,
            texts,
            purpose,
            self.dimensions,
        );
        let auth = match self.provider {
            EmbeddingProvider::Google => Auth::Header("x-goog-api-key"),
            _ => Auth::Bearer,
        };
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self
                .core
                .post_json(&url, auth, &[], &body)
                .await
                .and_then(|reply| wire::parse(self.provider, &reply, texts.len()));
            let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let tokens = result.as_ref().map(|(_, t)| *t).unwrap_or(0);
            self.record(tokens, latency_ms, job_id, result.is_ok())
                .await;
            match result {
                Ok((vectors, _)) => {
                    return Ok(vectors.into_iter().map(vector::normalize).collect());
                }
                Err(e) if e.is_retryable() && attempt < attempts => {
                    let wait = match &e {
                        LlmError::RateLimited {
                            retry_after: Some(d),
                        } => (*d).min(MAX_BACKOFF),
                        _ => backoff,
                    };
                    tracing::warn!(error = %e, attempt, "embedding request failed; retrying");
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn record(&self, input_tokens: u64, latency_ms: u64, job_id: Option<JobId>, ok: bool) {
        let kind = self.provider.llm_kind();
        let usage = Usage {
            input_tokens,
            output_tokens: 0,
        };
        self.recorder
            .record(CostEntry {
                provider: kind,
                model: self.core.model.clone(),
                task: Task::Index,
                input_tokens,
                output_tokens: 0,
                cost_usd: self.pricing.cost(kind, &self.core.model, usage),
                latency_ms,
                job_id,
                conversation_id: None,
                ok,
                cached: false,
            })
            .await;
    }
}

/// The embedder for these settings, or `None` when no embedding provider is configured.
pub fn from_settings(
    settings: &crate::config::Settings,
    recorder: Arc<dyn CostRecorder>,
) -> Result<Option<Arc<Embedder>>, LlmError> {
    settings
        .embeddings
        .as_ref()
        .map(|e| {
            Embedder::new(e, Duration::from_secs(settings.llm.timeout_secs), recorder).map(Arc::new)
        })
        .transpose()
}
