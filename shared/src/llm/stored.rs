//! Provider settings a person saves on the Settings screen: API keys (sealed at rest, see
//! [`crate::secrets`]), models and the default provider. The environment wins wherever it sets
//! a value; a stored key is never handed back, only whether one is set.

use serde::Serialize;

use super::ProviderKind;
use crate::config::{Secret, Settings};
use crate::db::{self, Db, DbError};
use crate::secrets::{SecretBox, SecretError};

/// Every stored provider setting starts with this.
pub const PREFIX: &str = "llm.";
const DEFAULT_PROVIDER: &str = "llm.default_provider";
/// Longest key or model name accepted.
const MAX_VALUE_CHARS: usize = 500;

fn key_name(kind: ProviderKind) -> String {
    format!("llm.{}.api_key", kind.as_str())
}

fn model_name(kind: ProviderKind) -> String {
    format!("llm.{}.model", kind.as_str())
}

/// The environment variable a provider's value comes from.
fn env_var(kind: ProviderKind, field: &str) -> String {
    format!(
        "WIKIMIND_LLM__{}__{field}",
        kind.as_str().to_ascii_uppercase()
    )
}

/// Where a provider's key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    None,
    Environment,
    Settings,
    /// Stored, but it does not open with this deployment's secret key.
    Unreadable,
}

/// The settings in force: the environment's, with what is stored where it sets nothing.
#[derive(Debug, Clone)]
pub struct Effective {
    pub settings: Settings,
    /// Per provider (in [`ProviderKind::ALL`] order), where its key comes from.
    pub keys: Vec<(ProviderKind, KeySource)>,
    /// Why the embedding provider chosen in Settings is not in use, when it is not.
    pub embeddings_problem: Option<String>,
}

impl Effective {
    /// Where `kind`'s key comes from.
    pub fn key_source(&self, kind: ProviderKind) -> KeySource {
        self.keys
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(KeySource::None, |(_, s)| *s)
    }
}

