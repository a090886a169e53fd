//! Read answers served from the [`ReadCache`](shared::read_cache::ReadCache) while the wiki is
//! as it was when they were rendered: one small statement (the wiki's generation; on
//! PostgreSQL shared by the reads that ask at once) in place of the reads and the
//! serialisation behind them. Every process that writes the wiki moves the
//! generation on through the database, so an answer is never served stale.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The JSON answer to `uri`, from the cache when the wiki has not changed since it was
/// rendered, else read by `read` and kept.
pub(crate) async fn json<T, Fut>(
    state: &AppState,
    uri: &Uri,
    read: impl FnOnce() -> Fut,
) -> ApiResult<Response>
where
    T: Serialize,
    Fut: Future<Output = ApiResult<T>>,
{
    json_if(state, uri, "", read, |_| true).await
}

/// As [`json`], filed under `variant` too (what else the answer depends on), and kept only
/// when `keep` says it is the full one (not one made do with while a provider was
/// unavailable).
pub(crate) async fn json_if<T, Fut>(
    state: &AppState,
    uri: &Uri,
    variant: &str,
    read: impl FnOnce() -> Fut,
    keep: impl FnOnce(&T) -> bool,
) -> ApiResult<Response>
where
    T: Serialize,
    Fut: Future<Output = ApiResult<T>>,
{
    let cache = &state.read_cache;
    if !cache.enabled() {
        return Ok(respond(render(&read().await?)?));
    }
    let mut key = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), ToString::to_string);
    if !variant.is_empty() {
        // A request target holds no space, so the variant cannot be mistaken for one.
        key.push(' ');
        key.push_str(variant);
    }
    // Read before the answer: an answer read afterwards is at least this new.
    let generation = state.generation.current().await?;
    if let Some(body) = cache.get(generation, &key) {
        return Ok(respond(body));
    }
    let answer = read().await?;
    let body = render(&answer)?;
    if keep(&answer) {
        cache.put(generation, key, body.clone());
    }
    Ok(respond(body))
}

fn render<T: Serialize>(answer: &T) -> ApiResult<Bytes> {
    serde_json::to_vec(answer)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering an answer: {e}")))
}

fn respond(body: Bytes) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}
