//! `/api/feeds`: subscriptions to RSS, Atom and JSON feeds. The worker polls them (see
//! `worker::feeds`); here they are added, listed, removed, and made due for a poll now.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::db::{self, feeds::Feed};
use shared::feeds::FeedError;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds", get(list_feeds).post(subscribe))
        .route("/feeds/{id}", axum::routing::delete(unsubscribe))
        .route("/feeds/{id}/poll", post(poll_now))
}

/// Body of `POST /api/feeds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    url: String,
    /// Minutes between polls (hourly when left out).
    poll_minutes: Option<i64>,
}

#[derive(Debug, Serialize)]
struct FeedList {
    items: Vec<Feed>,
    total: usize,
}

#[derive(Debug, Serialize)]
struct Unsubscribed {
    deleted: Uuid,
}

impl From<FeedError> for ApiError {
    fn from(e: FeedError) -> Self {
        match e {
            FeedError::Invalid(m) | FeedError::NotAFeed(m) => ApiError::Validation(m),
            FeedError::AlreadySubscribed => ApiError::Conflict(e.to_string()),
            FeedError::Db(e) => e.into(),
            FeedError::Storage(e) => e.into(),
        }
    }
}

async fn subscribe(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SubscribeBody>,
) -> ApiResult<(StatusCode, Json<Feed>)> {
    let poll_secs = body
        .poll_minutes
        .map_or(state.settings.ingest.feed_poll_secs, |m| {
            m.saturating_mul(60)
        });
    let feed = shared::feeds::subscribe(
        &state.db,
        &body.url,
        poll_secs,
        state.settings.ingest.allow_private_urls,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(feed)))
}

async fn list_feeds(State(state): State<AppState>) -> ApiResult<Json<FeedList>> {
    let items = db::feeds::list(&state.db).await?;
    Ok(Json(FeedList {
        total: items.len(),
        items,
    }))
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Unsubscribed>> {
    let id = parse_id(&id, "feed")?;
    if !db::feeds::delete(&state.db, id).await? {
        return Err(ApiError::not_found("feed"));
    }
    Ok(Json(Unsubscribed { deleted: id }))
}

/// Makes the feed due now; a worker polls it within seconds.
async fn poll_now(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Feed>)> {
    let id = parse_id(&id, "feed")?;
    let feed = db::feeds::due_now(&state.db, id)
        .await
        .map_err(ApiError::missing("feed"))?;
    Ok((StatusCode::ACCEPTED, Json(feed)))
}
