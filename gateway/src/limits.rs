//! Request bodies, in one place: the largest body each route accepts, the longest pause while
//! one is sent, and a `413` with the error envelope.
//!
//! A body declared larger than its limit is refused before any handler runs or any of it is
//! read, with `connection: close` (hyper reads what is still in flight so the client gets the
//! answer, not a reset). Bodies without a declared length are cut at the limit as they arrive.
//! Every body is also cut when the client pauses longer than the configured body timeout, so a
//! stalled upload cannot hold a connection.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use shared::config::{IngestSettings, ServerSettings};
use tower_http::timeout::TimeoutBody;

use crate::error::envelope;
use crate::state::AppState;

/// Bodies of requests not listed below (JSON of questions, settings, logins).
const DEFAULT_LIMIT: usize = 2 * 1024 * 1024;
/// A backup archive to restore: it holds every upload and the database, so only the disk
/// bounds it; it is written to disk as it arrives, never held in memory.
const ARCHIVE_LIMIT: usize = 1 << 40;
/// Room for the multipart or JSON framing around a file or text at its own limit.
const FRAMING: usize = 64 * 1024;

/// The largest body each route accepts, and how long a client may pause while sending one.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    upload: usize,
    text: usize,
    pause: Duration,
}

impl BodyLimits {
    /// Limits from the ingest settings: an upload at most `max_upload_bytes`, a text source at
    /// most `max_text_bytes` (doubled: JSON escapes can double a text's size).
    pub fn from_settings(ingest: &IngestSettings, server: &ServerSettings) -> Self {
        Self {
            pause: Duration::from_secs(server.body_timeout_secs),
            upload: ingest.max_upload_bytes.saturating_add(FRAMING),
            text: ingest
                .max_text_bytes
                .saturating_mul(2)
                .saturating_add(FRAMING),
        }
    }

    /// The limit for a request to `path`.
    pub fn for_path(&self, path: &str) -> usize {
        match path {
            "/api/sources/file" | "/api/sources/import" => self.upload,
            // A note added through MCP is a text source in a JSON-RPC envelope.
            "/api/sources/text" | "/mcp" => self.text,
            "/api/backups/restore" => ARCHIVE_LIMIT,
            _ => DEFAULT_LIMIT,
        }
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Middleware: applies the route's body limit, and the pause limit to every body.
pub async fn limit_request_body(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let limits = state.body_limits;
    let limit = limits.for_path(req.uri().path());
    let req = req.map(|body| Body::new(TimeoutBody::new(limits.pause, body)));
    if let Some(declared) = declared_length(req.headers())
        && declared > limit as u64
    {
        let mut response = envelope(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &format!(
                "the request body ({declared} bytes) is larger than the limit of {limit} bytes"
            ),
        );
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_and_texts_have_their_own_limits_and_the_rest_a_small_one() {
        let ingest = IngestSettings {
            allow_private_urls: false,
            max_upload_bytes: 10_000_000,
            max_text_bytes: 1_000,
            max_fetch_bytes: 1,
            fetch_timeout_secs: 1,
            max_redirects: 1,
            max_pdf_pages: 1,
            feed_poll_secs: 3600,
            youtube: Default::default(),
        };
        let server = shared::config::Settings::for_data_dir("/nonexistent").server;
        let limits = BodyLimits::from_settings(&ingest, &server);
        assert_eq!(limits.for_path("/api/sources/file"), 10_000_000 + FRAMING);
        assert_eq!(limits.for_path("/api/sources/text"), 2_000 + FRAMING);
        assert_eq!(limits.for_path("/mcp"), 2_000 + FRAMING);
        assert_eq!(limits.for_path("/api/ask"), DEFAULT_LIMIT);
        assert_eq!(limits.for_path("/api/backups/restore"), ARCHIVE_LIMIT);
    }
}
