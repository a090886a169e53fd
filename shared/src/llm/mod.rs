//! LLM layer: the provider-neutral request/response types, the error type, the
//! [`Provider`] trait, the HTTP providers (Anthropic, OpenAI and compatible
//! servers, Google Gemini, Ollama), the pricing table and the [`Router`] that adds
//! retries, fallback, timeouts and cost recording on top of them.
//!
//! The offline compiler lives elsewhere and plugs in by implementing [`Provider`]
//! for [`ProviderKind::Offline`], acting on [`CompletionRequest::structured`].

mod cache;
pub(crate) mod http;
mod span;
mod streaming;

pub mod anthropic;
pub mod estimate;
pub mod google;
pub mod live;
pub mod offline;
pub mod ollama;
pub mod openai;
pub mod pricing;
pub mod router;
pub mod setup;
pub mod stored;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::JobId;

pub use anthropic::AnthropicProvider;
pub use cache::{CachedReply, ResponseCache, cache_key};
pub use google::GoogleProvider;
pub use ollama::OllamaProvider;
pub use openai::OpenAiProvider;
pub use pricing::PricingTable;
pub use router::{CostEntry, CostRecorder, NullCostRecorder, RetryPolicy, Router, SpendGate};
pub use setup::build_router;
pub use streaming::TextSink;

crate::text_enum! {
    /// Which backend answered (or should answer) a request. `ALL` is in the default
    /// preference order used when building a fallback chain.
    pub enum ProviderKind {
        Anthropic => "anthropic",
        Openai => "openai",
        Google => "google",
        Ollama => "ollama",
        Offline => "offline",
    }
}

crate::text_enum! {
    /// What a call is for; cost is reported per task.
    pub enum Task {
        Compile => "compile",
        Qa => "qa",
        Lint => "lint",
        Index => "index",
        Concept => "concept",
        Test => "test",
    }
}

crate::text_enum! {
    /// Author of a chat turn. The system prompt is separate ([`CompletionRequest::system`]).
    pub enum Role {
        User => "user",
        Assistant => "assistant",
    }
}

/// One turn of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    /// A user turn.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant turn (prior answers, or a reply being repaired).
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A JSON schema the reply must follow. Each provider maps it to its own mechanism:
/// OpenAI `response_format.json_schema`, Anthropic a forced tool's `input_schema`,
/// Ollama `format`, Gemini `responseSchema` (with keywords Gemini rejects stripped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchema {
    /// Schema name; sanitised to `[A-Za-z0-9_-]{1,64}` where a provider requires it.
    pub name: String,
    /// The JSON Schema document (an object schema at the top level).
    pub schema: serde_json::Value,
}

/// Structured input that a non-LLM provider (the offline compiler) can act on directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StructuredInput {
    /// Compile one source (or chunk) into an article.
    Compile {
        title: Option<String>,
        text: String,
        existing_titles: Vec<String>,
    },
}

/// A provider-neutral completion request.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    pub task: Task,
    /// System prompt; omitted on the wire when empty.
    pub system: String,
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// When set, the reply content is JSON following this schema.
    pub json_schema: Option<JsonSchema>,
    /// The same request in a form the offline compiler can use without parsing prompts.
    pub structured: Option<StructuredInput>,
    /// The job this call belongs to, carried into the cost log.
    pub job_id: Option<JobId>,
    /// The conversation this call answers in, carried into the cost log.
    pub conversation_id: Option<Uuid>,
}

impl CompletionRequest {
    /// Default output budget when a caller does not choose one.
    pub const DEFAULT_MAX_TOKENS: u32 = 4096;
    /// Default sampling temperature.
    pub const DEFAULT_TEMPERATURE: f32 = 0.3;

    /// A single-turn request with default limits and no schema.
    pub fn new(task: Task, system: impl Into<String>, user: impl Into<String>) -> Self {
        Self {
            task,
            system: system.into(),
            messages: vec![ChatMessage::user(user)],
            max_tokens: Self::DEFAULT_MAX_TOKENS,
            temperature: Self::DEFAULT_TEMPERATURE,
            json_schema: None,
            structured: None,
            job_id: None,
            conversation_id: None,
        }
    }

    /// The smallest real request: a one-word reply, to learn whether a model answers (the
    /// Settings screen's test, and the check for a model's return after an outage).
    pub fn connectivity_check() -> Self {
        let mut request = Self::new(
            Task::Test,
            "You are a connectivity check. Reply with the single word: ok",
            "ping",
        );
        request.max_tokens = 16;
        request.temperature = 0.0;
        request
    }

