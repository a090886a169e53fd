//! `/api/auth/*`: the login page's exchange of the token for an HttpOnly, SameSite=Strict
//! session cookie, logout, and whether the browser needs to log in. Not behind the token check.

use std::time::SystemTime;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{SESSION_COOKIE, constant_time_eq, is_authenticated, signed_session};
use crate::client::ClientAddr;
use crate::error::{ApiResult, envelope};
use crate::extract::ApiJson;
use crate::session::SESSION_MAX_AGE;
use crate::state::AppState;
use crate::throttle::too_many_attempts;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session))
        .routes(routes!(login))
        .routes(routes!(logout))
}

/// Whether this WikiMind asks for a token, and whether the caller has given it.
#[derive(Debug, Serialize, ToSchema)]
struct SessionInfo {
    auth_required: bool,
    authenticated: bool,
}

/// Whether the browser needs to log in.
#[utoipa::path(get, path = "/auth/session", tag = "auth", security(()),
    responses((status = 200, description = "The session", body = SessionInfo)))]
async fn session(State(state): State<AppState>, headers: HeaderMap) -> Json<SessionInfo> {
    let authenticated = match state.settings.auth.token.as_ref() {
        None => true,
        Some(t) => is_authenticated(&headers, t.expose(), &state).await,
    };
    Json(SessionInfo {
        auth_required: state.settings.auth.token.is_some(),
        authenticated,
    })
}

/// Body of `POST /api/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    token: String,
}

/// `Secure` when the browser reached us over HTTPS (directly or through a proxy that says so),
/// so the cookie still works on plain-HTTP loopback.
fn cookie_attributes(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https {
        "; Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Strict"
    }
}

/// Log in: exchange the token for a session cookie.
///
/// Wrong tokens count against the client's address in the failure throttle (shared with bearer
/// guesses), so a guesser waits while the owner, elsewhere, logs in at once.
#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()), request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in: the session cookie is set", body = SessionInfo),
        (status = 401, description = "Not this WikiMind's token", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many wrong tokens from this address; wait", body = crate::error::ErrorEnvelope),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let Some(token) = state.settings.auth.token.as_ref() else {
        let info = SessionInfo {
            auth_required: false,
            authenticated: true,
        };
        return Ok(Json(info).into_response());
    };
    if let Err(wait) = state.throttle.check(client) {
        return Ok(too_many_attempts(wait));
    }
    if !constant_time_eq(body.token.trim().as_bytes(), token.expose().as_bytes()) {
        state.throttle.fail(client);
        return Ok(envelope(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "that token is not the one this WikiMind was started with",
        ));
    }
    state.throttle.succeed(client);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Max-Age={}{}",
        state.session_key.mint(token.expose(), SystemTime::now()),
        SESSION_MAX_AGE.as_secs(),
        cookie_attributes(&headers)
    );
    let mut response = Json(SessionInfo {
        auth_required: true,
        authenticated: true,
    })
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Log out.
///
/// The session's cookie is cleared in the browser and, should a copy of it survive anywhere,
/// refused from now on by every gateway.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(()),
    responses((status = 204, description = "Logged out: the cookie is cleared")))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = state.settings.auth.token.as_ref()
        && let Some(session) = signed_session(&headers, token.expose(), &state.session_key)
    {
        let expires_at = chrono::DateTime::<chrono::Utc>::from(session.expires_at);
        shared::db::sessions::revoke(&state.db, &session.signature, expires_at).await?;
    }
    let cookie = format!(
        "{SESSION_COOKIE}=; Max-Age=0{}",
        cookie_attributes(&headers)
    );
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
