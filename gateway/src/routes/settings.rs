//! `/api/settings`, `/api/settings/budget`, `/api/settings/providers/{kind}`,
//! `/api/settings/llm`, `/api/settings/embeddings`, `/api/providers/{kind}/test` and
//! `/api/costs`: what the Settings screen shows and changes — which LLM providers are
//! configured and in the call chain, their keys (stored sealed, never shown) and models, the
//! default provider, the embedding provider, a real round trip to one of them, the monthly
//! budget (each changed here unless the environment sets it), and this month's spending by
//! provider and by task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::budget::{BudgetChange, BudgetStatus};
use shared::costs::{CostsError, MonthCosts};
use shared::db;
use shared::embed::stored::EmbeddingChange;
use shared::llm::live::Current;
use shared::llm::setup::{default_model, is_configured, provider_order};
use shared::llm::stored::{self, KeySource, ProviderChange};
use shared::llm::{CompletionRequest, ProviderKind};
use shared::search::Ranking;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// How long the "test" button waits for a provider.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(get_settings))
        .route("/settings/budget", put(put_budget))
        .route("/settings/providers/{kind}", put(put_provider))
        .route("/settings/llm", put(put_llm))
        .route("/settings/embeddings", put(put_embeddings))
        .route("/providers/{kind}/test", post(test_provider))
        .route("/costs", get(get_costs))
}

#[derive(Debug, Serialize)]
struct ProviderView {
    kind: ProviderKind,
    configured: bool,
    in_chain: bool,
    is_default: bool,
    model: String,
    base_url: Option<String>,
    /// Where its API key comes from; the key itself is never returned.
    key: KeySource,
    set_in_environment: ProviderEnv,
}

/// Which of a provider's values the environment sets (they cannot be changed here).
#[derive(Debug, Serialize)]
struct ProviderEnv {
    api_key: bool,
    model: bool,
}

/// How search ranks, and how far embedding has got.
#[derive(Debug, Serialize)]
struct SearchView {
    ranking: Ranking,
    embeddings: Option<EmbeddingsView>,
    /// True when `WIKIMIND_EMBEDDINGS__PROVIDER` chooses the provider (it cannot be changed
    /// here).
    embeddings_set_in_environment: bool,
    /// Why the provider chosen here is not in use (its key was forgotten, say).
    embeddings_problem: Option<String>,
    /// What is chosen here, whether or not it is in use.
    embeddings_choice: Option<shared::embed::stored::EmbeddingChoice>,
}

#[derive(Debug, Serialize)]
struct EmbeddingsView {
    provider: &'static str,
    model: String,
    base_url: Option<String>,
    dimensions: Option<u32>,
    /// Passages still waiting for a vector from this model.
    pending_passages: i64,
}

/// The archives in the backups directory and whether a daily one is written.
#[derive(Debug, Serialize)]
struct BackupsView {
    /// True when a backup is written on the first run of each day.
    daily: bool,
    /// Where the archives are.
    directory: String,
    /// The newest archive.
    last: Option<shared::backup::daily::BackupFile>,
    count: usize,
}

fn backups_view(state: &AppState) -> BackupsView {
    let files = shared::backup::daily::list(&state.storage).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the backups directory could not be read");
        Vec::new()
    });
    BackupsView {
        daily: state.settings.daily_backups,
        directory: shared::backup::daily::directory(&state.storage)
            .display()
            .to_string(),
        count: files.len(),
        last: files.into_iter().next(),
    }
}

#[derive(Debug, Serialize)]
struct SettingsView {
    version: &'static str,
    providers: Vec<ProviderView>,
    default_provider: ProviderKind,
    /// The provider chosen to be tried first (in the environment or here); `None` when the
    /// first with a key leads.
    chosen_default_provider: Option<ProviderKind>,
    /// True when `WIKIMIND_LLM__DEFAULT_PROVIDER` chooses it.
    default_provider_set_in_environment: bool,
    fallback: bool,
    offline_compiler: bool,
    budget: BudgetStatus,
    search: SearchView,
    backups: BackupsView,
    auth_required: bool,
}

