//! `/api/jobs`: the history of background work.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use shared::db;
use shared::domain::{Direction, Job, JobSort, JobStatus};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Page;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(get_job))
}

/// Query of `GET /api/jobs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only jobs in this state.
    #[param(value_type = Option<JobStatus>)]
    status: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// Default `created`.
    #[param(value_type = Option<JobSort>)]
    sort: Option<String>,
    /// Default: newest first for times, A to Z for states.
    #[param(value_type = Option<Direction>)]
    order: Option<String>,
}

/// Jobs, newest first unless another order is asked for.
///
/// A page at a time; `total` counts every job the filter matches, not only the page's.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(ListQuery),
    responses((status = 200, description = "The jobs", body = Page<Job>)))]
async fn list_jobs(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Job>>> {
    let status = super::known::<JobStatus>(q.status.as_deref())?;
    let order = super::list_order::<JobSort>(q.sort.as_deref(), q.order.as_deref())?;
    let (limit, offset) = super::paging(q.limit, q.offset)?;
    let (items, total) = db::jobs::list(&state.db, status, order, limit, offset).await?;
    Ok(Json(Page { items, total }))
}

/// One job.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", params(super::IdPath),
    responses((status = 200, description = "The job", body = Job)))]
async fn get_job(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    let id = parse_id(&id, "job")?;
    let job = db::jobs::get(&state.db, id)
        .await
        .map_err(ApiError::missing("job"))?;
    Ok(Json(job))
}
