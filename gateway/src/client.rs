//! Who sent a request. Normally the address at the other end of the connection; behind a
//! reverse proxy (Fly's, nginx) every connection comes from the proxy, so a request from a
//! trusted proxy (`WIKIMIND_SERVER__TRUSTED_PROXIES`) is attributed to the client the proxy
//! names — in `WIKIMIND_SERVER__CLIENT_IP_HEADER`, or else the nearest `X-Forwarded-For` entry
//! that is not itself a trusted proxy. Anyone else's forwarding headers are ignored, so a
//! client cannot choose its own address to dodge the login throttle.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use shared::config::ServerSettings;

/// The reverse proxies the gateway believes about who their clients are.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    networks: Vec<IpNet>,
    header: Option<String>,
}

impl ProxyTrust {
    /// The proxies configured in `WIKIMIND_SERVER__*`.
    pub fn from_settings(server: &ServerSettings) -> Self {
        Self {
            networks: server.trusted_proxies.clone(),
            header: server.client_ip_header.clone(),
        }
    }

    /// True when connections from `peer` come from a trusted proxy, which speaks for many
    /// clients (so the per-client connection cap does not apply to it).
    pub fn trusts(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.networks.iter().any(|net| net.contains(&peer))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let named = match &self.header {
            Some(name) => headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .and_then(parse_addr),
            None => self.nearest_forwarded(headers),
        };
        named.unwrap_or(peer)
    }

    /// `X-Forwarded-For` read from the right (each proxy appends the address it heard from):
    /// the first entry that is not a trusted proxy. Entries further left were written by the
    /// client itself and prove nothing.
    fn nearest_forwarded(&self, headers: &HeaderMap) -> Option<IpAddr> {
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in entries.into_iter().rev() {
            let addr = parse_addr(entry)?;
            if !self.trusts(addr) {
                return Some(addr);
            }
        }
        None
    }
}

/// An address as proxies write it: `203.0.113.9`, `2001:db8::1`, `[2001:db8::1]:443`,
/// `203.0.113.9:5000`.
fn parse_addr(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .or_else(|_| raw.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The address of the client that sent a request: recorded by the server loop on every
/// request; a request from elsewhere, such as a router test, counts as one unknown client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client address recorded on a request.
    pub fn of(extensions: &axum::http::Extensions) -> Self {
        extensions.get::<ClientAddr>().copied().unwrap_or_else(|| {
            Self(
                extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Documentation ranges and loopback only: these are parsed, never connected to.
    fn trust(networks: &[&str], header: Option<&str>) -> ProxyTrust {
        ProxyTrust {
            networks: networks.iter().map(|n| n.parse().expect("net")).collect(),
            header: header.map(str::to_owned),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("value"));
        }
        map
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().expect("ip")
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let proxies = trust(&["127.0.0.2/32"], None);
        let spoofed = headers(&[
            ("x-forwarded-for", "192.0.2.1"),
            ("fly-client-ip", "192.0.2.2"),
        ]);
        assert_eq!(
            proxies.client_of(ip("127.0.0.9"), &spoofed),
            ip("127.0.0.9")
        );
        let nobody = ProxyTrust::default();
        assert_eq!(nobody.client_of(ip("127.0.0.2"), &spoofed), ip("127.0.0.2"));
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_past_trusted_proxies() {
        let proxies = trust(&["127.0.0.0/24", "::1/128"], None);
        let chain = headers(&[("x-forwarded-for", "192.0.2.66, 198.51.100.7, 127.0.0.5")]);
        assert_eq!(
            proxies.client_of(ip("127.0.0.2"), &chain),
            ip("198.51.100.7")
        );
        // Two headers are one list; ports and brackets are understood.
        let split = headers(&[
            ("x-forwarded-for", "192.0.2.66"),
            ("x-forwarded-for", "[2001:db8::9]:443"),
        ]);
        assert_eq!(proxies.client_of(ip("::1"), &split), ip("2001:db8::9"));
        // Garbage where the client should be: the proxy itself is the client.
        let junk = headers(&[("x-forwarded-for", "not-an-address")]);
        assert_eq!(proxies.client_of(ip("127.0.0.2"), &junk), ip("127.0.0.2"));
    }

    #[test]
    fn a_configured_header_names_the_client() {
        let proxies = trust(&["127.0.0.0/8"], Some("fly-client-ip"));
        let fly = headers(&[
            ("fly-client-ip", "198.51.100.7"),
            ("x-forwarded-for", "192.0.2.66, 203.0.113.1"),
        ]);
        assert_eq!(proxies.client_of(ip("127.0.0.2"), &fly), ip("198.51.100.7"));
        assert!(proxies.trusts(ip("::ffff:127.0.0.2")), "mapped forms count");
    }
}
