//! The embedding provider a person chooses on the Settings screen, when the environment names
//! none (`WIKIMIND_EMBEDDINGS__PROVIDER` wins and then nothing here can change it).
//!
//! Only the provider and its model are stored: the base URL and key are those of the LLM
//! provider of the same kind, wherever they come from (the environment or a key saved on the
//! same screen), just as `OPENAI_API_KEY` alone configures OpenAI embeddings.

use crate::config::{
    DEFAULT_MIN_SIMILARITY, EmbeddingProvider, EmbeddingSettings, ProviderSettings, Settings,
};
use crate::db::{self, Db};
use crate::llm::stored::{ChangeError, clean};

/// The chosen provider (`openai`, `ollama`, `google`). Under the providers' prefix, so a change
/// reaches every process the way a changed key does.
const PROVIDER: &str = "llm.embeddings.provider";
const MODEL: &str = "llm.embeddings.model";
/// The variable that makes the embedding settings the environment's.
const ENV_VAR: &str = "WIKIMIND_EMBEDDINGS__PROVIDER";

/// What is stored, whether or not it can be used: what the Settings form starts from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct EmbeddingChoice {
    #[schema(value_type = crate::config::EmbeddingProvider)]
    pub provider: String,
    /// `None`: the provider's default model.
    pub model: Option<String>,
}

/// The stored choice among `rows` (as [`crate::llm::stored::load`] reads them).
pub fn choice(rows: &[(String, String)]) -> Option<EmbeddingChoice> {
    let stored = |name: &str| rows.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Some(EmbeddingChoice {
        provider: stored(PROVIDER)?,
        model: stored(MODEL),
    })
}

/// Why a provider cannot embed with the keys in force; `None` when it can.
fn missing_key(provider: EmbeddingProvider, llm: &ProviderSettings) -> Option<String> {
    match provider {
        EmbeddingProvider::Openai if llm.api_key.is_none() && llm.base_url.is_none() => {
            Some("OpenAI embeddings need an OpenAI key: save one under OpenAI first".to_owned())
        }
        EmbeddingProvider::Google if llm.api_key.is_none() => {
            Some("Gemini embeddings need a Google key: save one under Google first".to_owned())
        }
        _ => None,
    }
}

/// Fills `settings.embeddings` from the stored choice when the environment chose nothing;
/// `settings.llm` must already hold the keys in force. Returns why a stored choice cannot be
/// used (its key was forgotten, say), for the Settings screen to show.
pub(crate) fn apply<'a>(
    settings: &mut Settings,
    stored: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    if settings.embeddings.is_some() {
        return None;
    }
    let raw = stored(PROVIDER)?;
    let Ok(provider) = raw.parse::<EmbeddingProvider>() else {
        return Some(format!("no embedding provider is called {raw:?}"));
    };
    let llm = settings.llm.provider(provider.llm_kind());
    if let Some(problem) = missing_key(provider, llm) {
        return Some(problem);
    }
    settings.embeddings = Some(EmbeddingSettings {
        provider,
        model: stored(MODEL).map_or_else(|| provider.default_model().to_owned(), str::to_owned),
        base_url: llm.base_url.clone(),
        api_key: llm.api_key.clone(),
        dimensions: None,
        min_similarity: DEFAULT_MIN_SIMILARITY,
    });
    None
}

/// A change to the embedding provider: a field left out stays as it is, `Some(None)` removes
/// it (no provider: search is full-text only).
#[derive(Debug, Clone, Default)]
pub struct EmbeddingChange {
    pub provider: Option<Option<String>>,
    pub model: Option<Option<String>>,
}

/// Stores a change; `in_force` are the settings in force now (whose keys a new provider needs).
/// Choosing another provider without naming a model goes back to that provider's default
/// model, since the old one's name means nothing to it.
pub async fn change(
    db: &Db,
    env: &Settings,
    in_force: &Settings,
    change: &EmbeddingChange,
) -> Result<(), ChangeError> {
    if env.embeddings.is_some() {
        return Err(ChangeError::SetInEnvironment(
            "embeddings",
            ENV_VAR.to_owned(),
        ));
    }
    let provider = match &change.provider {
        None => None,
        Some(raw) => Some(match clean("provider", raw.as_deref())? {
            None => None,
            Some(raw) => {
                let provider = raw.parse::<EmbeddingProvider>().map_err(|()| {
                    ChangeError::Invalid(format!(
                        "provider: expected openai, ollama or google, not {raw:?}"
                    ))
                })?;
                if let Some(problem) =
                    missing_key(provider, in_force.llm.provider(provider.llm_kind()))
                {
                    return Err(ChangeError::Invalid(problem));
                }
                Some(provider)
            }
        }),
    };
    let model = match &change.model {
        None => None,
        Some(v) => Some(clean("model", v.as_deref())?),
    };
    let provider_name = provider.map(|p| p.map(EmbeddingProvider::as_str));
    let mut changes: Vec<(&str, Option<&str>)> = Vec::new();
    if let Some(provider) = provider_name {
        changes.push((PROVIDER, provider));
        if model.is_none() {
            changes.push((MODEL, None));
        }
    }
    if let Some(model) = &model {
        changes.push((MODEL, model.as_deref()));
    }
    db::app_settings::change_together(db, &changes).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EnvSource, Secret};

    fn env(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_source(&EnvSource::from_pairs(pairs.iter().copied())).expect("valid")
    }

    fn rows<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    #[test]
    fn a_stored_choice_borrows_the_key_and_address_of_its_llm_provider() {
        let mut s = env(&[("OPENAI_API_KEY", "sk-o")]);
        let problem = apply(&mut s, rows(&[(PROVIDER, "openai")]));
        assert_eq!(problem, None);
        let e = s.embeddings.expect("chosen");
        assert_eq!(e.model, "text-embedding-3-small");
        assert_eq!(e.api_key.as_ref().map(Secret::expose), Some("sk-o"));

        let mut s = env(&[("WIKIMIND_LLM__OLLAMA__BASE_URL", "http://127.0.0.1:9")]);
        apply(
            &mut s,
            rows(&[(PROVIDER, "ollama"), (MODEL, "mxbai-embed-large")]),
        );
        let e = s.embeddings.expect("chosen");
        assert_eq!(e.model, "mxbai-embed-large");
        assert_eq!(e.base_url.as_deref(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn a_choice_without_its_key_says_why_and_the_environment_wins() {
        let mut s = env(&[]);
        let problem = apply(&mut s, rows(&[(PROVIDER, "google")]));
        assert!(problem.expect("a problem").contains("Google key"));
        assert!(s.embeddings.is_none());

        let mut s = env(&[
            ("WIKIMIND_EMBEDDINGS__PROVIDER", "ollama"),
            ("OPENAI_API_KEY", "sk-o"),
        ]);
        assert_eq!(apply(&mut s, rows(&[(PROVIDER, "openai")])), None);
        assert_eq!(
            s.embeddings.expect("from the environment").provider,
            EmbeddingProvider::Ollama
        );
    }
}
