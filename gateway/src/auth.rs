//! Protection of `/api/*`, `/mcp` and `/metrics` when `WIKIMIND_AUTH_TOKEN` is set — a bearer header, or the session
//! cookie the login page obtains (which is how the browser's WebSocket authenticates) — and the
//! rule that a gateway reachable from other machines must have a token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use std::time::SystemTime;

use shared::config::Settings;

use crate::client::ClientAddr;
use crate::error::envelope;
use crate::session::{Session, SessionKey};
use crate::state::AppState;
use crate::throttle::too_many_attempts;

/// True when `host` only accepts connections from this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Name of the session cookie set by `POST /api/auth/login`.
pub const SESSION_COOKIE: &str = "wikimind_session";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// True when the request carries the token in its bearer header.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes()))
}

/// The session of the request's cookie, when it is validly signed for `token` and unexpired.
pub fn signed_session(headers: &HeaderMap, token: &str, key: &SessionKey) -> Option<Session> {
    cookie(headers, SESSION_COOKIE).and_then(|c| key.verify(c, token, SystemTime::now()))
}

/// True when the request carries the token (bearer header) or the cookie of a session that
/// is signed, unexpired and not ended by a logout. A database that cannot say refuses.
pub async fn is_authenticated(headers: &HeaderMap, token: &str, state: &AppState) -> bool {
    if bearer_matches(headers, token) {
        return true;
    }
    let Some(session) = signed_session(headers, token, &state.session_key) else {
        return false;
    };
    match shared::db::sessions::is_revoked(&state.db, &session.signature).await {
        Ok(revoked) => !revoked,
        Err(e) => {
            tracing::warn!(error = %e, "could not check whether a session was ended");
            false
        }
    }
}

/// True when the request presents a credential at all (a bearer header or a session cookie),
/// so that a wrong one counts as a guess and a missing one does not.
fn presents_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || cookie(headers, SESSION_COOKIE).is_some()
}

/// Middleware: with a token configured, requests need `Authorization: Bearer <token>` or the
/// session cookie. Wrong credentials count against the client in the failure throttle.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = state.settings.auth.token.as_ref() else {
        return next.run(req).await;
    };
    let client = ClientAddr::of(req.extensions()).0;
    if let Err(wait) = state.throttle.check(client) {
        return too_many_attempts(wait);
    }
    if is_authenticated(req.headers(), token.expose(), &state).await {
        return next.run(req).await;
    }
    if presents_credentials(req.headers()) {
        state.throttle.fail(client);
    }
    envelope(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid bearer token or session is required",
    )
}

/// Shortest token accepted on an address other machines can reach.
pub const MIN_TOKEN_LEN: usize = 32;

/// The rule that a gateway reachable from other machines has a token worth the name.
pub fn check_exposure(settings: &Settings) -> anyhow::Result<()> {
    let host = &settings.server.host;
    if is_loopback_host(host) || settings.auth.disabled {
        return Ok(());
    }
    match &settings.auth.token {
        None => anyhow::bail!(
            "refusing to listen on {host} without WIKIMIND_AUTH_TOKEN: anyone who can reach it could read and \
             change the wiki. Set WIKIMIND_AUTH_TOKEN (make one with `openssl rand -hex 32`), or \
             WIKIMIND_AUTH__DISABLED=true to accept that risk."
        ),
        Some(token) if token.expose().chars().count() < MIN_TOKEN_LEN => anyhow::bail!(
            "refusing to listen on {host} with a WIKIMIND_AUTH_TOKEN of {} characters: a token that other \
             machines can guess at must have at least {MIN_TOKEN_LEN}. Make one with `openssl rand -hex 32`.",
            token.expose().chars().count()
        ),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("::1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("localhost"));
        assert!(!is_loopback_host("0.0.0.0"));
        assert!(!is_loopback_host("192.168.1.10"));
    }

    #[test]
    fn a_signed_session_cookie_or_bearer_authenticates() {
        let key = SessionKey::from_bytes([3; 32]);
        let mut headers = HeaderMap::new();
        assert!(signed_session(&headers, "secret", &key).is_none());
        let session = key.mint("secret", SystemTime::now());
        headers.insert(
            header::COOKIE,
            format!("theme=dark; {SESSION_COOKIE}={session}")
                .parse()
                .expect("header"),
        );
        assert!(signed_session(&headers, "secret", &key).is_some());
        assert!(signed_session(&headers, "other", &key).is_none());
        let mut bearer = HeaderMap::new();
        bearer.insert(
            header::AUTHORIZATION,
            "Bearer secret".parse().expect("header"),
        );
        assert!(bearer_matches(&bearer, "secret"));
        assert!(!bearer_matches(&bearer, "other"));
    }

    #[test]
    fn an_address_others_can_reach_needs_a_long_token() {
        let mut s = Settings::for_data_dir("/nonexistent");
        assert!(check_exposure(&s).is_ok(), "loopback needs no token");
        s.server.host = "0.0.0.0".into();
        let err = check_exposure(&s).expect_err("no token").to_string();
        assert!(err.contains("openssl rand -hex 32"), "{err}");
        s.auth.token = Some(shared::config::Secret::new("x"));
        let err = check_exposure(&s).expect_err("short token").to_string();
        assert!(err.contains("at least 32"), "{err}");
        s.auth.token = Some(shared::config::Secret::new(
            "0123456789abcdef0123456789abcdef",
        ));
        assert!(check_exposure(&s).is_ok());
        s.auth.token = None;
        s.auth.disabled = true;
        assert!(check_exposure(&s).is_ok(), "an explicit choice to run open");
    }

    #[test]
    fn token_comparison_needs_an_exact_match() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
