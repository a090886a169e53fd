//! `WIKIMIND_SERVER__*`: where the gateway listens, the host names it answers to, the proxies
//! it trusts to name the client, and the limits that keep one client from holding the server.

use super::{ConfigError, EnvSource, positive};
use crate::config::ServerSettings;

const HOST: &str = "WIKIMIND_SERVER__HOST";
const PORT: &str = "WIKIMIND_SERVER__PORT";
const ALLOWED_HOSTS: &str = "WIKIMIND_SERVER__ALLOWED_HOSTS";
const MAX_CONNECTIONS: &str = "WIKIMIND_SERVER__MAX_CONNECTIONS";
const MAX_CONNECTIONS_PER_CLIENT: &str = "WIKIMIND_SERVER__MAX_CONNECTIONS_PER_CLIENT";
const HEADER_TIMEOUT_SECS: &str = "WIKIMIND_SERVER__HEADER_TIMEOUT_SECS";
const BODY_TIMEOUT_SECS: &str = "WIKIMIND_SERVER__BODY_TIMEOUT_SECS";
const TRUSTED_PROXIES: &str = "WIKIMIND_SERVER__TRUSTED_PROXIES";
const CLIENT_IP_HEADER: &str = "WIKIMIND_SERVER__CLIENT_IP_HEADER";
const READ_CACHE_MB: &str = "WIKIMIND_SERVER__READ_CACHE_MB";
/// Largest read cache accepted, in MiB (a typo of a few zeros should not reserve the machine).
const MAX_READ_CACHE_MB: usize = 65_536;

/// Reads and validates the server settings.
pub(super) fn server_settings(src: &EnvSource) -> Result<ServerSettings, ConfigError> {
    let max_connections = positive(MAX_CONNECTIONS, src.parse(MAX_CONNECTIONS, 1024usize)?)?;
    let max_connections_per_client = positive(
        MAX_CONNECTIONS_PER_CLIENT,
        src.parse(MAX_CONNECTIONS_PER_CLIENT, 256usize)?,
    )?;
    Ok(ServerSettings {
        host: src.string(HOST).unwrap_or_else(|| "127.0.0.1".to_owned()),
        port: src.parse::<u16>(PORT, 7842)?,
        allowed_hosts: allowed_hosts(src)?,
        max_connections,
        max_connections_per_client: max_connections_per_client.min(max_connections),
        header_timeout_secs: positive(HEADER_TIMEOUT_SECS, src.parse(HEADER_TIMEOUT_SECS, 10u64)?)?,
        body_timeout_secs: positive(BODY_TIMEOUT_SECS, src.parse(BODY_TIMEOUT_SECS, 30u64)?)?,
        trusted_proxies: trusted_proxies(src)?,
        client_ip_header: client_ip_header(src)?,
        read_cache_bytes: read_cache_bytes(src)?,
    })
}

/// `WIKIMIND_SERVER__READ_CACHE_MB`: MiB of read answers kept, 0 for none.
fn read_cache_bytes(src: &EnvSource) -> Result<usize, ConfigError> {
    let mb = src.parse(READ_CACHE_MB, 32usize)?;
    if mb > MAX_READ_CACHE_MB {
        return Err(ConfigError::Invalid {
            var: READ_CACHE_MB,
            value: mb.to_string(),
            message: format!("at most {MAX_READ_CACHE_MB} (MiB)"),
        });
    }
    Ok(mb << 20)
}

/// `WIKIMIND_SERVER__TRUSTED_PROXIES`: comma-separated networks (`172.16.0.0/12`) or addresses.
fn trusted_proxies(src: &EnvSource) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = src.get(TRUSTED_PROXIES) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    var: TRUSTED_PROXIES,
                    value: raw.to_owned(),
                    message: format!(
                        "{entry:?} is not a network or an address: expected entries such as \
                         172.16.0.0/12, fd00::/8 or 10.0.0.7, separated by commas"
                    ),
                })
        })
        .collect()
}

/// `WIKIMIND_SERVER__CLIENT_IP_HEADER`: a header name such as `Fly-Client-IP` or `X-Real-IP`.
fn client_ip_header(src: &EnvSource) -> Result<Option<String>, ConfigError> {
    let Some(raw) = src.string(CLIENT_IP_HEADER) else {
        return Ok(None);
    };
    let name = raw.trim().to_ascii_lowercase();
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    if !token {
        return Err(ConfigError::Invalid {
            var: CLIENT_IP_HEADER,
            value: raw,
            message: "expected a header name such as Fly-Client-IP or X-Real-IP".to_owned(),
        });
    }
    Ok(Some(name))
}

