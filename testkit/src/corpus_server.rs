//! A local HTTP server for URL-ingest tests: serves the corpus under `/corpus/...` and a few
//! misbehaving endpoints (redirect loop, endless redirects, an oversized body, a slow reply,
//! a 404 and a 500).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tokio::sync::oneshot;

/// The corpus directory of this repository (`testdata/corpus`).
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

/// A running corpus server; stops when dropped.
#[derive(Debug)]
pub struct CorpusServer {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl CorpusServer {
    /// Starts the server on 127.0.0.1 with a free port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/corpus/{*path}", get(serve_corpus))
            .route("/loop-a", get(|| async { Redirect::temporary("/loop-b") }))
            .route("/loop-b", get(|| async { Redirect::temporary("/loop-a") }))
            .route("/redirect/{n}", get(redirect_chain))
            .route("/big", get(big_body))
            .route("/slow", get(slow))
            .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/broken",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            );
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self { addr, _stop: stop })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

async fn serve_corpus(Path(path): Path<String>) -> Response {
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let full = corpus_dir().join(&path);
    let Ok(bytes) = tokio::fs::read(&full).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = match full.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, mime)], bytes).into_response()
}

async fn redirect_chain(Path(n): Path<u32>) -> Response {
    if n == 0 {
        return (
            [(header::CONTENT_TYPE, "text/plain")],
            "the end of the chain",
        )
            .into_response();
    }
    Redirect::temporary(&format!("/redirect/{}", n - 1)).into_response()
}

async fn big_body() -> Response {
    // 8 MiB of text: over the limit tests set.
    (
        [(header::CONTENT_TYPE, "text/plain")],
        "word ".repeat(8 * 1024 * 1024 / 5),
    )
        .into_response()
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "too late".into_response()
}
