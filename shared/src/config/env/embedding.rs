//! `WIKIMIND_EMBEDDINGS__*`: the embedding provider behind hybrid search.
//!
//! Embeddings are off unless a provider is named. The base URL and key default to those of the
//! LLM provider of the same kind (so `OPENAI_API_KEY` alone is enough for OpenAI), and can be
//! set separately, for example to embed with a local Ollama while answering with Anthropic.

use super::{ConfigError, EnvSource, provider_settings};
use crate::config::{DEFAULT_MIN_SIMILARITY, EmbeddingProvider, EmbeddingSettings};
use crate::llm::ProviderKind;

const PROVIDER: &str = "WIKIMIND_EMBEDDINGS__PROVIDER";
const MODEL: &str = "WIKIMIND_EMBEDDINGS__MODEL";
const BASE_URL: &str = "WIKIMIND_EMBEDDINGS__BASE_URL";
const API_KEY: &str = "WIKIMIND_EMBEDDINGS__API_KEY";
const DIMENSIONS: &str = "WIKIMIND_EMBEDDINGS__DIMENSIONS";
const MIN_SIMILARITY: &str = "WIKIMIND_EMBEDDINGS__MIN_SIMILARITY";

/// Reads the embedding settings; `None` when no provider is named.
pub(super) fn embedding_settings(
    src: &EnvSource,
) -> Result<Option<EmbeddingSettings>, ConfigError> {
    let Some(raw) = src.get(PROVIDER) else {
        return Ok(None);
    };
    let provider: EmbeddingProvider = raw.parse().map_err(|()| ConfigError::Invalid {
        var: PROVIDER,
        value: raw.to_owned(),
        message: "expected openai, ollama or google".to_owned(),
    })?;
    let llm = provider_settings(src, provider.llm_kind())?;
    let base_url = match src.string(BASE_URL) {
        Some(url) => Some(http_url(BASE_URL, url)?),
        None => llm.base_url,
    };
    let api_key = src
        .string(API_KEY)
        .map(crate::config::Secret::new)
        .or(llm.api_key);
    if provider == EmbeddingProvider::Openai && api_key.is_none() && base_url.is_none() {
        return Err(ConfigError::Missing {
            var: API_KEY,
            message:
                "OpenAI embeddings need OPENAI_API_KEY (or a BASE_URL for a compatible server)"
                    .to_owned(),
        });
    }
    if provider == EmbeddingProvider::Google && api_key.is_none() {
        return Err(ConfigError::Missing {
            var: API_KEY,
            message: "Gemini embeddings need GOOGLE_API_KEY".to_owned(),
        });
    }
    let dimensions = src
        .get(DIMENSIONS)
        .map(|_| src.parse::<u32>(DIMENSIONS, 0))
        .transpose()?
        .map(|d| super::positive(DIMENSIONS, d))
        .transpose()?;
    let min_similarity: f32 = src.parse(MIN_SIMILARITY, DEFAULT_MIN_SIMILARITY)?;
    if !(0.0..1.0).contains(&min_similarity) {
        return Err(ConfigError::Invalid {
            var: MIN_SIMILARITY,
            value: min_similarity.to_string(),
            message: "expected a cosine similarity between 0 and 1, such as 0.45".to_owned(),
        });
    }
    Ok(Some(EmbeddingSettings {
        provider,
        model: src
            .string(MODEL)
            .unwrap_or_else(|| provider.default_model().to_owned()),
        base_url,
        api_key,
        dimensions,
        min_similarity,
    }))
}

fn http_url(var: &'static str, raw: String) -> Result<String, ConfigError> {
    match url::Url::parse(&raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(raw),
        Ok(_) => Err(ConfigError::Invalid {
            var,
            value: raw,
            message: "expected an http(s) URL".to_owned(),
        }),
        Err(e) => Err(ConfigError::Invalid {
            var,
            value: raw,
            message: e.to_string(),
        }),
    }
}

impl EmbeddingProvider {
    /// The LLM provider whose base URL and key are reused.
    pub fn llm_kind(self) -> ProviderKind {
        match self {
            EmbeddingProvider::Openai => ProviderKind::Openai,
            EmbeddingProvider::Ollama => ProviderKind::Ollama,
            EmbeddingProvider::Google => ProviderKind::Google,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Option<EmbeddingSettings>, ConfigError> {
        embedding_settings(&EnvSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn off_unless_a_provider_is_named() {
        assert!(read(&[("OPENAI_API_KEY", "k")]).unwrap().is_none());
    }

    #[test]
    fn reuses_the_llm_providers_key_and_url_unless_given_its_own() {
        let s = read(&[(PROVIDER, "OpenAI"), ("OPENAI_API_KEY", "sk")])
            .unwrap()
            .unwrap();
        assert_eq!(s.provider, EmbeddingProvider::Openai);
        assert_eq!(s.model, "text-embedding-3-small");
        assert_eq!(s.api_key.unwrap().expose(), "sk");
        let s = read(&[
            (PROVIDER, "ollama"),
            ("WIKIMIND_LLM__OLLAMA__BASE_URL", "http://llm:11434"),
            (BASE_URL, "http://embed:11434"),
            (MODEL, "mxbai-embed-large"),
            (DIMENSIONS, "512"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(s.base_url.as_deref(), Some("http://embed:11434"));
        assert_eq!(s.model, "mxbai-embed-large");
        assert_eq!(s.dimensions, Some(512));
    }

    #[test]
    fn errors_name_the_variable() {
        let err = read(&[(PROVIDER, "anthropic")]).unwrap_err().to_string();
        assert!(err.contains(PROVIDER), "{err}");
        let err = read(&[(PROVIDER, "google")]).unwrap_err().to_string();
        assert!(err.contains("GOOGLE_API_KEY"), "{err}");
        let err = read(&[(PROVIDER, "ollama"), (MIN_SIMILARITY, "2")])
            .unwrap_err()
            .to_string();
        assert!(err.contains(MIN_SIMILARITY), "{err}");
        let err = read(&[(PROVIDER, "ollama"), (DIMENSIONS, "0")])
            .unwrap_err()
            .to_string();
        assert!(err.contains(DIMENSIONS), "{err}");
    }
}
