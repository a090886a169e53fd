//! SSRF protection: only http(s) URLs whose host resolves to public addresses are fetched,
//! unless private targets are explicitly allowed (a LAN install, or tests with a local server).
//!
//! The check runs when a URL is submitted (so the person gets an immediate 4xx) and again in
//! the fetcher's DNS resolver for every connection and redirect hop, so a name that later
//! resolves elsewhere (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::Url;

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a valid URL: {0}")]
    Invalid(String),
    #[error("only http and https URLs can be ingested (got {0}:)")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("URLs with embedded credentials are not accepted")]
    Credentials,
    #[error("{host} resolves to {addr}, a loopback, private or link-local address")]
    Private { host: String, addr: IpAddr },
    #[error("{host} could not be resolved: {detail}")]
    Unresolvable { host: String, detail: String },
}

/// Longest URL accepted.
const MAX_URL_LEN: usize = 4096;

/// Parses a submitted URL and applies the static rules (scheme, host, credentials, and the
/// address when the host is an IP literal).
pub fn parse_url(raw: &str, allow_private: bool) -> Result<Url, UrlError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL_LEN {
        return Err(UrlError::Invalid(
            "empty or longer than 4096 characters".to_owned(),
        ));
    }
    let url = Url::parse(raw).map_err(|e| UrlError::Invalid(e.to_string()))?;
    check_static(&url, allow_private)?;
    Ok(url)
}

/// The rules that need no DNS lookup; applied to every redirect hop too.
pub fn check_static(url: &Url, allow_private: bool) -> Result<(), UrlError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    let host = url.host().ok_or(UrlError::NoHost)?;
    let literal = match host {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(d)
            if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
        {
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        }
        url::Host::Domain(_) => None,
    };
    if let Some(addr) = literal
        && !allow_private
        && !is_public(addr)
    {
        return Err(UrlError::Private {
            host: host.to_string(),
            addr,
        });
    }
    Ok(())
}

/// Resolves the URL's host and refuses it if any address is not public.
pub async fn resolve_checked(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, UrlError> {
    check_static(url, allow_private)?;
    let host = url.host_str().ok_or(UrlError::NoHost)?;
    let port = url.port_or_known_default().unwrap_or(80);
    resolve_host(
        host.trim_start_matches('[').trim_end_matches(']'),
        port,
        allow_private,
    )
    .await
}

/// Resolves `host:port`, refusing non-public addresses unless allowed.
pub async fn resolve_host(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, UrlError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| UrlError::Unresolvable {
            host: host.to_owned(),
            detail: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(UrlError::Unresolvable {
            host: host.to_owned(),
            detail: "no addresses".to_owned(),
        });
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(UrlError::Private {
            host: host.to_owned(),
            addr: bad.ip(),
        });
    }
    Ok(addrs)
}

/// True for globally routable unicast addresses. An IPv6 address that carries an IPv4 one
/// (mapped, IPv4-compatible, NAT64, 6to4, Teredo) is judged by every address it carries, since
/// a translator or relay would deliver the packets there.
pub fn is_public(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6) && embedded_ipv4(v6).iter().all(|v4| is_public_v4(*v4)),
    }
}

