//! The typed settings tree: documented defaults, then `.env`, then `WIKIMIND_*` variables.
//!
//! Settings are loaded once at startup by [`Settings::load`] and validated there; every
//! error names the variable that caused it. Secrets are wrapped in [`Secret`] so `Debug`
//! output never shows them.

mod env;
mod secret;

use std::path::PathBuf;

pub use env::{ConfigError, EnvSource};
pub use secret::Secret;

use crate::llm::ProviderKind;

/// Everything WikiMind can be configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Root of `raw/`, `wiki/`, `db/` and `backups/` (`WIKIMIND_DATA_DIR`, default `~/.wikimind`).
    pub data_dir: PathBuf,
    /// The bucket holding `raw/` and `wiki/` instead of the data directory
    /// (`WIKIMIND_STORAGE__URL`); `None` keeps them in the data directory.
    pub bucket: Option<BucketSettings>,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    /// The Redis queue and event bus; `None` selects the SQLite queue and in-process events.
    pub redis: Option<RedisSettings>,
    pub llm: LlmSettings,
    /// The embedding provider for hybrid search; `None` keeps search full-text only.
    pub embeddings: Option<EmbeddingSettings>,
    pub jobs: JobsSettings,
    pub health: HealthSettings,
    pub ingest: IngestSettings,
    pub telemetry: TelemetrySettings,
    pub auth: AuthSettings,
    /// Encrypts what Settings stores at rest (provider keys): `WIKIMIND_SECRET_KEY`, else a
    /// key generated once into the data directory (see [`crate::secrets`]).
    pub secret_key: Option<Secret>,
    /// Write a backup on the first run of each day (`WIKIMIND_BACKUP__DAILY`; on by default
    /// with SQLite, the personal setup, where nothing else backs the wiki up).
    pub daily_backups: bool,
}

/// An S3-compatible bucket for the wiki's files.
#[derive(Debug, Clone)]
pub struct BucketSettings {
    /// `s3://<bucket>`.
    pub url: String,
    /// The key prefix the files live under, without slashes at either end; may be empty.
    pub prefix: String,
    /// The `AWS_*` variables (endpoint, region, credentials), for the S3 client.
    pub options: Vec<(String, Secret)>,
}

/// Where the HTTP server listens, which host names it answers to, and its connection limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Host names (beyond loopback names and IP addresses) that requests may name in `Host`,
    /// lowercase, optionally with a port; `*` allows any (`WIKIMIND_SERVER__ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_connections_per_client: usize,
    /// Time a client has to send a request's headers (and an idle connection is kept).
    pub header_timeout_secs: u64,
    /// Longest pause allowed while a client sends a request body.
    pub body_timeout_secs: u64,
    /// Networks of the reverse proxies in front of the gateway (`WIKIMIND_SERVER__TRUSTED_PROXIES`).
    /// Only a request from one of them may name its client in a forwarding header.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header in which those proxies name the client (lowercase), such as `fly-client-ip`;
    /// `None` reads `X-Forwarded-For` (`WIKIMIND_SERVER__CLIENT_IP_HEADER`).
    pub client_ip_header: Option<String>,
    /// Bytes of rendered read answers (article list and pages, concepts, search) kept for the
    /// wiki as it is now; 0 keeps none (`WIKIMIND_SERVER__READ_CACHE_MB`, default 32).
    pub read_cache_bytes: usize,
}

/// The database connection.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; may hold a password, hence secret.
    pub url: Secret,
    pub max_connections: u32,
}

/// The Redis connection used by the production queue and event bus.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: Secret,
    /// Namespace of every key and channel WikiMind uses, so deployments (and test runs) can
    /// share one Redis server.
    pub prefix: String,
}

impl RedisSettings {
    /// The Redis queue of source jobs.
    pub fn source_queue(&self) -> String {
        format!("{}:source", self.prefix)
    }

    /// The pub/sub channel of live events.
    pub fn events_channel(&self) -> String {
        format!("{}:events", self.prefix)
    }
}

/// Settings of one LLM provider.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    /// `Some(false)` disables a provider even when a key is present.
    pub enabled: Option<bool>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub api_key: Option<Secret>,
}

