//! `/api/feeds`: subscriptions to RSS, Atom and JSON feeds. The worker polls them (see
//! `worker::feeds`); here they are added, listed, removed, and made due for a poll now.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::db::{self, feeds::Feed};
use shared::feeds::FeedError;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_feeds, subscribe))
        .routes(routes!(unsubscribe))
        .routes(routes!(poll_now))
}

/// Body of `POST /api/feeds`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    /// The feed's address (RSS, Atom or JSON Feed), or a page that names its feed.
    url: String,
    /// Minutes between polls (hourly when left out).
    poll_minutes: Option<i64>,
}

/// Every subscription.
#[derive(Debug, Serialize, ToSchema)]
struct FeedList {
    items: Vec<Feed>,
    total: usize,
}

/// The answer to removing a subscription.
#[derive(Debug, Serialize, ToSchema)]
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

/// Subscribe to a feed: its new entries become sources as they appear.
#[utoipa::path(post, path = "/feeds", tag = "feeds", request_body = SubscribeBody,
    responses((status = 201, description = "Subscribed", body = Feed)))]
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

/// The feeds subscribed to.
#[utoipa::path(get, path = "/feeds", tag = "feeds",
    responses((status = 200, description = "The subscriptions", body = FeedList)))]
async fn list_feeds(State(state): State<AppState>) -> ApiResult<Json<FeedList>> {
    let items = db::feeds::list(&state.db).await?;
    Ok(Json(FeedList {
        total: items.len(),
        items,
    }))
}

/// Stop following a feed (the sources it brought stay).
#[utoipa::path(delete, path = "/feeds/{id}", tag = "feeds", params(super::IdPath),
    responses((status = 200, description = "Unsubscribed", body = Unsubscribed)))]
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

/// Poll a feed now (a worker reads it within seconds).
#[utoipa::path(post, path = "/feeds/{id}/poll", tag = "feeds", params(super::IdPath),
    responses((status = 202, description = "Due now", body = Feed)))]
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
