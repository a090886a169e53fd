//! Building the router from settings: which providers are configured, which is the default,
//! and the fallback chain.
//!
//! A provider with an API key (or, for Ollama and OpenAI-compatible servers, a base URL) is
//! configured unless explicitly disabled. With none configured the offline compiler is the
//! default. The offline compiler is never a silent fallback behind an LLM unless
//! `WIKIMIND_LLM__OFFLINE__ENABLED=true`: a person who configured a model should see its
//! failures, not quietly get extractive articles.

use std::sync::Arc;
use std::time::Duration;

use super::offline::OfflineProvider;
use super::{
    AnthropicProvider, CostRecorder, GoogleProvider, LlmError, OllamaProvider, OpenAiProvider,
    Provider, ProviderKind, RetryPolicy, Router,
};
use crate::config::{ProviderSettings, Settings};

/// The model used when none is configured.
pub fn default_model(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => "claude-sonnet-4-5",
        ProviderKind::Openai => "gpt-4o",
        ProviderKind::Google => "gemini-2.5-flash",
        ProviderKind::Ollama => "llama3.2",
        ProviderKind::Offline => super::offline::OFFLINE_MODEL,
    }
}

/// True when the settings give a provider what it needs to run.
pub fn is_configured(kind: ProviderKind, p: &ProviderSettings) -> bool {
    if p.enabled == Some(false) {
        return false;
    }
    match kind {
        ProviderKind::Anthropic | ProviderKind::Google => p.api_key.is_some(),
        ProviderKind::Openai => p.api_key.is_some() || p.base_url.is_some(),
        ProviderKind::Ollama => p.enabled == Some(true) || p.base_url.is_some(),
        ProviderKind::Offline => p.enabled == Some(true),
    }
}

fn build_provider(
    kind: ProviderKind,
    p: &ProviderSettings,
    timeout: Duration,
) -> Result<Arc<dyn Provider>, LlmError> {
    let model = p
        .model
        .clone()
        .unwrap_or_else(|| default_model(kind).to_owned());
    let key = p.api_key.as_ref().map(|k| k.expose().to_owned());
    let base = p.base_url.clone();
    Ok(match kind {
        ProviderKind::Anthropic => Arc::new(AnthropicProvider::new(model, base, key, timeout)?),
        ProviderKind::Openai => Arc::new(OpenAiProvider::new(model, base, key, timeout)?),
        ProviderKind::Google => Arc::new(GoogleProvider::new(model, base, key, timeout)?),
        ProviderKind::Ollama => Arc::new(OllamaProvider::new(model, base, key, timeout)?),
        ProviderKind::Offline => Arc::new(OfflineProvider),
    })
}

/// The providers in call order: the default first, then (with fallback on) the other
/// configured ones.
pub fn provider_order(settings: &Settings) -> Vec<ProviderKind> {
    let llm = &settings.llm;
    let configured: Vec<ProviderKind> = [
        ProviderKind::Anthropic,
        ProviderKind::Openai,
        ProviderKind::Google,
        ProviderKind::Ollama,
    ]
    .into_iter()
    .filter(|k| is_configured(*k, llm.provider(*k)))
    .collect();
    let default = match llm.default_provider {
        Some(ProviderKind::Offline) => ProviderKind::Offline,
        Some(kind) if configured.contains(&kind) => kind,
        _ => configured.first().copied().unwrap_or(ProviderKind::Offline),
    };
    let mut order = vec![default];
    if llm.fallback {
        order.extend(configured.iter().copied().filter(|k| *k != default));
    }
    if default != ProviderKind::Offline && is_configured(ProviderKind::Offline, &llm.offline) {
        order.push(ProviderKind::Offline);
    }
    order
}

/// What compiling a text of `text_len` bytes is estimated to cost with the provider tried
/// first (the router's default price list).
pub fn compile_estimate(settings: &Settings, text_len: usize) -> super::estimate::Estimate {
    let kind = provider_order(settings)
        .first()
        .copied()
        .unwrap_or(ProviderKind::Offline);
    let model = settings
        .llm
        .provider(kind)
        .model
        .clone()
        .unwrap_or_else(|| default_model(kind).to_owned());
    super::estimate::compile(text_len, kind, &model, &super::PricingTable::default())
}

/// Builds the router used for compilation (and later for answers).
pub fn build_router(
    settings: &Settings,
    recorder: Arc<dyn CostRecorder>,
) -> Result<Router, LlmError> {
    let timeout = Duration::from_secs(settings.llm.timeout_secs);
    let providers = provider_order(settings)
        .into_iter()
        .map(|kind| build_provider(kind, settings.llm.provider(kind), timeout))
        .collect::<Result<Vec<_>, _>>()?;
    let retry = RetryPolicy {
        max_retries: settings.llm.max_retries,
        ..RetryPolicy::default()
    };
    Ok(Router::new(providers)
        .with_retry_policy(retry)
        .with_call_timeout(timeout)
        .with_recorder(recorder))
}

/// A router over one configured provider with no retries and no fallback, for checking that
/// the provider answers (the Settings screen's "test" button). `None` when it is not configured.
pub fn build_single(
    settings: &Settings,
    kind: ProviderKind,
    timeout: Duration,
    recorder: Arc<dyn CostRecorder>,
) -> Result<Option<Router>, LlmError> {
    let p = settings.llm.provider(kind);
    if kind != ProviderKind::Offline && !is_configured(kind, p) {
        return Ok(None);
    }
    let provider = build_provider(kind, p, timeout)?;
    Ok(Some(
        Router::new(vec![provider])
            .with_retry_policy(RetryPolicy::none())
            .with_call_timeout(timeout)
            .with_recorder(recorder),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EnvSource;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_source(&EnvSource::from_pairs(pairs.iter().copied()))
            .expect("valid settings")
    }

    #[test]
    fn with_nothing_configured_the_offline_compiler_is_the_default() {
        assert_eq!(provider_order(&settings(&[])), vec![ProviderKind::Offline]);
    }

    #[test]
    fn a_key_enables_a_provider_and_the_default_leads() {
        let s = settings(&[
            ("ANTHROPIC_API_KEY", "a"),
            ("OPENAI_API_KEY", "o"),
            ("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai"),
        ]);
        assert_eq!(
            provider_order(&s),
            vec![ProviderKind::Openai, ProviderKind::Anthropic]
        );
        let s = settings(&[
            ("ANTHROPIC_API_KEY", "a"),
            ("WIKIMIND_LLM__ANTHROPIC__ENABLED", "false"),
        ]);
        assert_eq!(provider_order(&s), vec![ProviderKind::Offline]);
    }

    #[test]
    fn fallback_can_be_turned_off_and_offline_added_explicitly() {
        let s = settings(&[
            ("ANTHROPIC_API_KEY", "a"),
            ("GOOGLE_API_KEY", "g"),
            ("WIKIMIND_LLM__FALLBACK", "false"),
            ("WIKIMIND_LLM__OFFLINE__ENABLED", "true"),
        ]);
        assert_eq!(
            provider_order(&s),
            vec![ProviderKind::Anthropic, ProviderKind::Offline]
        );
    }
}
