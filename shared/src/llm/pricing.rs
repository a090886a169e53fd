//! Prices in USD per million tokens, matched by provider and longest model-name
//! prefix (so `claude-haiku-4-5-20251001` prices as `claude-haiku-4-5`, and
//! `gpt-4o-mini` beats `gpt-4o`). Unknown models, Ollama and the offline compiler
//! cost 0. Settings can override or add entries.

use serde::{Deserialize, Serialize};

use super::{ProviderKind, Usage};

/// One price line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub provider: ProviderKind,
    /// Matches every model whose name starts with this (an empty prefix matches all).
    pub model_prefix: String,
    pub input_per_m: f64,
    pub output_per_m: f64,
}

/// The price list used to cost every call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingTable {
    entries: Vec<Price>,
}

/// Built-in prices: (provider, model prefix, input, output) in USD per 1M tokens.
const DEFAULT_PRICES: &[(ProviderKind, &str, f64, f64)] = &[
    (ProviderKind::Anthropic, "claude-sonnet-4-5", 3.0, 15.0),
    (ProviderKind::Anthropic, "claude-haiku-4-5", 0.8, 4.0),
    (ProviderKind::Openai, "gpt-4o", 2.5, 10.0),
    (ProviderKind::Openai, "gpt-4o-mini", 0.15, 0.6),
    (ProviderKind::Openai, "gpt-4.1", 2.0, 8.0),
    (ProviderKind::Openai, "gpt-4.1-mini", 0.4, 1.6),
    (ProviderKind::Google, "gemini-2.0-flash", 0.1, 0.4),
    (ProviderKind::Google, "gemini-2.5-flash", 0.3, 2.5),
    (ProviderKind::Google, "gemini-2.5-pro", 1.25, 10.0),
    // Embedding models (input only).
    (ProviderKind::Openai, "text-embedding-3-small", 0.02, 0.0),
    (ProviderKind::Openai, "text-embedding-3-large", 0.13, 0.0),
    (ProviderKind::Openai, "text-embedding-ada-002", 0.1, 0.0),
    (ProviderKind::Google, "gemini-embedding-001", 0.15, 0.0),
];

impl Default for PricingTable {
    fn default() -> Self {
        let entries = DEFAULT_PRICES
            .iter()
            .map(|&(provider, prefix, input, output)| Price {
                provider,
                model_prefix: prefix.to_owned(),
                input_per_m: input,
                output_per_m: output,
            })
            .collect();
        Self { entries }
    }
}

impl PricingTable {
    /// A table with no prices at all (everything costs 0).
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Sets the price for a provider and model prefix, replacing an existing line
    /// with the same prefix.
    pub fn with_override(
        mut self,
        provider: ProviderKind,
        model_prefix: impl Into<String>,
        input_per_m: f64,
        output_per_m: f64,
    ) -> Self {
        let model_prefix = model_prefix.into();
        self.entries
            .retain(|p| !(p.provider == provider && p.model_prefix == model_prefix));
        self.entries.push(Price {
            provider,
            model_prefix,
            input_per_m,
            output_per_m,
        });
        self
    }

    /// All lines, for display in settings.
    pub fn entries(&self) -> &[Price] {
        &self.entries
    }

    /// The line that prices `model`, if any (longest matching prefix wins).
    pub fn price(&self, provider: ProviderKind, model: &str) -> Option<&Price> {
        // Gemini model names may arrive as `models/gemini-…`.
        let model = model.strip_prefix("models/").unwrap_or(model);
        self.entries
            .iter()
            .filter(|p| p.provider == provider && model.starts_with(&p.model_prefix))
            .max_by_key(|p| p.model_prefix.len())
    }

    /// The cost in USD of one call; 0 for models without a price.
    pub fn cost(&self, provider: ProviderKind, model: &str, usage: Usage) -> f64 {
        self.price(provider, model).map_or(0.0, |p| {
            (usage.input_tokens as f64 * p.input_per_m
                + usage.output_tokens as f64 * p.output_per_m)
                / 1_000_000.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let t = PricingTable::default();
        let million = usage(1_000_000, 1_000_000);
        assert_eq!(
            t.cost(ProviderKind::Openai, "gpt-4o-mini-2024-07-18", million),
            0.75
        );
        assert_eq!(t.cost(ProviderKind::Openai, "gpt-4o", million), 12.5);
        assert_eq!(t.cost(ProviderKind::Openai, "gpt-4.1-mini", million), 2.0);
        assert_eq!(
            t.cost(
                ProviderKind::Anthropic,
                "claude-haiku-4-5-20251001",
                million
            ),
            4.8
        );
        assert_eq!(
            t.cost(ProviderKind::Google, "models/gemini-2.5-pro", million),
            11.25
        );
    }

    #[test]
    fn unknown_local_and_offline_models_are_free() {
        let t = PricingTable::default();
        assert_eq!(
            t.cost(ProviderKind::Openai, "llama-3-70b", usage(10, 10)),
            0.0
        );
        assert_eq!(t.cost(ProviderKind::Ollama, "llama3.2", usage(10, 10)), 0.0);
        assert_eq!(t.cost(ProviderKind::Offline, "offline", usage(10, 10)), 0.0);
        // Prices are per provider: an Anthropic model name sent through OpenAI is unknown.
        assert_eq!(
            t.cost(ProviderKind::Openai, "claude-sonnet-4-5", usage(10, 10)),
            0.0
        );
    }

    #[test]
    fn overrides_replace_and_add() {
        let t = PricingTable::default()
            .with_override(ProviderKind::Openai, "gpt-4o", 1.0, 1.0)
            .with_override(ProviderKind::Ollama, "", 0.5, 0.5);
        assert_eq!(
            t.cost(ProviderKind::Openai, "gpt-4o", usage(1_000_000, 0)),
            1.0
        );
        assert_eq!(
            t.cost(ProviderKind::Ollama, "anything", usage(2_000_000, 0)),
            1.0
        );
        assert_eq!(t.entries().len(), DEFAULT_PRICES.len() + 1);
    }
}
