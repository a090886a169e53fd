//! The ceiling: a bare axum handler answering every request with the same bytes from memory,
//! run as its own process like the gateway, so both are measured the same way. No server
//! that reads from a database can beat it on this machine; the gateway's figures are read as
//! a share of it.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use axum::Router;
use axum::http::header;
use axum::routing::get;
use bytes::Bytes;

/// Serves `body` (read from a file) as JSON at every path on `port` until killed.
pub(crate) async fn serve(port: u16, body: &Path) -> anyhow::Result<()> {
    let body = Bytes::from(std::fs::read(body).with_context(|| format!("{}", body.display()))?);
    let app = Router::new().fallback(get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    }));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
