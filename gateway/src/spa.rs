//! The web app, embedded in the binary: hashed assets are cached for a year, asset-looking
//! paths that do not exist get a plain 404, and every other path serves `index.html` so deep
//! links survive a reload. Without a built web app a one-line page says how to build it.

use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

/// `frontend/dist`, embedded at compile time in release builds (read from disk in debug).
#[derive(Embed)]
#[folder = "../frontend/dist/"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>WikiMind</title></head>\
<body><main><p>The WikiMind web app has not been built: run <code>make web</code> (or <code>make dev</code>) and reload. \
The API is available under <code>/api</code>.</p></main></body></html>";

/// Serves a path of the web app.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        let immutable = path.starts_with("assets/");
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return Response::builder()
            .header(header::CONTENT_TYPE, file.metadata.mimetype())
            .header(header::CACHE_CONTROL, cache)
            .header(
                header::ETAG,
                format!("\"{}\"", hex::encode(file.metadata.sha256_hash())),
            )
            .body(Body::from(file.data.into_owned()))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let looks_like_asset = path.starts_with("assets/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    if looks_like_asset {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let html = Assets::get("index.html")
        .map(|f| f.data.into_owned())
        .unwrap_or_else(|| NOT_BUILT.as_bytes().to_vec());
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(html))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
