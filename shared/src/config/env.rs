//! Reading settings from environment variables, with defaults and errors that name the variable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{
    AuthSettings, BudgetSettings, DatabaseSettings, JobsSettings, LlmSettings, LogFormat,
    ProviderSettings, RedisSettings, Secret, Settings, TelemetrySettings,
};
use crate::llm::ProviderKind;

mod embedding;
mod health;
mod ingest;
mod server;
mod storage;

/// A configuration problem found at startup.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message} (got {value:?})")]
    Invalid {
        var: &'static str,
        value: String,
        message: String,
    },
    #[error("{var} is required: {message}")]
    Missing { var: &'static str, message: String },
    #[error("the .env file could not be read: {0}")]
    DotEnv(String),
}

/// A set of variables to read settings from.
#[derive(Debug, Clone, Default)]
pub struct EnvSource {
    vars: HashMap<String, String>,
}

impl EnvSource {
    /// The current process environment.
    pub fn process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// No variables at all: every setting takes its default.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Explicit variables, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Every set variable whose name starts with `prefix`.
    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.vars
            .iter()
            .filter(move |(k, v)| k.starts_with(prefix) && !v.trim().is_empty())
            .map(|(k, v)| (k.as_str(), v.trim()))
    }

    /// A variable's value; empty values count as unset, as operators expect from `VAR=`.
    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn parse<T: FromStr>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(var) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError::Invalid {
                var,
                value: raw.to_owned(),
                message: e.to_string(),
            }),
        }
    }

    fn flag(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(raw) => parse_bool(raw).ok_or_else(|| ConfigError::Invalid {
                var,
                value: raw.to_owned(),
                message: "expected true or false".to_owned(),
            }),
        }
    }

    fn optional_flag(&self, var: &'static str) -> Result<Option<bool>, ConfigError> {
        self.get(var).map(|_| self.flag(var, false)).transpose()
    }

    fn string(&self, var: &str) -> Option<String> {
        self.get(var).map(str::to_owned)
    }
}

/// `WIKIMIND_LLM__MONTHLY_BUDGET_USD`, `WIKIMIND_LLM__BUDGET_WARN_AT` and
/// `WIKIMIND_LLM__BUDGET_ENFORCE`.
fn budget_settings(src: &EnvSource) -> Result<BudgetSettings, ConfigError> {
    let monthly_usd = optional_usd(src, "WIKIMIND_LLM__MONTHLY_BUDGET_USD")?;
    let warn_fraction = src
        .get("WIKIMIND_LLM__BUDGET_WARN_AT")
        .map(|raw| {
            raw.parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && *v <= 1.0)
                .ok_or_else(|| ConfigError::Invalid {
                    var: "WIKIMIND_LLM__BUDGET_WARN_AT",
                    value: raw.to_owned(),
                    message: "expected a share between 0 and 1, such as 0.8".to_owned(),
                })
        })
        .transpose()?;
    let enforce = src
        .get("WIKIMIND_LLM__BUDGET_ENFORCE")
        .map(|raw| {
            parse_bool(raw).ok_or_else(|| ConfigError::Invalid {
                var: "WIKIMIND_LLM__BUDGET_ENFORCE",
                value: raw.to_owned(),
                message: "expected true or false".to_owned(),
            })
        })
        .transpose()?;
    Ok(BudgetSettings {
        monthly_usd,
        warn_fraction,
        enforce,
    })
}

/// `WIKIMIND_SECRET_KEY`: long enough to be a random key, not a word to guess (it is not
/// stretched).
fn secret_key(src: &EnvSource) -> Result<Option<Secret>, ConfigError> {
    const VAR: &str = "WIKIMIND_SECRET_KEY";
    match src.string(VAR) {
        Some(key) if key.chars().count() < 32 => Err(ConfigError::Invalid {
            var: VAR,
            value: "(hidden)".to_owned(),
            message: "at least 32 characters; make one with `openssl rand -hex 32`".to_owned(),
        }),
        key => Ok(key.map(Secret::new)),
    }
}

