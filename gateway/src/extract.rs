//! Request extractors whose rejections use the JSON error envelope.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json`, rejecting with the envelope: 400 for malformed JSON, 422 for a body of the
/// wrong shape (missing or unknown fields), 413 for an oversized body, 415 without a JSON
/// content type.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            ApiError::Validation(format!("invalid request body: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::BadRequest(format!("malformed JSON: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "expected a JSON body with Content-Type: application/json".to_owned(),
        ),
        other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is larger than the limit".to_owned())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// `axum::extract::Query`, rejecting with the envelope (400).
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::BadRequest(
                format!("invalid query: {}", e.body_text()),
            )),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// A path id: a UUID read as the id type the handler needs (`SourceId`, `JobId` …), 400 otherwise.
pub fn parse_id<Id: std::str::FromStr>(raw: &str, what: &str) -> Result<Id, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::BadRequest(format!("{what} id {raw:?} is not a valid id")))
}

/// Middleware: an address holding a NUL character (`%00`, in its path or its query) is refused
/// with a 400 before any handler reads it. No id, slug, name or search in WikiMind can hold one,
/// and PostgreSQL refuses to compare text with one, so letting it through would turn a wrong
/// request into a server error on that backend only.
pub async fn refuse_nul_in_address(req: Request, next: Next) -> Response {
    // `%00` is the only way a URI carries NUL: a raw one is not a valid URI byte.
    if req
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .contains("%00")
    {
        return ApiError::BadRequest(
            "the address holds a NUL character (%00), which no id, name or search can hold"
                .to_owned(),
        )
        .into_response();
    }
    next.run(req).await
}
