//! `/api/health`: the wiki's Health report (score, open findings and the pages they name),
//! the trend of scores, starting a run, and dismissing or fixing a finding. Not to be confused with `/health`, the
//! process's liveness.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::health::{self, ActionError, HealthReport, RunView};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::paging;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report))
        .routes(routes!(get_history))
        .routes(routes!(start_run))
        .routes(routes!(dismiss))
        .routes(routes!(fix))
        .routes(routes!(resolve))
}

/// Query of `GET /api/health`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// Show dismissed findings too.
    include_dismissed: Option<bool>,
}

/// The wiki's Health: its score, the open findings and the pages they name.
#[utoipa::path(get, path = "/health", tag = "wiki health", params(ReportQuery),
    responses((status = 200, description = "The report", body = HealthReport)))]
async fn get_report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<HealthReport>> {
    let report = health::report(&state.db, q.include_dismissed.unwrap_or(false)).await?;
    Ok(Json(report))
}

/// Query of `GET /api/health/history`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// `GET /api/health/history`: runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
struct History {
    items: Vec<RunView>,
}

/// Past Health runs and their scores, newest first.
#[utoipa::path(get, path = "/health/history", tag = "wiki health", params(HistoryQuery),
    responses((status = 200, description = "The runs", body = History)))]
async fn get_history(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<History>> {
    let (limit, _) = paging(q.limit, None)?;
    let items = health::history(&state.db, limit).await?;
    Ok(Json(History { items }))
}

/// Start a Health run.
///
/// The run is queued for the workers and answered at once; while a run already waits, that
/// run is the answer. Progress arrives as `lint.progress` events, the end as `lint.complete`.
#[utoipa::path(post, path = "/health/runs", tag = "wiki health",
    responses((status = 202, description = "The run queued (or the one already waiting)", body = RunView)))]
async fn start_run(State(state): State<AppState>) -> ApiResult<(StatusCode, Json<RunView>)> {
    let run = health::request(&state.db, "manual").await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// `POST /api/health/findings/{id}/dismiss`.
#[derive(Debug, Serialize, ToSchema)]
struct Dismissed {
    id: uuid::Uuid,
    /// Always `dismissed`.
    state: &'static str,
}

/// Dismiss a finding: it is not shown again unless asked for.
#[utoipa::path(post, path = "/health/findings/{id}/dismiss", tag = "wiki health",
    params(super::IdPath),
    responses((status = 200, description = "Dismissed", body = Dismissed)))]
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
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FixQuery {
    /// The page a merge keeps (an article's id).
    #[param(value_type = Option<uuid::Uuid>)]
    keep: Option<String>,
}

/// Make the repair the finding offers (its `fix`).
#[utoipa::path(post, path = "/health/findings/{id}/fix", tag = "wiki health",
    params(super::IdPath, FixQuery),
    responses((status = 200, description = "Repaired (or the job that repairs it queued)", body = health::Fixed)))]
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    resolution: health::Resolution,
}

/// Say which claim of a contradiction holds.
#[utoipa::path(post, path = "/health/findings/{id}/resolve", tag = "wiki health",
    params(super::IdPath), request_body = ResolveBody,
    responses((status = 200, description = "Resolved", body = health::Resolved)))]
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
