//! The HTTP routes: one module per resource, each exposing `router()`.

pub mod articles;
pub mod ask;
pub mod ask_stream;
pub mod backups;
pub mod export;
pub mod feeds;
pub mod health;
pub mod jobs;
pub mod search;
pub mod session;
pub mod settings;
pub mod sources;
pub mod wiki_health;
pub mod ws;

use axum::Router;
use axum::http::StatusCode;
use serde::Serialize;

use crate::error::envelope;
use crate::state::AppState;

/// One page of a list, and how many items there are in all (for the jobs list, which has no
/// offset, how many it holds).
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: i64,
}

/// Everything under `/api`, with its own JSON 404.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(sources::router())
        .merge(articles::router())
        .merge(feeds::router())
        .merge(ask::router())
        .merge(ask_stream::router())
        .merge(export::router())
        .merge(backups::router())
        .merge(jobs::router())
        .merge(search::router())
        .merge(settings::router())
        .merge(wiki_health::router())
        .merge(ws::router())
        .fallback(|| async { envelope(StatusCode::NOT_FOUND, "not_found", "no such API endpoint") })
}