/// The IPv4 addresses an IPv6 address carries, by the transition scheme its prefix names.
fn embedded_ipv4(a: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = a.segments();
    let pair = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (IPv4-compatible, deprecated but still routed
        // by some stacks).
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => vec![pair(hi, lo)],
        // 64:ff9b::/96, the well-known NAT64 prefix (RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => vec![pair(hi, lo)],
        // 2002:AABB:CCDD::/48, 6to4 (RFC 3056).
        [0x2002, hi, lo, ..] => vec![pair(hi, lo)],
        // 2001:0::/32, Teredo (RFC 4380): the server, and the client obfuscated by inversion.
        [0x2001, 0, shi, slo, _, _, chi, clo] => vec![pair(shi, slo), pair(!chi, !clo)],
        _ => Vec::new(),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, ..] = a.octets();
    !(a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_documentation()
        || a.is_multicast()
        || o0 == 0
        // 100.64.0.0/10 carrier-grade NAT, 192.0.0.0/24 protocol assignments,
        // 198.18.0.0/15 benchmarking, 240.0.0.0/4 reserved.
        || (o0 == 100 && (64..128).contains(&o1))
        || (o0 == 192 && o1 == 0 && a.octets()[2] == 0)
        || (o0 == 198 && (o1 == 18 || o1 == 19))
        || o0 >= 240)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let [seg0, seg1, seg2, ..] = a.segments();
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local (deprecated),
        // 2001:db8::/32 documentation, 64:ff9b:1::/48 local-use NAT64 (RFC 8215),
        // 100::/64 discard-only.
        || (seg0 & 0xfe00) == 0xfc00
        || (seg0 & 0xffc0) == 0xfe80
        || (seg0 & 0xffc0) == 0xfec0
        || (seg0 == 0x2001 && seg1 == 0x0db8)
        || (seg0 == 0x64 && seg1 == 0xff9b && seg2 == 1)
        || (seg0 == 0x100 && seg1 == 0 && seg2 == 0 && a.segments()[3] == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_accepted() {
        assert!(
            matches!(parse_url("file:///etc/passwd", false), Err(UrlError::Scheme(s)) if s == "file")
        );
        assert!(matches!(
            parse_url("ftp://example.com/x", false),
            Err(UrlError::Scheme(_))
        ));
        assert!(matches!(
            parse_url("not a url", false),
            Err(UrlError::Invalid(_))
        ));
        assert!(parse_url("https://example.com/page", false).is_ok());
    }

    #[test]
    fn loopback_literals_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:22/",
            "http://localhost:8080/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
        ] {
            assert!(
                matches!(parse_url(url, false), Err(UrlError::Private { .. })),
                "{url}"
            );
            assert!(parse_url(url, true).is_ok(), "{url} allowed");
        }
    }

    #[test]
    fn private_and_link_local_addresses_are_not_public() {
        // Judged as addresses, never put in a URL: nothing here is sent anywhere.
        for addr in [
            IpAddr::from([10, 0, 0, 1]),
            IpAddr::from([192, 168, 1, 1]),
            IpAddr::from([172, 16, 0, 1]),
            IpAddr::from([169, 254, 169, 254]),
            IpAddr::from([100, 64, 0, 1]),
            IpAddr::from(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            IpAddr::from(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)),
        ] {
            assert!(!is_public(addr), "{addr}");
        }
        assert!(is_public(IpAddr::from([93, 184, 216, 34])));
    }

    #[test]
    fn ipv6_forms_that_carry_a_private_ipv4_address_are_judged_by_it() {
        // In a URL, only forms carrying 127.0.0.1: parse_url judges them statically.
        for url in [
            "http://[::ffff:7f00:1]/",
            "http://[::7f00:1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::1]/",
            "http://[2001:0:7f00:1::]/",
        ] {
            assert!(
                matches!(parse_url(url, false), Err(UrlError::Private { .. })),
                "{url}"
            );
        }
        // Forms carrying a private address, judged as addresses (never written into a URL).
        for addr in [
            "::a00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:a00:1::",
            "2001:0:5db8:d822:0:f227:80ff:fffe",
            "fec0::1",
        ] {
            let ip: IpAddr = addr.parse().expect("address");
            assert!(!is_public(ip), "{addr}");
        }
        // The same schemes carrying a public address stay public.
        for addr in [
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
            "::ffff:5db8:d822",
        ] {
            let ip: IpAddr = addr.parse().expect("address");
            assert!(is_public(ip), "{addr}");
        }
    }

    #[test]
    fn credentials_in_urls_are_refused() {
        assert_eq!(
            parse_url("http://user:pw@example.com/", false),
            Err(UrlError::Credentials)
        );
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        assert!(matches!(
            resolve_host("localhost", 80, false).await,
            Err(UrlError::Private { .. })
        ));
        assert!(resolve_host("localhost", 80, true).await.is_ok());
    }
}
