//! The API's error type and its JSON envelope: `{"error": {"code", "message", "request_id"}}`.
//!
//! Libraries return their own `thiserror` enums; handlers convert them here. Internal errors
//! are logged with their cause and shown to clients only as a generic message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::db::DbError;

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
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "an internal error occurred; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        envelope(status, code, &message)
    }
}

/// Renders an error envelope carrying the current request's id.
pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = crate::request_id::current();
    (
        status,
        Json(json!({"error": {"code": code, "message": message, "request_id": request_id}})),
    )
        .into_response()
}
