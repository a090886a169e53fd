//! The web app, embedded in the binary: hashed assets are cached for a year, asset-looking
//! paths that do not exist get a plain 404, and every other path serves `index.html` so deep
//! links survive a reload. Without a built web app a one-line page says how to build it.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

/// `frontend/dist`, embedded at compile time in release builds (read from disk in debug).
#[derive(Embed)]
#[folder = "../frontend/dist/"]
#[allow_missing = true]
struct Assets;

/// The web app's content security policy: only our own scripts, no plugins, no framing, and
/// network access only to this origin (the API and its WebSocket). Rendered markdown never
/// contains raw HTML, and this is the second line of defence if it ever did.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; form-action 'self'";

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>WikiMind</title></head>\
<body><main><p>The WikiMind web app has not been built: run <code>make web</code> (or <code>make dev</code>) and reload. \
The API is available under <code>/api</code>.</p></main></body></html>";

/// The API reference's policy: the web app's, plus the icon font Redoc inlines as a `data:` URL.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The API reference page (`/api/docs`), built with the web app.
pub fn api_docs() -> Response {
    let html = Assets::get("api-docs.html")
        .map(|f| f.data.into_owned())
        .unwrap_or_else(|| NOT_BUILT.as_bytes().to_vec());
    html_page(html, DOCS_CSP)
}

/// An HTML page of ours, with its security headers.
fn html_page(html: Vec<u8>, csp: &'static str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::CONTENT_SECURITY_POLICY, csp)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "same-origin")
        .body(Body::from(html))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Serves a path of the web app.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api-docs.html" {
        // The reference's page by its file name: the same page as /api/docs, same policy.
        return api_docs();
    }
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
        // A revalidation of an unchanged file (index.html, the favicon) costs no body.
        let unchanged = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        if unchanged {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header(header::ETAG, etag)
                .body(Body::empty())
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        let immutable = path.starts_with("assets/");
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, file.metadata.mimetype())
            .header(header::CACHE_CONTROL, cache)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        // `/index.html` asked for by name is the same page as the fallback, with the same policy.
        if file.metadata.mimetype().starts_with("text/html") {
            response = response
                .header(header::CONTENT_SECURITY_POLICY, CSP)
                .header(header::REFERRER_POLICY, "same-origin");
        }
        return response
            .header(header::ETAG, etag)
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
    html_page(html, CSP)
}
