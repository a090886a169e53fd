//! Where a request may come from.
//!
//! Two rules, checked on every request before anything else runs:
//! - **Host** (DNS rebinding): a request must name, in `Host`, a host this gateway serves. A page
//!   on `evil.example` whose name the attacker re-points at 127.0.0.1 reaches the gateway with
//!   `Host: evil.example`; answering it would hand the page the wiki as "its own" origin. IP
//!   addresses and `localhost` names are always served: a browser only sends them when the page
//!   itself lives at that address, and no DNS answer can re-point them.
//! - **Origin** (cross-site requests): a request that changes state (any method but GET, HEAD,
//!   OPTIONS) or opens the event stream must come from one of the gateway's own pages. Browsers
//!   send `Origin` (or at least `Sec-Fetch-Site`) with those, and a plain HTML form on another
//!   site — or on another port of the same host, which shares the site's cookies — needs no
//!   preflight. Clients that are not browsers (curl, the CLI) send neither and are let through;
//!   the token check still applies to them.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::envelope;
use crate::state::AppState;

/// The host names and origins this gateway answers to.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    /// Configured names, lowercase, each optionally with a port.
    names: Vec<String>,
    any_host: bool,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` names a host this gateway does not serve.
    UnknownHost(String),
    /// A state-changing request or WebSocket handshake from another origin.
    CrossOrigin,
}

impl OriginPolicy {
    /// The policy for the configured extra names (`WIKIMIND_SERVER__ALLOWED_HOSTS`).
    pub fn new(allowed_hosts: &[String]) -> Self {
        Self {
            any_host: allowed_hosts.iter().any(|h| h == "*"),
            names: allowed_hosts
                .iter()
                .filter(|h| *h != "*")
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        }
    }

    /// Checks a request's headers; `Ok` when it may be served.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = headers.get(header::HOST).map(|h| h.to_str().unwrap_or(""));
        if let Some(host) = host
            && !self.serves_host(host)
        {
            return Err(Refusal::UnknownHost(host.chars().take(100).collect()));
        }
        if changes_state(method, headers) && !self.comes_from_own_page(headers, host) {
            return Err(Refusal::CrossOrigin);
        }
        Ok(())
    }

    /// True when `authority` (a `Host` value) names a host this gateway serves.
    pub fn serves_host(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        if self.any_host || is_ip_literal(&host) || is_localhost(&host) {
            return true;
        }
        self.is_configured(&host, port)
    }

    fn is_configured(&self, host: &str, port: Option<u16>) -> bool {
        self.names.iter().any(|name| match split_authority(name) {
            Some((n, None)) => n == host,
            Some((n, Some(p))) => n == host && port == Some(p),
            None => false,
        })
    }

    /// True when the request comes from a page of this gateway, or from no page at all.
    fn comes_from_own_page(&self, headers: &HeaderMap, host: Option<&str>) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            // Browsers that omit `Origin` still say where a request comes from; `none` is the
            // person's own navigation (typed address, bookmark).
            return match headers
                .get("sec-fetch-site")
                .map(|v| v.to_str().unwrap_or(""))
            {
                None => true,
                Some(site) => {
                    site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none")
                }
            };
        };
        // `Origin: null` (sandboxed frames, file: pages, privacy redirects) is never ours.
        let Some(origin) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
            return false;
        };
        if !matches!(origin.scheme(), "http" | "https") {
            return false;
        }
        let (Some(origin_host), Some(origin_port)) =
            (origin.host_str(), origin.port_or_known_default())
        else {
            return false;
        };
        let origin_host = normalise_host(origin_host);
        let same_as_host = host
            .and_then(split_authority)
            .is_some_and(|(h, p)| h == origin_host && p.unwrap_or(origin_port) == origin_port);
        // A reverse proxy may rewrite `Host`; the configured public names are ours too.
        same_as_host || self.any_host || self.is_configured(&origin_host, Some(origin_port))
    }
}

/// Requests that may change something: every method but the safe ones, and the WebSocket
/// handshake (a GET whose connection then carries the live events).
fn changes_state(method: &Method, headers: &HeaderMap) -> bool {
    let safe = matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let websocket = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    !safe || websocket
}

/// Host (lowercase, without a trailing dot, IPv6 in brackets) and port of a `Host` value.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.trim();
    if authority.is_empty() || authority.contains(['/', '@', ' ', '?', '#']) {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        (format!("[{inner}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p.parse().ok()?)),
            None => (authority.to_owned(), None),
        }
    };
    Some((normalise_host(&host), port))
}

fn normalise_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn is_ip_literal(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok()
}

/// `localhost` and its subdomains, which browsers resolve to loopback themselves (RFC 6761).
fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// Middleware: refuses requests for hosts the gateway does not serve (421) and state-changing
/// requests from other origins (403), before any handler runs.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.origins.check(req.method(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(Refusal::UnknownHost(host)) => {
            tracing::warn!(
                host,
                "refused a request for a host this gateway does not serve"
            );
            envelope(
                StatusCode::MISDIRECTED_REQUEST,
                "unknown_host",
                &format!(
                    "this WikiMind does not answer to the host {host:?}; if that is one of its \
                     names, add it to WIKIMIND_SERVER__ALLOWED_HOSTS"
                ),
            )
        }
        Err(Refusal::CrossOrigin) => {
            tracing::warn!(method = %req.method(), "refused a cross-origin request");
            envelope(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "requests that change the wiki or open its event stream must come from \
                 WikiMind's own pages",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    fn post(policy: &OriginPolicy, pairs: &[(&'static str, &str)]) -> Result<(), Refusal> {
        policy.check(&Method::POST, &headers(pairs))
    }

    #[test]
    fn loopback_names_and_addresses_are_served_and_other_names_are_not() {
        let p = OriginPolicy::new(&[]);
        for host in [
            "127.0.0.1:7842",
            "localhost:7842",
            "LOCALHOST",
            "app.localhost:1",
            "[::1]:7842",
            "127.0.0.2",
            "localhost.",
        ] {
            assert!(p.serves_host(host), "{host}");
        }
        for host in [
            "evil.example:7842",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "",
            "a@b",
            "[::1",
        ] {
            assert!(!p.serves_host(host), "{host}");
        }
        assert_eq!(
            p.check(&Method::GET, &headers(&[("host", "rebound.example:7842")])),
            Err(Refusal::UnknownHost("rebound.example:7842".into()))
        );
    }

    #[test]
    fn configured_names_are_served_with_or_without_a_port() {
        let p = OriginPolicy::new(&["wiki.example.org".into(), "other.example:8443".into()]);
        assert!(p.serves_host("Wiki.Example.org"));
        assert!(p.serves_host("wiki.example.org:443"));
        assert!(p.serves_host("other.example:8443"));
        assert!(!p.serves_host("other.example:9000"));
        assert!(!p.serves_host("evil.example"));
        assert!(OriginPolicy::new(&["*".into()]).serves_host("anything.example"));
    }

    #[test]
    fn state_changes_need_an_origin_of_this_gateway() {
        let p = OriginPolicy::new(&[]);
        let host = ("host", "127.0.0.1:7842");
        assert_eq!(
            post(&p, &[host, ("origin", "http://127.0.0.1:7842")]),
            Ok(())
        );
        // Another port of the same host is another origin, although it shares the cookies.
        assert_eq!(
            post(&p, &[host, ("origin", "http://127.0.0.1:9999")]),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            post(&p, &[host, ("origin", "http://localhost:7842")]),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            post(&p, &[host, ("origin", "https://evil.example")]),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            post(&p, &[host, ("origin", "null")]),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            post(&p, &[("host", "localhost"), ("origin", "http://localhost")]),
            Ok(())
        );
        assert_eq!(
            post(
                &p,
                &[("host", "localhost:80"), ("origin", "http://localhost")]
            ),
            Ok(())
        );
    }

    #[test]
    fn clients_without_an_origin_are_judged_by_sec_fetch_site() {
        let p = OriginPolicy::new(&[]);
        let host = ("host", "127.0.0.1:7842");
        assert_eq!(
            post(&p, &[host]),
            Ok(()),
            "curl and the CLI send neither header"
        );
        assert_eq!(post(&p, &[host, ("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(post(&p, &[host, ("sec-fetch-site", "none")]), Ok(()));
        assert_eq!(
            post(&p, &[host, ("sec-fetch-site", "same-site")]),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            post(&p, &[host, ("sec-fetch-site", "cross-site")]),
            Err(Refusal::CrossOrigin)
        );
    }

    #[test]
    fn reads_are_not_judged_by_origin_but_the_websocket_handshake_is() {
        let p = OriginPolicy::new(&[]);
        let cross = [
            ("host", "127.0.0.1:7842"),
            ("origin", "http://127.0.0.1:9999"),
        ];
        assert_eq!(p.check(&Method::GET, &headers(&cross)), Ok(()));
        let mut ws = headers(&cross);
        ws.insert(header::UPGRADE, "websocket".parse().expect("value"));
        assert_eq!(p.check(&Method::GET, &ws), Err(Refusal::CrossOrigin));
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(
                p.check(&method, &headers(&cross)),
                Err(Refusal::CrossOrigin)
            );
        }
    }

    #[test]
    fn a_proxy_that_rewrites_host_is_served_for_the_configured_public_name() {
        let p = OriginPolicy::new(&["wiki.example.org".into()]);
        let h = [
            ("host", "127.0.0.1:7842"),
            ("origin", "https://wiki.example.org"),
        ];
        assert_eq!(post(&p, &h), Ok(()));
        let evil = [
            ("host", "127.0.0.1:7842"),
            ("origin", "https://evil.example"),
        ];
        assert_eq!(post(&p, &evil), Err(Refusal::CrossOrigin));
    }
}
