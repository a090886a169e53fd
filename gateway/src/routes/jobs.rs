//! `/api/jobs`: the history of background work.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::db;
use shared::domain::{Job, JobStatus};

use super::Page;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list_jobs))
        .route("/jobs/{id}", get(get_job))
}

/// Query of `GET /api/jobs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
}

async fn list_jobs(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Job>>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<JobStatus>()
                .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        ),
        None => None,
    };
    let (limit, _) = super::sources::paging(q.limit, None)?;
    let items = db::jobs::list(&state.db, status, limit).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(Json(Page { items, total }))
}

async fn get_job(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    let id = parse_id(&id, "job")?;
    let job = db::jobs::get(&state.db, id)
        .await
        .map_err(ApiError::missing("job"))?;
    Ok(Json(job))
}