/// An amount in US dollars of at least 0, when the variable is set.
fn optional_usd(src: &EnvSource, var: &'static str) -> Result<Option<f64>, ConfigError> {
    src.get(var)
        .map(|raw| {
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| ConfigError::Invalid {
                    var,
                    value: raw.to_owned(),
                    message: "expected an amount in US dollars, such as 20 or 0.5".to_owned(),
                })
        })
        .transpose()
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The SQLite URL used when no database URL is configured.
pub(crate) fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("db").join("wikimind.db").display()
    )
}

fn default_data_dir(src: &EnvSource) -> PathBuf {
    src.get("HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".wikimind")
}

fn expand_home(raw: &str, src: &EnvSource) -> PathBuf {
    match raw.strip_prefix("~/") {
        Some(rest) => default_data_dir(src)
            .parent()
            .map(|home| home.join(rest))
            .unwrap_or_else(|| PathBuf::from(raw)),
        None => PathBuf::from(raw),
    }
}

/// Environment variable names of one provider, kept as static strings so errors can name them.
struct ProviderVars {
    enabled: &'static str,
    model: &'static str,
    base_url: &'static str,
    api_key: &'static str,
    /// The conventional variable outside the WikiMind namespace (`OPENAI_API_KEY`, …).
    vendor_key: Option<&'static str>,
}

fn provider_vars(kind: ProviderKind) -> ProviderVars {
    macro_rules! vars {
        ($p:literal, $vendor:expr) => {
            ProviderVars {
                enabled: concat!("WIKIMIND_LLM__", $p, "__ENABLED"),
                model: concat!("WIKIMIND_LLM__", $p, "__MODEL"),
                base_url: concat!("WIKIMIND_LLM__", $p, "__BASE_URL"),
                api_key: concat!("WIKIMIND_LLM__", $p, "__API_KEY"),
                vendor_key: $vendor,
            }
        };
    }
    match kind {
        ProviderKind::Anthropic => vars!("ANTHROPIC", Some("ANTHROPIC_API_KEY")),
        ProviderKind::Openai => vars!("OPENAI", Some("OPENAI_API_KEY")),
        ProviderKind::Google => vars!("GOOGLE", Some("GOOGLE_API_KEY")),
        ProviderKind::Ollama => vars!("OLLAMA", None),
        ProviderKind::Offline => vars!("OFFLINE", None),
    }
}

fn provider_settings(src: &EnvSource, kind: ProviderKind) -> Result<ProviderSettings, ConfigError> {
    let vars = provider_vars(kind);
    let base_url = src.string(vars.base_url);
    if let Some(raw) = &base_url {
        let parsed = url::Url::parse(raw).map_err(|e| ConfigError::Invalid {
            var: vars.base_url,
            value: raw.clone(),
            message: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid {
                var: vars.base_url,
                value: raw.clone(),
                message: "expected an http(s) URL".to_owned(),
            });
        }
    }
    let api_key = src
        .string(vars.api_key)
        .or_else(|| vars.vendor_key.and_then(|v| src.string(v)))
        .map(Secret::new);
    Ok(ProviderSettings {
        enabled: src.optional_flag(vars.enabled)?,
        model: src.string(vars.model),
        base_url,
        api_key,
    })
}

fn positive<T: PartialOrd + Default + Copy + std::fmt::Display>(
    var: &'static str,
    value: T,
) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            var,
            value: value.to_string(),
            message: "must be greater than zero".to_owned(),
        })
    }
}

fn at_least(var: &'static str, value: u64, min: u64) -> Result<u64, ConfigError> {
    if value >= min {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            var,
            value: value.to_string(),
            message: format!("must be at least {min}"),
        })
    }
}

