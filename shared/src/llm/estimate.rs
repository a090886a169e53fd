//! What compiling a text will cost, before any call: the chunks the worker will send, the
//! tokens in and out, and their price with the configured model. Tokens are counted as about
//! four bytes each, the rule of thumb for English with every provider's tokenizer; the
//! output is bounded by what a compile reply may hold.

use serde::Serialize;

use super::{PricingTable, ProviderKind, Usage};

/// Characters per chunk sent to a model (about 12k tokens, well inside every model's window).
pub const LLM_CHUNK_CHARS: usize = 48_000;
/// The most chunk calls one source may cost; longer texts get proportionally larger chunks.
pub const MAX_CHUNKS: usize = 16;
/// The most tokens one compile reply may hold.
pub const COMPILE_MAX_TOKENS: u32 = 8_192;
/// Tokens of every compile request besides the text: instructions, schema, and the lists of
/// existing pages and concepts.
const PROMPT_OVERHEAD_TOKENS: u64 = 3_000;
const BYTES_PER_TOKEN: u64 = 4;

/// How large the chunks of a text of `text_len` bytes are.
pub fn chunk_chars(text_len: usize) -> usize {
    LLM_CHUNK_CHARS.max(text_len.div_ceil(MAX_CHUNKS))
}

/// The estimated cost of compiling a text.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Estimate {
    pub provider: ProviderKind,
    pub model: String,
    /// Model calls, one per chunk (a repair would add one).
    pub calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// Estimates compiling a text of `text_len` bytes with `provider`'s `model`.
pub fn compile(
    text_len: usize,
    provider: ProviderKind,
    model: &str,
    pricing: &PricingTable,
) -> Estimate {
    let calls = if provider == ProviderKind::Offline {
        1
    } else {
        text_len.div_ceil(chunk_chars(text_len)).max(1)
    };
    let calls_u64 = calls as u64;
    let text_tokens = (text_len as u64).div_ceil(BYTES_PER_TOKEN);
    let input_tokens = text_tokens + PROMPT_OVERHEAD_TOKENS * calls_u64;
    // A reply restates the chunk in a summary, claims and a body: about half its length,
    // never more than a reply may hold.
    let per_call_out = (text_tokens / calls_u64 / 2 + 400).min(u64::from(COMPILE_MAX_TOKENS));
    let output_tokens = per_call_out * calls_u64;
    let usage = Usage {
        input_tokens,
        output_tokens,
    };
    Estimate {
        provider,
        model: model.to_owned(),
        calls: u32::try_from(calls).unwrap_or(u32::MAX),
        input_tokens,
        output_tokens,
        cost_usd: pricing.cost(provider, model, usage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_costs_more_calls_and_tokens_than_a_short_one() {
        let pricing = PricingTable::default();
        let short = compile(4_000, ProviderKind::Openai, "gpt-4o", &pricing);
        assert_eq!(short.calls, 1);
        assert!(short.cost_usd > 0.0);
        let long = compile(400_000, ProviderKind::Openai, "gpt-4o", &pricing);
        assert_eq!(long.calls, 9);
        assert!(long.input_tokens > 100_000);
        assert!(long.cost_usd > 10.0 * short.cost_usd);
        assert!(long.output_tokens <= 9 * u64::from(COMPILE_MAX_TOKENS));
    }

    #[test]
    fn the_offline_compiler_is_free() {
        let e = compile(
            400_000,
            ProviderKind::Offline,
            "offline",
            &PricingTable::default(),
        );
        assert_eq!(e.cost_usd, 0.0);
        assert_eq!(e.calls, 1);
    }

    #[test]
    fn chunks_grow_so_a_source_never_costs_more_than_the_most_calls() {
        let huge: usize = 10_000_000;
        assert!(huge.div_ceil(chunk_chars(huge)) <= MAX_CHUNKS);
    }
}
