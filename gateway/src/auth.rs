//! Protection of `/api/*` when `WIKIMIND_AUTH_TOKEN` is set — a bearer header, or the session
//! cookie the login page obtains (which is how the browser's WebSocket authenticates) — and the
//! rule that a gateway reachable from other machines must have a token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use std::time::SystemTime;

use crate::error::envelope;
use crate::session::SessionKey;
use crate::state::AppState;

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

/// True when the request carries the token (bearer header) or a live session cookie for it.
pub fn is_authenticated(headers: &HeaderMap, token: &str, key: &SessionKey) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if bearer.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes())) {
        return true;
    }
    cookie(headers, SESSION_COOKIE).is_some_and(|c| key.verify(c, token, SystemTime::now()))
}

/// Middleware: with a token configured, requests need `Authorization: Bearer <token>` or the
/// session cookie.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = state.settings.auth.token.as_ref() else {
        return next.run(req).await;
    };
    if is_authenticated(req.headers(), token.expose(), &state.session_key) {
        return next.run(req).await;
    }
    envelope(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid bearer token or session is required",
    )
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
    fn a_session_cookie_or_bearer_authenticates() {
        let key = SessionKey::from_bytes([3; 32]);
        let mut headers = HeaderMap::new();
        assert!(!is_authenticated(&headers, "secret", &key));
        let session = key.mint("secret", SystemTime::now());
        headers.insert(
            header::COOKIE,
            format!("theme=dark; {SESSION_COOKIE}={session}")
                .parse()
                .expect("header"),
        );
        assert!(is_authenticated(&headers, "secret", &key));
        assert!(!is_authenticated(&headers, "other", &key));
        let mut bearer = HeaderMap::new();
        bearer.insert(
            header::AUTHORIZATION,
            "Bearer secret".parse().expect("header"),
        );
        assert!(is_authenticated(&bearer, "secret", &key));
    }

    #[test]
    fn token_comparison_needs_an_exact_match() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