async fn search_view(state: &AppState, current: &Current) -> ApiResult<SearchView> {
    let set_in_environment = state.llm.environment().embeddings.is_some();
    let problem = current.effective.embeddings_problem.clone();
    let choice = shared::embed::stored::choice(current.stored_rows());
    let (Some(settings), Some(embedder)) =
        (&current.effective.settings.embeddings, &current.embedder)
    else {
        return Ok(SearchView {
            ranking: Ranking::FullText,
            embeddings: None,
            embeddings_set_in_environment: set_in_environment,
            embeddings_problem: problem,
            embeddings_choice: choice,
        });
    };
    Ok(SearchView {
        ranking: Ranking::Hybrid,
        embeddings: Some(EmbeddingsView {
            provider: settings.provider.as_str(),
            model: settings.model.clone(),
            base_url: settings.base_url.clone(),
            dimensions: settings.dimensions,
            pending_passages: db::vectors::pending_count(&state.db, &embedder.model_id()).await?,
        }),
        embeddings_set_in_environment: set_in_environment,
        embeddings_problem: problem,
        embeddings_choice: choice,
    })
}

async fn get_settings(State(state): State<AppState>) -> ApiResult<Json<SettingsView>> {
    // The screen that mends a setting must open even when the stored ones cannot be used.
    state.llm.refresh_or_keep().await;
    settings_view(&state).await.map(Json)
}

async fn settings_view(state: &AppState) -> ApiResult<SettingsView> {
    let current = state.llm.current();
    let settings = &current.effective.settings;
    let env = state.llm.environment();
    let chain = provider_order(settings);
    let default_provider = chain.first().copied().unwrap_or(ProviderKind::Offline);
    let providers = ProviderKind::ALL
        .iter()
        .map(|&kind| {
            let p = settings.llm.provider(kind);
            ProviderView {
                key: current.effective.key_source(kind),
                set_in_environment: ProviderEnv {
                    api_key: env.llm.provider(kind).api_key.is_some(),
                    model: env.llm.provider(kind).model.is_some(),
                },
                kind,
                // The offline compiler needs nothing: it is always available.
                configured: kind == ProviderKind::Offline || is_configured(kind, p),
                in_chain: chain.contains(&kind),
                is_default: kind == default_provider,
                model: p
                    .model
                    .clone()
                    .unwrap_or_else(|| default_model(kind).to_owned()),
                base_url: p.base_url.clone(),
            }
        })
        .collect();
    Ok(SettingsView {
        version: shared::VERSION,
        providers,
        default_provider,
        chosen_default_provider: settings.llm.default_provider,
        default_provider_set_in_environment: env.llm.default_provider.is_some(),
        fallback: settings.llm.fallback,
        offline_compiler: default_provider == ProviderKind::Offline,
        budget: state.budget.status().await?,
        search: search_view(state, &current).await?,
        backups: backups_view(state),
        auth_required: settings.auth.token.is_some(),
    })
}

/// Body of `PUT /api/settings/providers/{kind}`: a field left out stays as it is; `null` or
/// an empty string removes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderBody {
    #[serde(default, deserialize_with = "present")]
    api_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    model: Option<Option<String>>,
}

fn provider_kind(raw: &str) -> ApiResult<ProviderKind> {
    raw.to_ascii_lowercase()
        .parse::<ProviderKind>()
        .map_err(|_| ApiError::not_found("provider"))
}

/// Stores a provider's key (sealed) or model; the providers in force are rebuilt at once, and
/// the workers take the change before their next job.
async fn put_provider(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    ApiJson(body): ApiJson<ProviderBody>,
) -> ApiResult<Json<SettingsView>> {
    let kind = provider_kind(&kind)?;
    let change = ProviderChange {
        api_key: body.api_key,
        model: body.model,
    };
    stored::change_provider(
        &state.db,
        state.llm.environment(),
        state.llm.secrets(),
        kind,
        &change,
    )
    .await?;
    state.llm.refresh().await?;
    settings_view(&state).await.map(Json)
}

/// Body of `PUT /api/settings/llm`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmBody {
    /// `null` goes back to the first configured provider.
    default_provider: Option<String>,
}

async fn put_llm(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LlmBody>,
) -> ApiResult<Json<SettingsView>> {
    let default = match body.default_provider.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.to_ascii_lowercase()
                .parse::<ProviderKind>()
                .map_err(|_| {
                    ApiError::BadRequest(format!("default_provider: no provider is called {raw:?}"))
                })?,
        ),
    };
    stored::change_default(&state.db, state.llm.environment(), default).await?;
    state.llm.refresh().await?;
    settings_view(&state).await.map(Json)
}

