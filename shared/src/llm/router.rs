//! The router: one entry point for every LLM call. It walks the configured
//! providers in order (the default first, then the fallback chain), retries
//! retryable failures with exponential backoff and jitter (honouring
//! `Retry-After`), bounds every attempt with a timeout, prices each call and hands
//! one [`CostEntry`] per attempt to a [`CostRecorder`].
//!
//! Cost log policy: every attempt that reached a provider is recorded — successes
//! with `ok = true`, tokens and cost; failures with `ok = false`, zero tokens and
//! zero cost — so error rates per provider are visible next to spend. Attempts a
//! provider declines with [`LlmError::Unsupported`] are not recorded.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tracing::{Instrument as _, debug, info, instrument, warn};

use super::span;
use uuid::Uuid;

use crate::domain::JobId;

use super::{
    CachedReply, CompletionRequest, CompletionResponse, LlmError, PricingTable, Provider,
    ProviderKind, ResponseCache, Task, TextSink, cache_key,
};

/// How often and how patiently a provider is retried before falling back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// Backoff before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Upper bound for any wait, including a server's `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: each provider gets one attempt.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based) after `err`: the server's
    /// `Retry-After` when given, else `base * 2^retry` with equal jitter (half fixed,
    /// half random, so parallel workers spread out), always capped at `max_delay`.
    pub fn delay(&self, retry: u32, err: &LlmError) -> Duration {
        if let LlmError::RateLimited {
            retry_after: Some(wait),
        } = err
        {
            return (*wait).min(self.max_delay);
        }
        let factor = 2u32.saturating_pow(retry);
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        full / 2 + full.mul_f64(0.5 * unit_random())
    }
}

/// The error of a chain whose every provider failed (or none could serve the request).
fn all_failed(last: Option<LlmError>, none: &str) -> LlmError {
    match last {
        Some(e) => LlmError::AllFailed {
            outage: e.is_outage(),
            message: e.to_string(),
        },
        None => LlmError::AllFailed {
            message: none.to_owned(),
            outage: false,
        },
    }
}

/// A number in `[0, 1)`. Jitter needs no quality randomness; each `RandomState` is
/// seeded differently, which avoids a dependency on `rand`.
fn unit_random() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// One line of the cost log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostEntry {
    pub provider: ProviderKind,
    pub model: String,
    pub task: Task,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub latency_ms: u64,
    pub job_id: Option<JobId>,
    pub conversation_id: Option<Uuid>,
    /// False for a failed attempt (tokens and cost are then 0).
    pub ok: bool,
    /// Answered from the response cache: no call was made, and the cost is 0.
    pub cached: bool,
}

/// Where cost entries go (the database in the product, a vector in tests).
#[async_trait]
pub trait CostRecorder: Send + Sync {
    /// Stores one entry. Failures are the recorder's to log; a call never fails
    /// because its cost could not be written.
    async fn record(&self, entry: CostEntry);
}

/// Discards every entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullCostRecorder;

#[async_trait]
impl CostRecorder for NullCostRecorder {
    async fn record(&self, _entry: CostEntry) {}
}

/// Asked before every paid call (not the offline compiler, not a cache hit): `false` refuses
/// it with [`LlmError::BudgetExceeded`]. The product's gate is [`crate::budget::Budget`].
#[async_trait]
pub trait SpendGate: Send + Sync {
    async fn may_spend(&self) -> bool;
}

/// Providers in preference order plus the policies applied to every call.
#[derive(Clone)]
pub struct Router {
    providers: Vec<Arc<dyn Provider>>,
    retry: RetryPolicy,
    call_timeout: Duration,
    pricing: PricingTable,
    recorder: Arc<dyn CostRecorder>,
    cache: Option<Arc<dyn ResponseCache>>,
    gate: Option<Arc<dyn SpendGate>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("providers", &self.providers())
            .field("retry", &self.retry)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

impl Router {
    /// Default bound on one attempt; long compiles of 8k output tokens fit in it.
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(180);