    /// Sets the schema the reply must follow.
    pub fn with_schema(mut self, name: impl Into<String>, schema: serde_json::Value) -> Self {
        self.json_schema = Some(JsonSchema {
            name: name.into(),
            schema,
        });
        self
    }
}

/// Token counts reported by the provider (0 when it reports none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A completed call. Providers fill `content`, `provider`, `model` and `usage`;
/// the [`Router`] fills `latency_ms` and `cost_usd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionResponse {
    pub content: String,
    pub provider: ProviderKind,
    pub model: String,
    pub usage: Usage,
    pub latency_ms: u64,
    pub cost_usd: f64,
}

impl CompletionResponse {
    /// A provider-side response; latency and cost are left at 0 for the router.
    pub fn new(provider: ProviderKind, model: &str, content: String, usage: Usage) -> Self {
        Self {
            content,
            provider,
            model: model.to_owned(),
            usage,
            latency_ms: 0,
            cost_usd: 0.0,
        }
    }
}

/// Everything that can go wrong talking to a model. Messages never contain API keys.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// HTTP 429; `retry_after` from `Retry-After` (seconds or HTTP-date) or `retry-after-ms`.
    #[error("rate limited by the provider{}", fmt_retry_after(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// Any other non-success status; `body` is truncated.
    #[error("provider returned HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("request to the provider timed out")]
    Timeout,
    /// Connection, TLS or protocol failure before a status was received.
    #[error("could not reach the provider: {0}")]
    Transport(String),
    /// The reply did not have the expected shape.
    #[error("invalid response from the provider: {0}")]
    InvalidResponse(String),
    /// Missing key, bad base URL, or no provider for the requested kind.
    #[error("LLM provider not configured: {0}")]
    NotConfigured(String),
    /// The provider cannot serve this kind of request (the router skips it).
    #[error("request not supported by this provider: {0}")]
    Unsupported(String),
    /// Every provider in the chain failed; carries the last error's message, and whether
    /// that error was an outage (see [`LlmError::is_outage`]) rather than a refusal of this
    /// request.
    #[error("all LLM providers failed; last error: {message}")]
    AllFailed { message: String, outage: bool },
    /// The monthly budget is enforced and spent.
    #[error("monthly LLM budget exceeded")]
    BudgetExceeded,
}

fn fmt_retry_after(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (retry after {} ms)", d.as_millis()))
        .unwrap_or_default()
}

impl LlmError {
    /// True for failures that may pass on their own: 429, 408, 5xx, timeouts, transport errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::RateLimited { .. } | LlmError::Timeout | LlmError::Transport(_) => true,
            LlmError::Http { status, .. } => *status == 408 || *status >= 500,
            _ => false,
        }
    }

    /// True when the model cannot be had at all — down, unreachable, overloaded, or refusing
    /// the key — as opposed to refusing this one request (a 400 for its size or content): an
    /// outage passes for every request once it ends, a refusal does not.
    pub fn is_outage(&self) -> bool {
        match self {
            LlmError::AllFailed { outage, .. } => *outage,
            LlmError::Http { status, .. } => {
                matches!(status, 401 | 403 | 404) || self.is_retryable()
            }
            _ => self.is_retryable(),
        }
    }
}

/// A model backend. Implementations return content and usage; the router measures
/// latency and prices the call.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Which backend this is.
    fn kind(&self) -> ProviderKind;
    /// The model name sent on the wire (and used for pricing).
    fn model(&self) -> &str;
    /// Performs one call, without retries.
    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError>;

    /// Like [`Provider::complete`] for a prose reply, handing each piece of text to `on_text`
    /// as it arrives; the returned response holds the whole text and the usage. Providers
    /// that cannot stream decline with `Unsupported`.
    async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        let _ = (req, on_text);
        Err(LlmError::Unsupported(format!(
            "{} does not stream",
            self.kind()
        )))
    }
}

/// The outermost `{…}` of a reply (models wrap JSON in fences or prose), or the reply itself.
pub fn json_object_in(reply: &str) -> &str {
    match (reply.find('{'), reply.rfind('}')) {
        (Some(start), Some(end)) if start < end => &reply[start..=end],
        _ => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(*kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for task in Task::ALL {
            assert_eq!(serde_json::to_value(task).unwrap(), task.as_str());
        }
        assert!("gpt".parse::<ProviderKind>().is_err());
    }
}