/// The LLM layer: providers, the default, the fallback chain and limits.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    pub default_provider: Option<ProviderKind>,
    /// Try the other configured providers when the default fails.
    pub fallback: bool,
    /// When every configured provider fails, compile with the offline compiler, mark the
    /// article, and compile it again with the model once a provider answers.
    pub offline_fallback: bool,
    /// A source whose compile is estimated above this waits for a person's go-ahead.
    pub max_cost_per_source_usd: Option<f64>,
    /// How often, while articles wait for the model, the model is asked whether it is back.
    pub fallback_recheck_secs: u64,
    pub anthropic: ProviderSettings,
    pub openai: ProviderSettings,
    pub google: ProviderSettings,
    pub ollama: ProviderSettings,
    pub offline: ProviderSettings,
    /// Per-request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries per provider on 429/5xx/timeouts before falling back.
    pub max_retries: u32,
    /// The monthly spending limit on LLM calls.
    pub budget: BudgetSettings,
}

/// The monthly LLM budget as the environment sets it: each value `None` when the environment
/// leaves it to the Settings screen (see [`crate::budget`] for the budget in force).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetSettings {
    /// US dollars per calendar month (UTC).
    pub monthly_usd: Option<f64>,
    /// Share of the budget at which a warning is raised.
    pub warn_fraction: Option<f64>,
    /// At the limit every model call stops (compiles wait), not only optional ones.
    pub enforce: Option<bool>,
}

impl LlmSettings {
    /// The settings of one provider.
    pub fn provider(&self, kind: ProviderKind) -> &ProviderSettings {
        match kind {
            ProviderKind::Anthropic => &self.anthropic,
            ProviderKind::Openai => &self.openai,
            ProviderKind::Google => &self.google,
            ProviderKind::Ollama => &self.ollama,
            ProviderKind::Offline => &self.offline,
        }
    }

    /// The settings of one provider, to change.
    pub fn provider_mut(&mut self, kind: ProviderKind) -> &mut ProviderSettings {
        match kind {
            ProviderKind::Anthropic => &mut self.anthropic,
            ProviderKind::Openai => &mut self.openai,
            ProviderKind::Google => &mut self.google,
            ProviderKind::Ollama => &mut self.ollama,
            ProviderKind::Offline => &mut self.offline,
        }
    }
}

/// Where passage and question embeddings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum EmbeddingProvider {
    /// `POST {base}/embeddings` (OpenAI and compatible servers).
    Openai,
    /// `POST {base}/api/embed`.
    Ollama,
    /// Gemini `embedContent` / `batchEmbedContents`.
    Google,
}

impl std::str::FromStr for EmbeddingProvider {
    type Err = ();

    /// `openai`, `ollama` or `google`, in any case.
    fn from_str(raw: &str) -> Result<Self, ()> {
        match raw.to_ascii_lowercase().as_str() {
            "openai" => Ok(EmbeddingProvider::Openai),
            "ollama" => Ok(EmbeddingProvider::Ollama),
            "google" => Ok(EmbeddingProvider::Google),
            _ => Err(()),
        }
    }
}

impl EmbeddingProvider {
    /// The provider's name in settings and in the cost log.
    pub fn as_str(self) -> &'static str {
        self.llm_kind().as_str()
    }

    /// The model used when none is configured.
    pub fn default_model(self) -> &'static str {
        match self {
            EmbeddingProvider::Openai => "text-embedding-3-small",
            EmbeddingProvider::Ollama => "nomic-embed-text",
            EmbeddingProvider::Google => "text-embedding-004",
        }
    }
}

/// The similarity above which a passage counts as relevant without sharing words, unless
/// `WIKIMIND_EMBEDDINGS__MIN_SIMILARITY` says otherwise.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.45;