/// Builds and validates the settings tree from a variable source.
pub(crate) fn build(src: &EnvSource) -> Result<Settings, ConfigError> {
    let data_dir = src
        .get("WIKIMIND_DATA_DIR")
        .map(|raw| expand_home(raw, src))
        .unwrap_or_else(|| default_data_dir(src));

    let server = server::server_settings(src)?;

    let db_var = if src.get("WIKIMIND_DATABASE_URL").is_some() {
        Some("WIKIMIND_DATABASE_URL")
    } else if src.get("DATABASE_URL").is_some() {
        Some("DATABASE_URL")
    } else {
        None
    };
    let db_url = match db_var {
        Some(var) => {
            let raw = src.get(var).unwrap_or_default().to_owned();
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| raw.starts_with(p)) {
                return Err(ConfigError::Invalid {
                    var,
                    value: "<redacted>".to_owned(),
                    message: "expected a sqlite: or postgres:// URL".to_owned(),
                });
            }
            raw
        }
        None => default_sqlite_url(&data_dir),
    };
    // The personal setup (SQLite) has nothing else backing it up.
    let daily_backups = src.flag("WIKIMIND_BACKUP__DAILY", db_url.starts_with("sqlite:"))?;
    let max_connections = positive(
        "WIKIMIND_DATABASE__MAX_CONNECTIONS",
        src.parse("WIKIMIND_DATABASE__MAX_CONNECTIONS", 10u32)?,
    )?;

    let redis_prefix = src
        .string("WIKIMIND_REDIS__PREFIX")
        .unwrap_or_else(|| "wikimind".to_owned());
    if redis_prefix.is_empty()
        || !redis_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ConfigError::Invalid {
            var: "WIKIMIND_REDIS__PREFIX",
            value: redis_prefix,
            message: "expected letters, digits, '-', '_' or '.'".to_owned(),
        });
    }
    let redis = src
        .string("WIKIMIND_REDIS_URL")
        .or_else(|| src.string("REDIS_URL"))
        .map(|url| {
            if url.starts_with("redis://") || url.starts_with("rediss://") {
                Ok(RedisSettings {
                    url: Secret::new(url),
                    prefix: redis_prefix.clone(),
                })
            } else {
                Err(ConfigError::Invalid {
                    var: "WIKIMIND_REDIS_URL",
                    value: "<redacted>".to_owned(),
                    message: "expected a redis:// URL".to_owned(),
                })
            }
        })
        .transpose()?;

    let llm = LlmSettings {
        default_provider: src
            .get("WIKIMIND_LLM__DEFAULT_PROVIDER")
            .map(|raw| {
                raw.to_ascii_lowercase()
                    .parse::<ProviderKind>()
                    .map_err(|_| ConfigError::Invalid {
                        var: "WIKIMIND_LLM__DEFAULT_PROVIDER",
                        value: raw.to_owned(),
                        message: "expected one of anthropic, openai, google, ollama, offline"
                            .to_owned(),
                    })
            })
            .transpose()?,
        fallback: src.flag("WIKIMIND_LLM__FALLBACK", true)?,
        offline_fallback: src.flag("WIKIMIND_LLM__OFFLINE_FALLBACK", true)?,
        max_cost_per_source_usd: optional_usd(src, "WIKIMIND_LLM__MAX_COST_PER_SOURCE_USD")?,
        anthropic: provider_settings(src, ProviderKind::Anthropic)?,
        openai: provider_settings(src, ProviderKind::Openai)?,
        google: provider_settings(src, ProviderKind::Google)?,
        ollama: provider_settings(src, ProviderKind::Ollama)?,
        offline: provider_settings(src, ProviderKind::Offline)?,
        timeout_secs: positive(
            "WIKIMIND_LLM__TIMEOUT_SECS",
            src.parse("WIKIMIND_LLM__TIMEOUT_SECS", 120u64)?,
        )?,
        max_retries: src.parse("WIKIMIND_LLM__MAX_RETRIES", 3u32)?,
        fallback_recheck_secs: positive(
            "WIKIMIND_LLM__FALLBACK_RECHECK_SECS",
            src.parse("WIKIMIND_LLM__FALLBACK_RECHECK_SECS", 300u64)?,
        )?,
        budget: budget_settings(src)?,
    };

    let jobs = JobsSettings {
        concurrency: positive(
            "WIKIMIND_JOBS__CONCURRENCY",
            src.parse("WIKIMIND_JOBS__CONCURRENCY", 4usize)?,
        )?,
        max_attempts: positive(
            "WIKIMIND_JOBS__MAX_ATTEMPTS",
            src.parse("WIKIMIND_JOBS__MAX_ATTEMPTS", 3u32)?,
        )?,
        timeout_secs: positive(
            "WIKIMIND_JOBS__TIMEOUT_SECS",
            src.parse("WIKIMIND_JOBS__TIMEOUT_SECS", 900u64)?,
        )?,
        // Renewed every third of it; under 3 s a renewal could miss its own deadline.
        lease_secs: src
            .parse("WIKIMIND_JOBS__LEASE_SECS", 30u64)
            .and_then(|v| at_least("WIKIMIND_JOBS__LEASE_SECS", v, 3))?,
    };

    let ingest = ingest::ingest_settings(src)?;

    let log_format = match src.get("WIKIMIND_LOG_FORMAT").map(str::to_ascii_lowercase) {
        None => LogFormat::Pretty,
        Some(v) if v == "pretty" => LogFormat::Pretty,
        Some(v) if v == "json" => LogFormat::Json,
        Some(v) => {
            return Err(ConfigError::Invalid {
                var: "WIKIMIND_LOG_FORMAT",
                value: v,
                message: "expected pretty or json".to_owned(),
            });
        }
    };

    let auth = AuthSettings {
        token: src.string("WIKIMIND_AUTH_TOKEN").map(Secret::new),
        disabled: src.flag("WIKIMIND_AUTH__DISABLED", false)?,
    };

    Ok(Settings {
        data_dir,
        bucket: storage::bucket_settings(src)?,
        server,
        database: DatabaseSettings {
            url: Secret::new(db_url),
            max_connections,
        },
        redis,
        llm,
        embeddings: embedding::embedding_settings(src)?,
        jobs,
        health: health::health_settings(src)?,
        ingest,
        telemetry: TelemetrySettings { log_format },
        secret_key: secret_key(src)?,
        auth,
        daily_backups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        build(&EnvSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn a_secret_key_must_be_long_and_is_never_echoed() {
        let err = load(&[("WIKIMIND_SECRET_KEY", "short-word")]).expect_err("short");
        assert!(err.to_string().contains("WIKIMIND_SECRET_KEY"), "{err}");
        assert!(!err.to_string().contains("short-word"), "{err}");
        let s = load(&[("WIKIMIND_SECRET_KEY", &"k".repeat(32))]).expect("long enough");
        assert!(s.secret_key.is_some());
    }

    #[test]
    fn defaults_use_sqlite_in_the_home_data_dir() {
        let s = load(&[("HOME", "/home/ada")]).expect("defaults are valid");
        assert_eq!(s.data_dir, PathBuf::from("/home/ada/.wikimind"));
        assert_eq!(s.server.host, "127.0.0.1");
        assert_eq!(s.server.port, 7842);
        assert_eq!(
            s.database.url.expose(),
            "sqlite:///home/ada/.wikimind/db/wikimind.db?mode=rwc"
        );
        assert!(s.redis.is_none());
        assert_eq!(s.jobs.concurrency, 4);
        assert_eq!(s.telemetry.log_format, LogFormat::Pretty);
    }

    #[test]
    fn wikimind_database_url_wins_over_database_url() {
        let s = load(&[
            ("WIKIMIND_DATABASE_URL", "postgres://a@h/db1"),
            ("DATABASE_URL", "postgres://b@h/db2"),
        ])
        .expect("valid");
        assert_eq!(s.database.url.expose(), "postgres://a@h/db1");
        let s = load(&[("DATABASE_URL", "postgres://b@h/db2")]).expect("valid");
        assert!(s.uses_postgres());
    }

    #[test]
    fn redis_url_falls_back_to_the_conventional_name() {
        let s = load(&[("REDIS_URL", "redis://127.0.0.1:6379")]).expect("valid");
        assert_eq!(
            s.redis.map(|r| r.url.expose().to_owned()).as_deref(),
            Some("redis://127.0.0.1:6379")
        );
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let err = load(&[("WIKIMIND_SERVER__PORT", "http")]).expect_err("invalid port");
        assert!(err.to_string().contains("WIKIMIND_SERVER__PORT"), "{err}");
        let err = load(&[("WIKIMIND_JOBS__CONCURRENCY", "0")]).expect_err("zero");
        assert!(
            err.to_string().contains("WIKIMIND_JOBS__CONCURRENCY"),
            "{err}"
        );
        let err = load(&[("WIKIMIND_LOG_FORMAT", "xml")]).expect_err("format");
        assert!(err.to_string().contains("WIKIMIND_LOG_FORMAT"), "{err}");
        let err = load(&[("WIKIMIND_LLM__DEFAULT_PROVIDER", "skynet")]).expect_err("provider");
        assert!(
            err.to_string().contains("WIKIMIND_LLM__DEFAULT_PROVIDER"),
            "{err}"
        );
        let err = load(&[("WIKIMIND_LLM__OPENAI__BASE_URL", "not a url")]).expect_err("url");
        assert!(
            err.to_string().contains("WIKIMIND_LLM__OPENAI__BASE_URL"),
            "{err}"
        );
        let err = load(&[("DATABASE_URL", "mysql://x")]).expect_err("db");
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn vendor_api_keys_configure_providers() {
        let s = load(&[
            ("OPENAI_API_KEY", "sk-1"),
            ("WIKIMIND_LLM__OPENAI__BASE_URL", "http://127.0.0.1:9/v1"),
            ("WIKIMIND_LLM__DEFAULT_PROVIDER", "OpenAI"),
        ])
        .expect("valid");
        assert_eq!(s.llm.default_provider, Some(ProviderKind::Openai));
        assert_eq!(
            s.llm.openai.api_key.as_ref().map(Secret::expose),
            Some("sk-1")
        );
        assert!(!format!("{s:?}").contains("sk-1"), "secrets are redacted");
    }

    #[test]
    fn the_budget_is_an_amount_with_a_warning_share() {
        let s = load(&[]).expect("defaults");
        assert_eq!(
            s.llm.budget,
            BudgetSettings::default(),
            "all left to Settings"
        );
        let s = load(&[("WIKIMIND_LLM__MONTHLY_BUDGET_USD", "7.5")]).expect("valid");
        assert_eq!(s.llm.budget.monthly_usd, Some(7.5));
        for bad in ["-1", "ten", "NaN"] {
            let err = load(&[("WIKIMIND_LLM__MONTHLY_BUDGET_USD", bad)]).expect_err(bad);
            assert!(err.to_string().contains("MONTHLY_BUDGET_USD"), "{err}");
        }
        let err = load(&[("WIKIMIND_LLM__BUDGET_WARN_AT", "1.5")]).expect_err("share");
        assert!(err.to_string().contains("BUDGET_WARN_AT"), "{err}");
        let s = load(&[
            ("WIKIMIND_LLM__BUDGET_WARN_AT", "0.5"),
            ("WIKIMIND_LLM__BUDGET_ENFORCE", "true"),
        ])
        .expect("valid");
        assert_eq!(s.llm.budget.warn_fraction, Some(0.5));
        assert_eq!(s.llm.budget.enforce, Some(true));
        let err = load(&[("WIKIMIND_LLM__BUDGET_ENFORCE", "maybe")]).expect_err("bool");
        assert!(err.to_string().contains("BUDGET_ENFORCE"), "{err}");
    }
}