/// `WIKIMIND_SERVER__ALLOWED_HOSTS`: comma-separated host names (optionally `name:port`), or
/// `*` for any. Kept lowercase, without a trailing dot.
fn allowed_hosts(src: &EnvSource) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = src.get(ALLOWED_HOSTS) else {
        return Ok(Vec::new());
    };
    let mut hosts = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let valid = entry == "*" || is_authority(entry);
        if !valid {
            return Err(ConfigError::Invalid {
                var: ALLOWED_HOSTS,
                value: raw.to_owned(),
                message: format!(
                    "{entry:?} is not a host name: expected names such as wiki.example.org or \
                     wiki.example.org:8443, separated by commas (no scheme, no path)"
                ),
            });
        }
        hosts.push(
            entry
                .to_ascii_lowercase()
                .replace(".:", ":")
                .trim_end_matches('.')
                .to_owned(),
        );
    }
    Ok(hosts)
}

/// True when `entry` is exactly a `host[:port]`, nothing more.
fn is_authority(entry: &str) -> bool {
    if entry.contains(['/', '@', '?', '#', ' ']) {
        return false;
    }
    url::Url::parse(&format!("http://{entry}/"))
        .is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()) && u.path() == "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<ServerSettings, ConfigError> {
        server_settings(&EnvSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn allowed_hosts_are_names_with_optional_ports() {
        let s =
            load(&[(ALLOWED_HOSTS, "Wiki.Example.org, wikimind.fly.dev.:443 ,*")]).expect("valid");
        assert_eq!(
            s.allowed_hosts,
            ["wiki.example.org", "wikimind.fly.dev:443", "*"]
        );
        assert!(load(&[]).expect("defaults").allowed_hosts.is_empty());
    }

    #[test]
    fn a_url_or_path_is_not_a_host_name() {
        for bad in [
            "https://wiki.example.org",
            "wiki.example.org/path",
            "user@wiki",
            "a b",
        ] {
            let err = load(&[(ALLOWED_HOSTS, bad)]).expect_err(bad);
            assert!(err.to_string().contains(ALLOWED_HOSTS), "{err}");
        }
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        let s = load(&[
            (TRUSTED_PROXIES, "172.16.0.0/12, 127.0.0.1 ,::1"),
            (CLIENT_IP_HEADER, "Fly-Client-IP"),
        ])
        .expect("valid");
        let nets: Vec<String> = s.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["172.16.0.0/12", "127.0.0.1/32", "::1/128"]);
        assert_eq!(s.client_ip_header.as_deref(), Some("fly-client-ip"));
        let defaults = load(&[]).expect("defaults");
        assert!(defaults.trusted_proxies.is_empty() && defaults.client_ip_header.is_none());
        for bad in ["proxy.example.org", "127.0.0.1/40", "*"] {
            let err = load(&[(TRUSTED_PROXIES, bad)]).expect_err(bad);
            assert!(err.to_string().contains(TRUSTED_PROXIES), "{err}");
        }
        assert!(load(&[(CLIENT_IP_HEADER, "X Real IP")]).is_err());
    }

    #[test]
    fn connection_limits_are_positive_and_per_client_fits_in_the_total() {
        let s =
            load(&[(MAX_CONNECTIONS, "20"), (MAX_CONNECTIONS_PER_CLIENT, "50")]).expect("valid");
        assert_eq!((s.max_connections, s.max_connections_per_client), (20, 20));
        assert!(load(&[(MAX_CONNECTIONS, "0")]).is_err());
        assert!(load(&[(HEADER_TIMEOUT_SECS, "0")]).is_err());
    }

    #[test]
    fn the_read_cache_is_given_in_mib_and_zero_turns_it_off() {
        assert_eq!(load(&[]).expect("defaults").read_cache_bytes, 32 << 20);
        assert_eq!(
            load(&[(READ_CACHE_MB, "0")]).expect("off").read_cache_bytes,
            0
        );
        assert_eq!(
            load(&[(READ_CACHE_MB, "5")]).expect("5").read_cache_bytes,
            5 << 20
        );
        for bad in ["-1", "lots", "65537"] {
            let err = load(&[(READ_CACHE_MB, bad)]).expect_err(bad);
            assert!(err.to_string().contains(READ_CACHE_MB), "{err}");
        }
    }
}