    /// A router over `providers` (first = default) with default retry policy,
    /// timeout and prices, recording nothing.
    pub fn new(providers: Vec<Arc<dyn Provider>>) -> Self {
        Self {
            providers,
            retry: RetryPolicy::default(),
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            pricing: PricingTable::default(),
            recorder: Arc::new(NullCostRecorder),
            cache: None,
            gate: None,
        }
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the bound on a single attempt.
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Replaces the price list.
    pub fn with_pricing(mut self, pricing: PricingTable) -> Self {
        self.pricing = pricing;
        self
    }

    /// Sends cost entries to `recorder`.
    pub fn with_recorder(mut self, recorder: Arc<dyn CostRecorder>) -> Self {
        self.recorder = recorder;
        self
    }

    /// Answers repeated requests from `cache` (see [`ResponseCache`]).
    pub fn with_cache(mut self, cache: Arc<dyn ResponseCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Asks `gate` before every paid call.
    pub fn with_gate(mut self, gate: Arc<dyn SpendGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The price list in use.
    pub fn pricing(&self) -> &PricingTable {
        &self.pricing
    }

    /// `(kind, model)` of every provider, in order.
    pub fn providers(&self) -> Vec<(ProviderKind, String)> {
        self.providers
            .iter()
            .map(|p| (p.kind(), p.model().to_owned()))
            .collect()
    }

    /// The kind tried first, if any provider is configured.
    pub fn default_kind(&self) -> Option<ProviderKind> {
        self.providers.first().map(|p| p.kind())
    }

    /// Runs `req` through the chain: each provider with retries, falling back on
    /// failure and skipping providers that answer `Unsupported`. Fails with
    /// `AllFailed` carrying the last error, or at once with `BudgetExceeded`.
    pub async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        if self.providers.is_empty() {
            return Err(LlmError::NotConfigured(
                "no LLM provider is configured".into(),
            ));
        }
        let mut last_error: Option<LlmError> = None;
        for provider in &self.providers {
            match self.call_with_retries(provider.as_ref(), req).await {
                Ok(response) => return Ok(response),
                Err(LlmError::Unsupported(why)) => {
                    debug!(provider = %provider.kind(), %why, "provider skipped");
                }
                Err(LlmError::BudgetExceeded) => return Err(LlmError::BudgetExceeded),
                Err(err) => {
                    warn!(provider = %provider.kind(), error = %err, "provider failed, falling back");
                    last_error = Some(err);
                }
            }
        }
        Err(all_failed(
            last_error,
            "no configured provider supports this request",
        ))
    }

    /// Runs `req` on the first provider of `kind` only (retries, no fallback) and
    /// returns its own error, e.g. for a "test provider" button.
    pub async fn complete_with(
        &self,
        kind: ProviderKind,
        req: &CompletionRequest,
    ) -> Result<CompletionResponse, LlmError> {
        let provider = self
            .providers
            .iter()
            .find(|p| p.kind() == kind)
            .ok_or_else(|| LlmError::NotConfigured(format!("{kind} is not configured")))?;
        self.call_with_retries(provider.as_ref(), req).await
    }

    #[instrument(
        skip_all,
        fields(provider = %provider.kind(), model = provider.model(), task = %req.task)
    )]
    async fn call_with_retries(
        &self,
        provider: &dyn Provider,
        req: &CompletionRequest,
    ) -> Result<CompletionResponse, LlmError> {
        // The cache is asked once per provider, before any attempt, and filled by the attempt
        // that succeeds (the offline compiler is never cached: it costs nothing; nor is a
        // connectivity check, whose point is to reach the model).
        let cache = self
            .cache
            .as_ref()
            .filter(|_| provider.kind() != ProviderKind::Offline && req.task != Task::Test);
        let key = cache.map(|_| cache_key(provider.kind(), provider.model(), req));
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Some(hit) = cache.get(key).await
        {
            return Ok(self.cached(provider, req, hit).await);
        }
        self.check_spend(provider).await?;
        let mut retry = 0;
        loop {
            match self.attempt(provider, req).await {
                Ok(response) => {
                    if let (Some(cache), Some(key)) = (cache, &key)
                        && super::cache::worth_keeping(req, &response.content)
                    {
                        let reply = CachedReply {
                            model: response.model.clone(),
                            content: response.content.clone(),
                            usage: response.usage,
                        };
                        cache.put(key, provider.kind(), &reply).await;
                    }
                    return Ok(response);
                }
                Err(err) if err.is_retryable() && retry < self.retry.max_retries => {
                    let delay = self.retry.delay(retry, &err);
                    warn!(
                        error = %err,
                        retry = retry + 1,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "retrying LLM call"
                    );
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Refuses a paid call the gate does not allow.
    async fn check_spend(&self, provider: &dyn Provider) -> Result<(), LlmError> {
        if provider.kind() == ProviderKind::Offline {
            return Ok(());
        }
        match &self.gate {
            Some(gate) if !gate.may_spend().await => {
                warn!(provider = %provider.kind(), "the monthly budget is spent; the call is not made");
                Err(LlmError::BudgetExceeded)
            }
            _ => Ok(()),
        }
    }

    /// One bounded attempt, priced and recorded.
    async fn attempt(
        &self,
        provider: &dyn Provider,
        req: &CompletionRequest,
    ) -> Result<CompletionResponse, LlmError> {
        async {
            let started = Instant::now();
            let result = tokio::time::timeout(self.call_timeout, provider.complete(req))
                .await
                .unwrap_or(Err(LlmError::Timeout));
            self.settle(provider, req, started, result).await
        }
        .instrument(span::call(provider, req))
        .await
    }

    /// A reply from the cache, logged as a call that cost nothing.
    async fn cached(
        &self,
        provider: &dyn Provider,
        req: &CompletionRequest,
        hit: CachedReply,
    ) -> CompletionResponse {
        info!(
            input_tokens = hit.usage.input_tokens,
            output_tokens = hit.usage.output_tokens,
            "LLM call answered from the response cache"
        );
        self.recorder
            .record(CostEntry {
                provider: provider.kind(),
                model: hit.model.clone(),
                task: req.task,
                input_tokens: hit.usage.input_tokens,
                output_tokens: hit.usage.output_tokens,
                cost_usd: 0.0,
                latency_ms: 0,
                job_id: req.job_id,
                conversation_id: req.conversation_id,
                ok: true,
                cached: true,
            })
            .await;
        // A provider-side response: no latency, no cost.
        CompletionResponse::new(provider.kind(), &hit.model, hit.content, hit.usage)
    }

    /// Streams a prose reply through the chain: each provider that can stream, with retries
    /// while nothing has been handed to `on_text` yet. Text already shown cannot be taken
    /// back, so once a piece has been sent a failure ends the call instead of falling back.
    pub async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        if self.providers.is_empty() {
            return Err(LlmError::NotConfigured(
                "no LLM provider is configured".into(),
            ));
        }
        let mut last_error: Option<LlmError> = None;
        for provider in &self.providers {
            self.check_spend(provider.as_ref()).await?;
            let mut retry = 0;
            loop {
                let mut sent = false;
                let settled = async {
                    let started = Instant::now();
                    let result = {
                        let mut forward = |piece: &str| {
                            sent = true;
                            on_text(piece);
                        };
                        tokio::time::timeout(self.call_timeout, provider.stream(req, &mut forward))
                            .await
                            .unwrap_or(Err(LlmError::Timeout))
                    };
                    self.settle(provider.as_ref(), req, started, result).await
                }
                .instrument(span::call(provider.as_ref(), req))
                .await;
                match settled {
                    Ok(response) => return Ok(response),
                    Err(err) if sent => return Err(err),
                    Err(LlmError::BudgetExceeded) => return Err(LlmError::BudgetExceeded),
                    Err(err) if err.is_retryable() && retry < self.retry.max_retries => {
                        let delay = self.retry.delay(retry, &err);
                        warn!(provider = %provider.kind(), error = %err, retry = retry + 1, "retrying LLM stream");
                        tokio::time::sleep(delay).await;
                        retry += 1;
                    }
                    Err(LlmError::Unsupported(why)) => {
                        debug!(provider = %provider.kind(), %why, "provider skipped");
                        break;
                    }
                    Err(err) => {
                        warn!(provider = %provider.kind(), error = %err, "stream failed, falling back");
                        last_error = Some(err);
                        break;
                    }
                }
            }
        }
        Err(all_failed(last_error, "no configured provider can stream"))
    }

    /// Prices and records a finished call (an unsupported request is not a call).
    async fn settle(
        &self,
        provider: &dyn Provider,
        req: &CompletionRequest,
        started: Instant,
        result: Result<CompletionResponse, LlmError>,
    ) -> Result<CompletionResponse, LlmError> {
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut entry = CostEntry {
            provider: provider.kind(),
            model: provider.model().to_owned(),
            task: req.task,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            latency_ms,
            job_id: req.job_id,
            conversation_id: req.conversation_id,
            ok: false,
            cached: false,
        };
        match result {
            Ok(mut response) => {
                response.latency_ms = latency_ms;
                response.cost_usd =
                    self.pricing
                        .cost(response.provider, &response.model, response.usage);
                entry.model.clone_from(&response.model);
                entry.input_tokens = response.usage.input_tokens;
                entry.output_tokens = response.usage.output_tokens;
                entry.cost_usd = response.cost_usd;
                entry.ok = true;
                span::record_reply(&response);
                info!(
                    latency_ms,
                    input_tokens = entry.input_tokens,
                    output_tokens = entry.output_tokens,
                    cost_usd = entry.cost_usd,
                    "LLM call succeeded"
                );
                self.recorder.record(entry).await;
                Ok(response)
            }
            Err(LlmError::Unsupported(why)) => Err(LlmError::Unsupported(why)),
            Err(err) => {
                span::record_failure(&err);
                self.recorder.record(entry).await;
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let err = LlmError::Timeout;
        for _ in 0..50 {
            let first = policy.delay(0, &err);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.delay(2, &err);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(policy.delay(30, &err) <= Duration::from_millis(500));
        }
    }

    #[test]
    fn an_outage_is_told_from_a_refusal_of_the_request() {
        let http = |status| LlmError::Http {
            status,
            body: String::new(),
        };
        assert!(http(503).is_outage());
        assert!(http(401).is_outage(), "a refused key refuses every request");
        assert!(LlmError::Timeout.is_outage());
        assert!(!http(400).is_outage(), "too long or refused content");
        assert!(!LlmError::InvalidResponse("x".into()).is_outage());
        assert!(all_failed(Some(http(502)), "none").is_outage());
        assert!(!all_failed(Some(http(400)), "none").is_outage());
        assert!(!all_failed(None, "none").is_outage());
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let limited = |secs| LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(policy.delay(0, &limited(2)), Duration::from_secs(2));
        assert_eq!(policy.delay(0, &limited(600)), policy.max_delay);
    }

    #[test]
    fn retryable_errors() {
        assert!(
            LlmError::Http {
                status: 503,
                body: String::new()
            }
            .is_retryable()
        );
        assert!(
            LlmError::Http {
                status: 408,
                body: String::new()
            }
            .is_retryable()
        );
        assert!(
            !LlmError::Http {
                status: 400,
                body: String::new()
            }
            .is_retryable()
        );
        assert!(LlmError::RateLimited { retry_after: None }.is_retryable());
        assert!(!LlmError::InvalidResponse(String::new()).is_retryable());
        assert!(!LlmError::BudgetExceeded.is_retryable());
    }
}
