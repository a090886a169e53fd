//! The API's error type and its JSON envelope: `{"error": {"code", "message", "request_id"}}`.
//!
//! Libraries return their own `thiserror` enums; handlers convert them here. Internal errors
//! are logged with their cause and shown to clients only as a generic message.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::db::DbError;
use utoipa::ToSchema;

/// Result of a handler.
pub type ApiResult<T, E = ApiError> = Result<T, E>;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Unavailable(String),
    /// The disk (or the database's) is full: nothing was stored.
    #[error("{0}")]
    InsufficientStorage(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
    /// The language model failed (after retries and fallback).
    #[error("{0}")]
    Upstream(String),
}

impl ApiError {
    /// The HTTP status and the stable machine-readable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::InsufficientStorage(_) => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "llm_failed"),
        }
    }

    /// Shorthand for a missing resource.
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// Maps a database error, naming `what` when the row does not exist:
    /// `db::sources::get(..).await.map_err(ApiError::missing("source"))`.
    pub fn missing(what: &str) -> impl FnOnce(DbError) -> ApiError + '_ {
        move |e| match e {
            DbError::NotFound => ApiError::not_found(what),
            other => other.into(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ApiError::NotFound("not found".to_owned()),
            DbError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            e if e.is_out_of_space() => {
                tracing::error!(error = %e, "the database is out of space");
                ApiError::InsufficientStorage(OUT_OF_SPACE.to_owned())
            }
            e if e.is_unstorable_text() => ApiError::BadRequest(
                "the request holds a NUL character, which no text in WikiMind can hold".to_owned(),
            ),
            e if e.is_read_only() => {
                tracing::error!(error = %e, "the database is read-only");
                ApiError::Unavailable(
                    "the database does not accept changes at the moment (it is read-only); \
                     reading still works"
                        .to_owned(),
                )
            }
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

const OUT_OF_SPACE: &str =
    "the server is out of disk space, so nothing was stored; free some space and try again";

impl From<shared::wiki::WikiError> for ApiError {
    fn from(e: shared::wiki::WikiError) -> Self {
        use shared::wiki::WikiError;
        match e {
            WikiError::Db(e) => e.into(),
            WikiError::Storage(e) => e.into(),
            WikiError::Busy(m) => ApiError::Conflict(m.to_owned()),
        }
    }
}

impl From<shared::backup::BackupError> for ApiError {
    fn from(e: shared::backup::BackupError) -> Self {
        use shared::backup::BackupError;
        match e {
            BackupError::Corrupt(_) => ApiError::Validation(e.to_string()),
            BackupError::NotEmpty(m) => ApiError::Conflict(m),
            // Rows the checksums vouch for but the database refuses (an archive edited and
            // vouched for again, or text one dialect holds and the other cannot): the
            // archive's fault.
            BackupError::Db(e)
                if matches!(
                    e,
                    DbError::Corrupt(_)
                        | DbError::Conflict { .. }
                        | DbError::MissingReference { .. }
                ) || e.is_unstorable_text() =>
            {
                ApiError::Validation(format!("the archive's rows cannot be restored: {e}"))
            }
            BackupError::Db(e) => e.into(),
            BackupError::Io { path, source } => {
                shared::storage::StorageError::Io { path, source }.into()
            }
            BackupError::Storage(e) => e.into(),
        }
    }
}

impl From<shared::ingest::accept::AcceptError> for ApiError {
    fn from(e: shared::ingest::accept::AcceptError) -> Self {
        use shared::ingest::accept::AcceptError;
        match e {
            AcceptError::Invalid(m) => ApiError::Validation(m),
            AcceptError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            AcceptError::Unsupported(m) => ApiError::UnsupportedMediaType(m),
            AcceptError::Conflict(m) => ApiError::Conflict(m),
            AcceptError::Db(e) => e.into(),
            AcceptError::Storage(e) => e.into(),
        }
    }
}

impl From<shared::recompile::RecompileError> for ApiError {
    fn from(e: shared::recompile::RecompileError) -> Self {
        use shared::recompile::RecompileError;
        match e {
            RecompileError::NotFound => ApiError::not_found("source"),
            RecompileError::Busy | RecompileError::Duplicate | RecompileError::NotAUrl => {
                ApiError::Conflict(e.to_string())
            }
            RecompileError::Db(e) => e.into(),
        }
    }
}

impl From<shared::budget::BudgetError> for ApiError {
    fn from(e: shared::budget::BudgetError) -> Self {
        use shared::budget::BudgetError;
        match e {
            BudgetError::Invalid(m) => ApiError::BadRequest(m),
            BudgetError::SetInEnvironment(..) => ApiError::Conflict(e.to_string()),
            BudgetError::Db(e) => e.into(),
        }
    }
}

impl From<shared::llm::stored::ChangeError> for ApiError {
    fn from(e: shared::llm::stored::ChangeError) -> Self {
        use shared::llm::stored::ChangeError;
        match e {
            ChangeError::Invalid(m) => ApiError::BadRequest(m),
            ChangeError::SetInEnvironment(..) => ApiError::Conflict(e.to_string()),
            ChangeError::Secret(e) => ApiError::Internal(e.into()),
            ChangeError::Db(e) => e.into(),
        }
    }
}

impl From<shared::llm::live::LiveError> for ApiError {
    fn from(e: shared::llm::live::LiveError) -> Self {
        use shared::llm::live::LiveError;
        match e {
            // A stored value the providers cannot be built from (it was checked when saved).
            LiveError::Build(e) => ApiError::Internal(e.into()),
            LiveError::Db(e) => e.into(),
            LiveError::Secrets(e) => ApiError::Internal(e.into()),
        }
    }
}

impl From<shared::storage::StorageError> for ApiError {
    fn from(e: shared::storage::StorageError) -> Self {
        if e.is_out_of_space() {
            tracing::error!(error = %e, "the data directory is out of space");
            ApiError::InsufficientStorage(OUT_OF_SPACE.to_owned())
        } else if e.is_not_writable() {
            tracing::error!(error = %e, "the data directory cannot be written");
            ApiError::Unavailable(
                "the data directory cannot be written at the moment; reading still works"
                    .to_owned(),
            )
        } else if e.is_bucket_unavailable() {
            tracing::error!(error = %e, "the bucket holding the files did not answer or refused us");
            ApiError::Unavailable(
                "the file storage cannot be reached, or refuses access, at the moment; try again \
                 shortly"
                    .to_owned(),
            )
        } else {
            ApiError::Internal(anyhow::Error::new(e))
        }
    }
}

impl ApiError {
    /// The status and the envelope of this error for the request `request_id`; an internal
    /// error is logged with its cause here and shown only as a generic message.
    pub fn to_envelope(&self, request_id: Option<String>) -> (StatusCode, ErrorEnvelope) {
        let (status, code) = self.status_and_code();
        let message = match self {
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "an internal error occurred; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        (status, ErrorEnvelope::new(code, message, request_id))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.to_envelope(crate::request_id::current());
        (status, Json(body)).into_response()
    }
}

/// The body of every error the gateway sends.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `validation_failed`, `not_found`, `conflict`, …
    #[schema(example = "not_found")]
    pub code: String,
    pub message: String,
    /// The request's id, also in the `x-request-id` header and the server's log.
    pub request_id: Option<String>,
}

impl ErrorEnvelope {
    pub fn new(code: &str, message: String, request_id: Option<String>) -> Self {
        let error = ErrorDetail {
            code: code.to_owned(),
            message,
            request_id,
        };
        Self { error }
    }
}

/// Renders an error envelope carrying the current request's id.
pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorEnvelope::new(code, message.to_owned(), crate::request_id::current());
    (status, Json(body)).into_response()
}

/// Middleware: an error response not already in the envelope — a rejection by one of axum's own
/// extractors (a path segment that is not UTF-8, a WebSocket handshake without its headers, a
/// form), a `405`, a body the client stopped sending — is rewritten into it, so that every
/// error the gateway sends has the same shape. The text of a server error is never shown.
pub async fn envelope_every_error(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let reason = status.canonical_reason().unwrap_or("error").to_owned();
    let text = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        axum::body::to_bytes(body, 4096),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
    .unwrap_or_default();
    let message = if status.is_server_error() || text.is_empty() {
        reason
    } else {
        text
    };
    let mut out = envelope(status, code_for(status), &message);
    // The new body is plain JSON: headers describing the old one's encoding go with it.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && name != header::CONTENT_ENCODING
        {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// The envelope code of a status no handler chose a code for.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::UPGRADE_REQUIRED => "upgrade_required",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}