/// Overlays the stored `rows` (from [`load`]) on the environment's settings.
pub fn apply(env: &Settings, rows: &[(String, String)], secrets: &SecretBox) -> Effective {
    let stored = |name: &str| {
        rows.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut settings = env.clone();
    let mut keys = Vec::new();
    for &kind in ProviderKind::ALL {
        let p = settings.llm.provider_mut(kind);
        let source = if p.api_key.is_some() {
            KeySource::Environment
        } else {
            let name = key_name(kind);
            match stored(&name).map(|v| secrets.open(&name, v)) {
                None => KeySource::None,
                Some(Ok(key)) => {
                    p.api_key = Some(Secret::new(key));
                    KeySource::Settings
                }
                Some(Err(e)) => {
                    tracing::warn!(provider = kind.as_str(), error = %e, "a stored API key was not used");
                    KeySource::Unreadable
                }
            }
        };
        keys.push((kind, source));
        if p.model.is_none() {
            p.model = stored(&model_name(kind)).map(str::to_owned);
        }
    }
    if settings.llm.default_provider.is_none() {
        settings.llm.default_provider = stored(DEFAULT_PROVIDER).and_then(|v| v.parse().ok());
    }
    // After the keys: a chosen embedding provider uses its LLM provider's key in force.
    let embeddings_problem = crate::embed::stored::apply(&mut settings, stored);
    Effective {
        settings,
        keys,
        embeddings_problem,
    }
}

/// The stored provider settings, as [`apply`] takes them.
pub async fn load(db: &Db) -> Result<Vec<(String, String)>, DbError> {
    db::app_settings::with_prefix(db, PREFIX).await
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is set in the environment ({1}); change it there")]
    SetInEnvironment(&'static str, String),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A change to one provider: a field left out stays as it is, `Some(None)` removes it.
#[derive(Debug, Clone, Default)]
pub struct ProviderChange {
    pub api_key: Option<Option<String>>,
    pub model: Option<Option<String>>,
}

/// A value a person typed: trimmed, one line, not too long; empty means none.
pub(crate) fn clean(field: &str, value: Option<&str>) -> Result<Option<String>, ChangeError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(ChangeError::Invalid(format!(
            "{field}: at most {MAX_VALUE_CHARS} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ChangeError::Invalid(format!(
            "{field}: must be one line without control characters"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// Stores a change to `kind`'s key or model; every part is checked before any is stored.
pub async fn change_provider(
    db: &Db,
    env: &Settings,
    secrets: &SecretBox,
    kind: ProviderKind,
    change: &ProviderChange,
) -> Result<(), ChangeError> {
    if kind == ProviderKind::Offline {
        return Err(ChangeError::Invalid(
            "the offline compiler has no key or model to set".to_owned(),
        ));
    }
    let p = env.llm.provider(kind);
    let key = match &change.api_key {
        None => None,
        Some(_) if p.api_key.is_some() => {
            return Err(ChangeError::SetInEnvironment(
                "api_key",
                env_var(kind, "API_KEY"),
            ));
        }
        Some(v) => Some(clean("api_key", v.as_deref())?),
    };
    let model = match &change.model {
        None => None,
        Some(_) if p.model.is_some() => {
            return Err(ChangeError::SetInEnvironment(
                "model",
                env_var(kind, "MODEL"),
            ));
        }
        Some(v) => Some(clean("model", v.as_deref())?),
    };
    if let Some(key) = key {
        let name = key_name(kind);
        match key {
            Some(key) => db::app_settings::put(db, &name, &secrets.seal(&name, &key)?).await?,
            None => db::app_settings::remove(db, &name).await?,
        }
    }
    if let Some(model) = model {
        let name = model_name(kind);
        match model {
            Some(model) => db::app_settings::put(db, &name, &model).await?,
            None => db::app_settings::remove(db, &name).await?,
        }
    }
    Ok(())
}

/// Stores the provider tried first; `None` goes back to the first configured one.
pub async fn change_default(
    db: &Db,
    env: &Settings,
    default: Option<ProviderKind>,
) -> Result<(), ChangeError> {
    if env.llm.default_provider.is_some() {
        return Err(ChangeError::SetInEnvironment(
            "default_provider",
            "WIKIMIND_LLM__DEFAULT_PROVIDER".to_owned(),
        ));
    }
    match default {
        Some(kind) => db::app_settings::put(db, DEFAULT_PROVIDER, kind.as_str()).await?,
        None => db::app_settings::remove(db, DEFAULT_PROVIDER).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EnvSource;

    fn env(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_source(&EnvSource::from_pairs(pairs.iter().copied())).expect("valid")
    }

    #[test]
    fn stored_values_fill_what_the_environment_leaves_unset() {
        let secrets = SecretBox::from_passphrase("k");
        let rows = vec![
            (
                "llm.anthropic.api_key".to_owned(),
                secrets
                    .seal("llm.anthropic.api_key", "stored-a")
                    .expect("seal"),
            ),
            (
                "llm.openai.api_key".to_owned(),
                secrets
                    .seal("llm.openai.api_key", "stored-o")
                    .expect("seal"),
            ),
            ("llm.openai.model".to_owned(), "gpt-stored".to_owned()),
            (
                "llm.google.api_key".to_owned(),
                SecretBox::from_passphrase("other")
                    .seal("llm.google.api_key", "g")
                    .expect("seal"),
            ),
            ("llm.default_provider".to_owned(), "openai".to_owned()),
        ];
        let e = apply(&env(&[("OPENAI_API_KEY", "from-env")]), &rows, &secrets);
        let llm = &e.settings.llm;
        assert_eq!(
            llm.openai.api_key.as_ref().map(Secret::expose),
            Some("from-env")
        );
        assert_eq!(llm.openai.model.as_deref(), Some("gpt-stored"));
        assert_eq!(
            llm.anthropic.api_key.as_ref().map(Secret::expose),
            Some("stored-a")
        );
        assert_eq!(llm.google.api_key.as_ref().map(Secret::expose), None);
        assert_eq!(llm.default_provider, Some(ProviderKind::Openai));
        assert_eq!(e.key_source(ProviderKind::Openai), KeySource::Environment);
        assert_eq!(e.key_source(ProviderKind::Anthropic), KeySource::Settings);
        assert_eq!(e.key_source(ProviderKind::Google), KeySource::Unreadable);
        assert_eq!(e.key_source(ProviderKind::Ollama), KeySource::None);
        let e = apply(
            &env(&[("WIKIMIND_LLM__DEFAULT_PROVIDER", "anthropic")]),
            &rows,
            &secrets,
        );
        assert_eq!(
            e.settings.llm.default_provider,
            Some(ProviderKind::Anthropic)
        );
    }
}
