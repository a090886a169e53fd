//! A gateway running inside the benchmark's own process, on the real router and a loopback
//! port, and the JSON GET that both the retrieval evaluation and the search benchmark use.
//!
//! In-process rather than a child process: these programs measure ranking and query cost,
//! not start-up, and need the gateway's database handle (the search benchmark seeds through
//! it).

use anyhow::{Context as _, bail};
use gateway::{Application, ServeOptions};
use serde_json::Value;
use shared::config::Settings;
use shared::db::Db;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running gateway; [`Gateway::stop`] shuts it down gracefully.
pub(crate) struct Gateway {
    base: String,
    client: reqwest::Client,
    db: Db,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Gateway {
    /// Builds the application on `settings` and serves it on a free loopback port.
    pub(crate) async fn start(settings: Settings, with_worker: bool) -> anyhow::Result<Self> {
        let app = Application::build(settings, ServeOptions { with_worker })
            .await
            .context("building the gateway")?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.state().db.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Ok(Self {
            base,
            client: reqwest::Client::new(),
            db,
            stop: Some(stop),
            handle: Some(handle),
        })
    }

    /// The gateway's own database handle.
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// Brings the planner's statistics up to date after a bulk load, as autovacuum would soon
    /// after on a running server: without them PostgreSQL plans for an empty table, and its
    /// search cannot tell common words from rare ones.
    pub(crate) async fn analyse(&self) -> anyhow::Result<()> {
        match &self.db {
            Db::Sqlite(p) => sqlx::query("pragma optimize").execute(p).await.map(drop)?,
            Db::Postgres(p) => sqlx::query("analyze").execute(p).await.map(drop)?,
        }
        Ok(())
    }

    /// The HTTP client requests go through (one, so connections are reused).
    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// `http://127.0.0.1:<port><path>`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path?query` as JSON; a status other than 200 is an error carrying the body.
    pub(crate) async fn get_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        let url = url::Url::parse_with_params(&self.url(path), query)
            .with_context(|| format!("building the URL of {path}"))?;
        let reply = self
            .client
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        json_body(reply, &format!("GET {path}")).await
    }

    /// Stops the gateway and waits for it to finish its shutdown.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(30), handle).await;
        }
    }
}

/// The JSON body of a 2xx reply; otherwise an error naming `what` with the status and body.
pub(crate) async fn json_body(reply: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = reply.status();
    let text = reply
        .text()
        .await
        .with_context(|| format!("{what}: reading the reply"))?;
    if !status.is_success() {
        bail!("{what}: {status}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON: {text}"))
}
