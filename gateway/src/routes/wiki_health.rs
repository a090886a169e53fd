//! `/api/health`: the wiki's Health report (score, open findings and the pages they name),
//! the trend of scores, starting a run, and dismissing or fixing a finding. Not to be confused with `/health`, the
//! process's liveness.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::health::{self, ActionError, HealthReport, RunView};

use super::sources::paging;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(get_report))
        .route("/health/history", get(get_history))
        .route("/health/runs", post(start_run))
        .route("/health/findings/{id}/dismiss", post(dismiss))
        .route("/health/findings/{id}/fix", post(fix))
        .route("/health/findings/{id}/resolve", post(resolve))
}

/// Query of `GET /api/health`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// Show dismissed findings too.
    include_dismissed: Option<bool>,
}

async fn get_report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<HealthReport>> {
    let report = health::report(&state.db, q.include_dismissed.unwrap_or(false)).await?;
    Ok(Json(report))
}

/// Query of `GET /api/health/history`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    limit: Option<i64>,
}

/// `GET /api/health/history`: runs, newest first.
#[derive(Debug, Serialize)]
struct History {
    items: Vec<RunView>,
}

async fn get_history(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<History>> {
    let (limit, _) = paging(q.limit, None)?;
    let items = health::history(&state.db, limit).await?;
    Ok(Json(History { items }))
}

/// `POST /api/health/runs`: queues a run for the workers and answers at once with it (202);
/// while a run already waits, that run is the answer. Progress arrives as `lint.progress`
/// events, the end as `lint.complete`.
async fn start_run(State(state): State<AppState>) -> ApiResult<(StatusCode, Json<RunView>)> {
    let run = health::request(&state.db, "manual").await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// `POST /api/health/findings/{id}/dismiss`.
#[derive(Debug, Serialize)]
struct Dismissed {
    id: uuid::Uuid,
    state: &'static str,
}

async fn dismiss(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Dismissed>> {
    let id = parse_id(&id, "finding")?;
    if !health::dismiss(&state.db, id).await? {
        return Err(ApiError::NotFound(format!("no finding has the id {id}")));
    }
    Ok(Json(Dismissed {
        id,
        state: "dismissed",
    }))
}

/// Query of `POST /api/health/findings/{id}/fix`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixQuery {
    /// The page a merge keeps.
    keep: Option<String>,
}

/// `POST /api/health/findings/{id}/fix`: makes the repair the finding offers (`fix`).
async fn fix(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FixQuery>,
) -> ApiResult<Json<health::Fixed>> {
    let id = parse_id(&id, "finding")?;
    let keep = q
        .keep
        .as_deref()
        .map(|k| parse_id(k, "article"))
        .transpose()?;
    state.llm.refresh_or_keep().await;
    let fixed = health::fix(&state.wiki, state.llm.answers().as_deref(), id, keep)
        .await
        .map_err(action_error)?;
    if let Some(job) = &fixed.job {
        state.hand_over(job).await;
    }
    Ok(Json(fixed))
}

/// Body of `POST /api/health/findings/{id}/resolve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    resolution: health::Resolution,
}

/// `POST /api/health/findings/{id}/resolve`: says which claim of a contradiction holds.
async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> ApiResult<Json<health::Resolved>> {
    let id = parse_id(&id, "finding")?;
    health::resolve(&state.wiki, id, body.resolution)
        .await
        .map(Json)
        .map_err(action_error)
}

/// The answer to an action that did nothing: 404 for no such finding, 409 for one that
/// cannot take it.
fn action_error(e: ActionError) -> ApiError {
    match e {
        ActionError::NotFound(id) => ApiError::NotFound(format!("no finding has the id {id}")),
        ActionError::NotOpen(_)
        | ActionError::NoFix(_)
        | ActionError::NotAContradiction(_)
        | ActionError::PageGone => ApiError::Conflict(e.to_string()),
        ActionError::Db(e) => e.into(),
        ActionError::Wiki(e) => e.into(),
        ActionError::Recompile(e) => e.into(),
        ActionError::Invalid(why) => ApiError::Validation(why.to_owned()),
    }
}
