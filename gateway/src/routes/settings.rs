//! `/api/settings`, `/api/settings/budget`, `/api/settings/providers/{kind}`,
//! `/api/settings/llm`, `/api/settings/embeddings`, `/api/providers/{kind}/test` and
//! `/api/costs`: what the Settings screen shows and changes — which LLM providers are
//! configured and in the call chain, their keys (stored sealed, never shown) and models, the
//! default provider, the embedding provider, a real round trip to one of them, the monthly
//! budget (each changed here unless the environment sets it), and this month's spending by
//! provider and by task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
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
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// How long the "test" button waits for a provider.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings))
        .routes(routes!(put_budget))
        .routes(routes!(put_provider))
        .routes(routes!(put_llm))
        .routes(routes!(put_embeddings))
        .routes(routes!(test_provider))
        .routes(routes!(get_costs))
}

/// The `{kind}` of a provider's path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the path's own extractor; this only describes it
struct ProviderPath {
    /// The provider (any other name is a 404).
    kind: ProviderKind,
}

#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
struct ProviderEnv {
    api_key: bool,
    model: bool,
}

/// How search ranks, and how far embedding has got.
#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Serialize, ToSchema)]
struct EmbeddingsView {
    #[schema(value_type = shared::config::EmbeddingProvider)]
    provider: &'static str,
    model: String,
    base_url: Option<String>,
    dimensions: Option<u32>,
    /// Passages still waiting for a vector from this model.
    pending_passages: i64,
}

/// The archives in the backups directory and whether a daily one is written.
#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Serialize, ToSchema)]
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

/// What the Settings screen shows: providers, the call chain, search, budget and backups.
#[utoipa::path(get, path = "/settings", tag = "settings",
    responses((status = 200, description = "The settings", body = SettingsView)))]
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
#[derive(Debug, Deserialize, ToSchema)]
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

/// Set a provider's API key or model.
///
/// The key is stored sealed; the providers in force are rebuilt at once, and the workers take
/// the change before their next job.
#[utoipa::path(put, path = "/settings/providers/{kind}", tag = "settings", params(ProviderPath),
    request_body = ProviderBody,
    responses((status = 200, description = "The settings after the change", body = SettingsView)))]
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
        &state.llm.secrets()?,
        kind,
        &change,
    )
    .await?;
    state.llm.refresh().await?;
    settings_view(&state).await.map(Json)
}

/// Body of `PUT /api/settings/llm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LlmBody {
    /// `null` goes back to the first configured provider.
    #[schema(value_type = Option<ProviderKind>)]
    default_provider: Option<String>,
}

/// Choose the provider tried first.
#[utoipa::path(put, path = "/settings/llm", tag = "settings", request_body = LlmBody,
    responses((status = 200, description = "The settings after the change", body = SettingsView)))]
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmbeddingsBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<shared::config::EmbeddingProvider>)]
    provider: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    model: Option<Option<String>>,
}

/// Choose the embedding provider.
///
/// The wiki's passages are then embedded with it in the background (search stays full-text
/// until some are).
#[utoipa::path(put, path = "/settings/embeddings", tag = "settings", request_body = EmbeddingsBody,
    responses((status = 200, description = "The settings after the change", body = SettingsView)))]
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
#[derive(Debug, Deserialize, ToSchema)]
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

/// Change the monthly budget.
///
/// Jobs that waited for it are queued again when it now allows spending.
#[utoipa::path(put, path = "/settings/budget", tag = "settings", request_body = BudgetBody,
    responses((status = 200, description = "The budget after the change", body = BudgetStatus)))]
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

#[derive(Debug, Serialize, ToSchema)]
struct ProviderTest {
    ok: bool,
    provider: ProviderKind,
    model: String,
    latency_ms: u64,
    error: Option<String>,
}

/// Test a provider with a tiny real call.
///
/// A failure is reported in the body (the test worked; the provider did not), while an unknown
/// or unconfigured provider is a 4xx.
#[utoipa::path(post, path = "/providers/{kind}/test", tag = "settings", params(ProviderPath),
    responses((status = 200, description = "How the round trip went", body = ProviderTest)))]
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
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CostQuery {
    /// `YYYY-MM` (UTC); the current month when absent.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
}

/// A month's spending by provider and by task, against the budget.
#[utoipa::path(get, path = "/costs", tag = "settings", params(CostQuery),
    responses((status = 200, description = "The month's costs", body = MonthCosts)))]
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
