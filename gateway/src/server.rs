//! The HTTP server loop: accepts connections within a cap (in all, and per client address),
//! serves each with hyper under a header read timeout, and shuts down gracefully.
//!
//! `axum::serve` sets neither a timeout nor a cap, so a client holding a few hundred half-sent
//! requests could use up the process's file descriptors and leave the gateway unreachable for
//! everyone. Here a connection that has not sent its headers in time is closed, and one over a
//! cap is answered `503` with the error envelope and closed, so the port stays usable.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use shared::config::ServerSettings;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt as _;

use crate::client::{ClientAddr, ProxyTrust};

/// How long in-flight requests get to finish once shutdown starts; streams (answers, events)
/// are cut after it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connections over a cap that are answered at once; more are closed without an answer.
const MAX_REFUSALS: usize = 32;

/// File descriptors kept free of connections: the database pool, the SQLite queue, data files,
/// outgoing fetches and model calls.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Raises the process's soft limit of open files to its hard limit (the usual soft default,
/// 1,024, is what a few hundred held connections used to exhaust), and returns how many
/// connections fit under it with [`RESERVED_DESCRIPTORS`] to spare.
fn connections_that_fit() -> Option<usize> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let mut soft = limit.current?;
    if let Some(hard) = limit.maximum
        && hard > soft
    {
        let raised = rustix::process::Rlimit {
            current: Some(hard),
            maximum: Some(hard),
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            soft = hard;
        }
    }
    usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS).max(16)).ok()
}

/// Limits of the server loop, and the proxies whose connections carry many clients.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// Not applied to a trusted proxy, whose connections are everyone's.
    pub max_per_client: usize,
    pub header_timeout: Duration,
    pub proxies: Arc<ProxyTrust>,
}

impl ConnectionLimits {
    /// The limits configured in `WIKIMIND_SERVER__*`.
    pub fn from_settings(server: &ServerSettings) -> Self {
        Self {
            max_connections: server.max_connections,
            max_per_client: server.max_connections_per_client,
            header_timeout: Duration::from_secs(server.header_timeout_secs),
            proxies: Arc::new(ProxyTrust::from_settings(server)),
        }
    }
}

/// Open connections, in all and per client address.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// A slot for one open connection; released when dropped.
struct Slot {
    counts: Arc<Mutex<Counts>>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.per_client.remove(&self.client);
            }
        }
    }
}

/// Takes a slot for a connection from `client`, unless a cap is reached.
fn take_slot(
    counts: &Arc<Mutex<Counts>>,
    limits: &ConnectionLimits,
    client: IpAddr,
) -> Option<Slot> {
    let mut guard = counts.lock().unwrap_or_else(|e| e.into_inner());
    let mine = guard.per_client.get(&client).copied().unwrap_or(0);
    let over_own_cap = mine >= limits.max_per_client && !limits.proxies.trusts(client);
    if guard.total >= limits.max_connections || over_own_cap {
        return None;
    }
    guard.total += 1;
    *guard.per_client.entry(client).or_default() += 1;
    Some(Slot {
        counts: counts.clone(),
        client,
    })
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_headers(100);
    // Needed for WebSockets over HTTP/2.
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    let mut limits = limits;
    if let Some(fit) = connections_that_fit()
        && fit < limits.max_connections
    {
        tracing::warn!(
            configured = limits.max_connections,
            fit,
            "the open-file limit allows fewer connections than configured; using what fits"
        );
        limits.max_connections = fit;
        limits.max_per_client = limits.max_per_client.min(fit);
    }
    let counts = Arc::new(Mutex::new(Counts::default()));
    let refusals = Arc::new(tokio::sync::Semaphore::new(MAX_REFUSALS));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin, and keep serving.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = take_slot(&counts, &limits, remote.ip()) else {
            tracing::warn!(client = %remote.ip(), "too many connections; refusing one");
            // Answering takes a moment; past a few dozen at once the rest are just closed, so a
            // flood cannot hold descriptors through its refusals.
            match refusals.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(async move {
                        refuse_busy(stream).await;
                        drop(permit);
                    });
                }
                Err(_) => drop(stream),
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let proxies = limits.proxies.clone();
        let service = app
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                let client = ClientAddr(proxies.client_of(remote.ip(), req.headers()));
                req.extensions_mut().insert(ConnectInfo(remote));
                req.extensions_mut().insert(client);
                req.map(Body::new)
            });
        let service = TowerToHyperService::new(service);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!("open streams were cut after the shutdown grace period");
    }
    Ok(())
}

/// Answers a connection over a cap with a `503` envelope and closes it. What the client has
/// already sent is read first (briefly, and bounded), so the answer is not lost to a reset.
async fn refuse_busy(mut stream: TcpStream) {
    let body = serde_json::json!({"error": {
        "code": "too_many_connections",
        "message": "the server has too many open connections; try again shortly",
        "request_id": uuid::Uuid::new_v4().to_string(),
    }})
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut buf = [0u8; 8192];
        let _ = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Keep reading until the client closes, so unread bytes do not turn our close into a reset.
        while stream.read(&mut buf).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), exchange).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_in_all_and_per_client_and_freed_on_drop() {
        let counts = Arc::new(Mutex::new(Counts::default()));
        let limits = ConnectionLimits {
            max_connections: 3,
            max_per_client: 2,
            header_timeout: Duration::from_secs(1),
            proxies: Arc::new(ProxyTrust::default()),
        };
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let a1 = take_slot(&counts, &limits, a).expect("first");
        let _a2 = take_slot(&counts, &limits, a).expect("second");
        assert!(take_slot(&counts, &limits, a).is_none(), "per-client cap");
        let _b1 = take_slot(&counts, &limits, b).expect("another client");
        assert!(take_slot(&counts, &limits, b).is_none(), "total cap");
        drop(a1);
        assert!(take_slot(&counts, &limits, b).is_some(), "freed on drop");
    }

    #[test]
    fn a_trusted_proxy_is_held_only_to_the_total() {
        let counts = Arc::new(Mutex::new(Counts::default()));
        let mut settings = shared::config::Settings::for_data_dir(std::path::Path::new("/tmp"));
        settings.server.trusted_proxies = vec!["127.0.0.2/32".parse().expect("net")];
        let limits = ConnectionLimits {
            max_connections: 3,
            max_per_client: 1,
            ..ConnectionLimits::from_settings(&settings.server)
        };
        let proxy: IpAddr = [127, 0, 0, 2].into();
        let held: Vec<Slot> = (0..3)
            .map(|n| take_slot(&counts, &limits, proxy).unwrap_or_else(|| panic!("slot {n}")))
            .collect();
        assert!(take_slot(&counts, &limits, proxy).is_none(), "total cap");
        drop(held);
    }
}
