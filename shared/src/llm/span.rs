//! The span of one call to a model, named and described by OpenTelemetry's GenAI semantic
//! conventions (`chat {model}`, `gen_ai.*` attributes), so a trace shows which model each
//! stage asked, for what, and the tokens it took.

use tracing::Span;
use tracing::field::Empty;

use super::{CompletionRequest, CompletionResponse, LlmError, Provider};

/// A span for one attempt of `req` on `provider`; [`record_reply`] or [`record_failure`] fill
/// in how it went (they record on the current span, so call them inside it).
pub(super) fn call(provider: &dyn Provider, req: &CompletionRequest) -> Span {
    tracing::info_span!(
        "llm",
        otel.name = %format!("chat {}", provider.model()),
        otel.kind = "client",
        otel.status_code = Empty,
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = %provider.kind(),
        gen_ai.system = %provider.kind(),
        gen_ai.request.model = provider.model(),
        gen_ai.response.model = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
        error.type = Empty,
        wikimind.task = %req.task,
        wikimind.cost_usd = Empty,
    )
}

/// Records a reply's model, tokens and cost on the current call span.
pub(super) fn record_reply(response: &CompletionResponse) {
    let span = Span::current();
    span.record("gen_ai.response.model", response.model.as_str());
    span.record("gen_ai.usage.input_tokens", response.usage.input_tokens);
    span.record("gen_ai.usage.output_tokens", response.usage.output_tokens);
    span.record("wikimind.cost_usd", response.cost_usd);
}

/// Marks the current call span as failed, with the kind of failure.
pub(super) fn record_failure(error: &LlmError) {
    let span = Span::current();
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error_type(error));
}

/// The `error.type` of a failure: the HTTP status when there was one, else what went wrong.
fn error_type(error: &LlmError) -> String {
    match error {
        LlmError::RateLimited { .. } => "429".to_owned(),
        LlmError::Http { status, .. } => status.to_string(),
        LlmError::Timeout => "timeout".to_owned(),
        LlmError::Transport(_) => "transport".to_owned(),
        LlmError::InvalidResponse(_) => "invalid_response".to_owned(),
        LlmError::NotConfigured(_) => "not_configured".to_owned(),
        LlmError::Unsupported(_) => "unsupported".to_owned(),
        LlmError::AllFailed { .. } => "all_failed".to_owned(),
        LlmError::BudgetExceeded => "budget_exceeded".to_owned(),
    }
}