/// The embedding provider behind hybrid search (`WIKIMIND_EMBEDDINGS__*`, or chosen on the
/// Settings screen when the environment names none).
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSettings {
    pub provider: EmbeddingProvider,
    pub model: String,
    /// Defaults to the base URL of the LLM provider of the same kind.
    pub base_url: Option<String>,
    /// Defaults to the key of the LLM provider of the same kind.
    pub api_key: Option<Secret>,
    /// Asks the model for shorter vectors where it supports that (OpenAI `dimensions`,
    /// Gemini `outputDimensionality`).
    pub dimensions: Option<u32>,
    /// Cosine similarity above which a passage counts as relevant to a question even when
    /// it shares few of its words.
    pub min_similarity: f32,
}

/// Background job execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsSettings {
    /// Jobs run at once per worker process.
    pub concurrency: usize,
    /// Attempts per job, including the first, for transient failures.
    pub max_attempts: u32,
    /// Wall-clock limit of one attempt, in seconds.
    pub timeout_secs: u64,
    /// How long a claimed job stays with a worker that stops renewing it (it died or hung)
    /// before another may take it, in seconds.
    pub lease_secs: u64,
}

impl JobsSettings {
    /// [`Self::lease_secs`] as a duration.
    pub fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.lease_secs)
    }
}

/// Health, the wiki's linter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSettings {
    /// How often the workers run Health on their own (one run across all of them); `None`
    /// when only a person starts runs (`WIKIMIND_HEALTH__SCHEDULE`).
    pub schedule: Option<std::time::Duration>,
    /// How often the workers look at URL sources again for changes upstream, with a
    /// conditional GET (`WIKIMIND_HEALTH__SOURCE_POLL`); `None` when they never do.
    pub source_poll: Option<std::time::Duration>,
    /// Whether a source found changed upstream is fetched and compiled again at once, rather
    /// than offered as Health's fix (`WIKIMIND_HEALTH__AUTO_REFRESH`).
    pub auto_refresh: bool,
}

/// Limits and safety settings for ingestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestSettings {
    /// Allow URLs that resolve to loopback, private or link-local addresses (LAN use, tests).
    pub allow_private_urls: bool,
    pub max_upload_bytes: usize,
    pub max_text_bytes: usize,
    /// Largest response body accepted when fetching a URL.
    pub max_fetch_bytes: usize,
    pub fetch_timeout_secs: u64,
    pub max_redirects: usize,
    pub max_pdf_pages: usize,
    /// Seconds between two polls of a feed, unless its subscription says otherwise.
    pub feed_poll_secs: i64,
    pub youtube: YoutubeSettings,
}

/// Where video transcripts come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YoutubeSettings {
    /// The base of YouTube's watch pages and player API (`WIKIMIND_INGEST__YOUTUBE_URL`,
    /// default `https://www.youtube.com`); a video's public links keep pointing at YouTube.
    pub base_url: url::Url,
    /// Caption languages to prefer, in order (`WIKIMIND_INGEST__YOUTUBE_LANGUAGES`, comma
    /// separated); without one the video's own language is read.
    pub languages: Vec<String>,
}

impl Default for YoutubeSettings {
    fn default() -> Self {
        Self {
            base_url: url::Url::parse(crate::ingest::youtube::PUBLIC_BASE).expect("valid URL"),
            languages: Vec::new(),
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Logging and tracing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
}

/// Access control for the HTTP API.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    pub token: Option<Secret>,
    /// Explicitly allow an unauthenticated non-loopback bind.
    pub disabled: bool,
}

impl Settings {
    /// Loads `.env` (if present) and then reads settings from the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is reported by dotenvy on the variable it hit.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError::DotEnv(e.to_string())),
        }
        Self::from_source(&EnvSource::process())
    }

    /// Builds settings from any variable source (the process environment, or a map in tests).
    pub fn from_source(src: &EnvSource) -> Result<Self, ConfigError> {
        env::build(src)
    }

    /// Settings for a data directory with every other value at its default; used by tests.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let mut settings = env::build(&EnvSource::empty())
            .unwrap_or_else(|_| unreachable!("defaults are always valid"));
        settings.database.url = Secret::new(env::default_sqlite_url(&data_dir));
        settings.data_dir = data_dir;
        settings
    }

    /// True when the database URL selects PostgreSQL.
    pub fn uses_postgres(&self) -> bool {
        let url = self.database.url.expose();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }
}