/// Body of `PUT /api/settings/embeddings`: a field left out stays as it is; `null` or an
/// empty string removes it (no provider: search is full-text only).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmbeddingsBody {
    #[serde(default, deserialize_with = "present")]
    provider: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    model: Option<Option<String>>,
}

/// Chooses the embedding provider; the wiki's passages are then embedded with it in the
/// background (search stays full-text until some are).
async fn put_embeddings(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmbeddingsBody>,
) -> ApiResult<Json<SettingsView>> {
    state.llm.refresh_or_keep().await;
    let change = EmbeddingChange {
        provider: body.provider,
        model: body.model,
    };
    shared::embed::stored::change(
        &state.db,
        state.llm.environment(),
        &state.llm.current().effective.settings,
        &change,
    )
    .await?;
    state.llm.refresh().await?;
    let wiki = state.wiki.clone();
    tokio::spawn(async move { wiki.embed_pending().await });
    settings_view(&state).await.map(Json)
}

/// Body of `PUT /api/settings/budget`: a field left out stays as it is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetBody {
    /// `null` removes the budget.
    #[serde(default, deserialize_with = "present")]
    monthly_usd: Option<Option<f64>>,
    warn_fraction: Option<f64>,
    enforce: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Changes the budget; jobs that waited for it are queued again when it now allows spending.
async fn put_budget(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<BudgetBody>,
) -> ApiResult<Json<BudgetStatus>> {
    let change = BudgetChange {
        monthly_usd: body.monthly_usd,
        warn_fraction: body.warn_fraction,
        enforce: body.enforce,
    };
    state.budget.change(&change).await?;
    for (job_id, _) in state.budget.resume_paused().await? {
        let job = db::jobs::get(&state.db, job_id).await?;
        state.hand_over(&job).await;
        if let Some(source_id) = job.source_id
            && let Ok(source) = db::sources::get(&state.db, source_id).await
        {
            state
                .bus
                .publish(shared::events::Event::new(
                    shared::events::EventKind::SourceUpdated {
                        source: Box::new(source),
                    },
                ))
                .await;
        }
    }
    Ok(Json(state.budget.status().await?))
}

#[derive(Debug, Serialize)]
struct ProviderTest {
    ok: bool,
    provider: ProviderKind,
    model: String,
    latency_ms: u64,
    error: Option<String>,
}

/// A tiny real call to one provider: a failure is reported in the body (the test worked; the
/// provider did not), while an unknown or unconfigured provider is a 4xx.
async fn test_provider(
    State(state): State<AppState>,
    Path(kind): Path<String>,
) -> ApiResult<Json<ProviderTest>> {
    let kind = provider_kind(&kind)?;
    if kind == ProviderKind::Offline {
        return Ok(Json(ProviderTest {
            ok: true,
            provider: kind,
            model: default_model(kind).to_owned(),
            latency_ms: 0,
            error: None,
        }));
    }
    let recorder = Arc::new(db::costs::DbCostRecorder::new(state.db.clone()));
    state.llm.refresh().await?;
    let settings = state.llm.settings();
    let router = shared::llm::setup::build_single(&settings, kind, TEST_TIMEOUT, recorder)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{kind} is not configured: set its API key here or in the environment"
            ))
        })?;
    let model = router
        .providers()
        .first()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    let request = CompletionRequest::connectivity_check();
    let started = Instant::now();
    let outcome = router.complete_with(kind, &request).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Json(ProviderTest {
        ok: outcome.is_ok(),
        provider: kind,
        model,
        latency_ms,
        error: outcome.err().map(|e| e.to_string()),
    }))
}

/// Query of `GET /api/costs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CostQuery {
    /// `YYYY-MM` (UTC); the current month when absent.
    month: Option<String>,
}

async fn get_costs(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CostQuery>,
) -> ApiResult<Json<MonthCosts>> {
    let month = q.month.filter(|m| !m.trim().is_empty());
    let costs = shared::costs::month(&state.db, &state.budget, month.as_deref())
        .await
        .map_err(|e| match e {
            CostsError::BadMonth(_) => ApiError::BadRequest(e.to_string()),
            CostsError::Db(e) => e.into(),
        })?;
    Ok(Json(costs))
}
