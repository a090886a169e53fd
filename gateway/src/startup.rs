//! Building and running the gateway: database, queue, events, the embedded worker, the
//! router with its middleware, and graceful shutdown.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware;
use shared::config::Settings;
use shared::db::Db;
use shared::jobs::JobQueue;
use shared::storage::Storage;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth;
use crate::request_id::{self, RequestId};
use crate::session::SessionKey;
use crate::state::AppState;

/// How the gateway runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Run the job worker in this process.
    pub with_worker: bool,
}

/// A gateway bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    services: Services,
}

/// What a gateway runs besides its listener: the state handlers share, the embedded worker and
/// the background tasks. `gateway mcp` runs these alone, serving over stdio.
pub struct Services {
    state: AppState,
    worker: Option<WorkerTask>,
    /// Stops the tasks in `background`.
    background_stop: CancellationToken,
    /// The outbox drain (without an embedded worker) and the daily backup, when they run.
    background: Vec<JoinHandle<()>>,
}

struct WorkerTask {
    stop: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

/// Connects the database, applying SQLite migrations (PostgreSQL is migrated by `gateway migrate`).
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database)
        .await
        .context("connecting to the database")?;
    if let Db::Sqlite(_) = db {
        db.migrate().await.context("applying database migrations")?;
    }
    Ok(db)
}

impl Application {
    /// Connects everything and binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings, options: ServeOptions) -> anyhow::Result<Self> {
        auth::check_exposure(&settings)?;
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let services = Services::start(settings, options).await?;
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("binding {address}"))?;
        Ok(Self { listener, services })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The state handlers share (tests use its database handle).
    pub fn state(&self) -> &AppState {
        &self.services.state
    }

    /// Serves until `shutdown` completes, then stops the worker, letting in-flight jobs finish
    /// within the grace period.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = &self.services.state;
        let app = router(state.clone());
        tracing::info!(address = %self.listener.local_addr()?, "WikiMind is listening");
        let limits = crate::server::ConnectionLimits::from_settings(&state.settings.server);
        crate::server::serve(self.listener, app, limits, shutdown)
            .await
            .context("serving HTTP")?;
        self.services.stop().await
    }
}

impl Services {
    /// Connects the database, queue and event bus, and starts the worker (when asked) and the
    /// background tasks.
    pub async fn start(settings: Settings, options: ServeOptions) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let storage = Storage::open_with(&settings.data_dir, settings.bucket.as_ref())
            .with_context(|| {
                format!("opening the data directory {}", settings.data_dir.display())
            })?;
        let db = connect_database(&settings).await?;
        let queue = JobQueue::for_deployment(&settings, &db).await?;
        let bus = shared::events::bus_for_deployment(&settings)
            .await
            .context("connecting the event bus to Redis")?;
        // A gateway without a worker drains the outbox itself, so a job committed while the
        // queue was unreachable is queued as soon as it is back (an embedded worker does this
        // as part of its own loop).
        let background_stop = CancellationToken::new();
        let mut background = Vec::new();
        if !options.with_worker {
            background.push(tokio::spawn(shared::outbox::run(
                db.clone(),
                queue.clone(),
                settings.jobs.max_attempts,
                background_stop.clone(),
            )));
        }
        if settings.daily_backups {
            background.push(tokio::spawn(shared::backup::daily::run(
                db.clone(),
                storage.clone(),
                background_stop.clone(),
            )));
        }
        let budget = shared::budget::Budget::new(db.clone(), settings.llm.budget.clone())
            .with_events(bus.clone());
        let llm = Arc::new(
            shared::llm::live::LiveLlm::for_deployment(db.clone(), settings.clone(), &budget)
                .await
                .context("configuring the LLM and embedding providers")?,
        );
        let search =
            shared::search::Searcher::new(db.clone(), llm.clone(), settings.llm.budget.clone());
        let wiki = shared::wiki::Wiki::new(
            db.clone(),
            storage.clone(),
            bus.clone(),
            llm.clone(),
            settings.llm.budget.clone(),
        );
        let state = AppState::new(crate::state::Handles {
            llm,
            budget,
            db: db.clone(),
            search,
            wiki,
            graph: Default::default(),
            read_cache: Arc::new(shared::read_cache::ReadCache::new(
                settings.server.read_cache_bytes,
            )),
            generation: shared::db::generation::Reader::new(&db),
            metrics: Default::default(),
            storage,
            queue: queue.clone(),
            bus: bus.clone(),
            body_limits: crate::limits::BodyLimits::from_settings(
                &settings.ingest,
                &settings.server,
            ),
            throttle: Arc::new(crate::throttle::FailureThrottle::default()),
            origins: crate::origin::OriginPolicy::new(&settings.server.allowed_hosts),
            settings: settings.clone(),
            started: std::time::Instant::now(),
            embedded_worker: options.with_worker,
            session_key: Arc::new(SessionKey::for_settings(&settings).with_context(|| {
                format!("reading the session key in {}", settings.data_dir.display())
            })?),
        });
        let worker = if options.with_worker {
            let mut ctx = worker::build_context(settings.clone(), db, bus).await?;
            // One router and embedder in the process, so a change in Settings reaches the
            // worker's next job at once and indexing passes never overlap.
            ctx.llm = state.llm.clone();
            ctx.wiki = state.wiki.clone();
            let stop = CancellationToken::new();
            let token = stop.clone();
            let handle = tokio::spawn(async move {
                worker::run(ctx, queue, async move { token.cancelled().await }).await
            });
            Some(WorkerTask { stop, handle })
        } else {
            None
        };
        Ok(Self {
            state,
            worker,
            background_stop,
            background,
        })
    }

    /// The state handlers share.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the worker, letting in-flight jobs finish within the grace period, then the
    /// background tasks, and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        if let Some(worker) = self.worker {
            worker.stop.cancel();
            match worker.handle.await {
                Ok(result) => result?,
                Err(e) => tracing::error!(error = %e, "the worker task panicked"),
            }
        }
        self.background_stop.cancel();
        for task in self.background {
            let _ = task.await;
        }
        self.state.wiki.flush_index().await;
        self.state.db.close().await;
        Ok(())
    }
}

/// The full router: `/api`, `/mcp` and `/metrics` (token-protected when configured),
/// `/health`, and the web app.
pub fn router(state: AppState) -> Router {
    let require_token = middleware::from_fn_with_state(state.clone(), auth::require_token);
    let (documented, _) =
        crate::openapi::documented_routes(|routes| routes.layer(require_token.clone()))
            .split_for_parts();
    // MCP is a protocol of its own, described by its own `tools/list`, not by the document.
    let mcp = Router::new()
        .nest_service("/mcp", crate::mcp::http_service(state.clone()))
        .layer(require_token);
    documented
        .merge(mcp)
        .fallback(crate::spa::serve)
        .layer(middleware::from_fn(crate::extract::refuse_nul_in_address))
        // Body limits live in crate::limits, not in axum's per-extractor default.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::limits::limit_request_body,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::origin::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
        // Inside compression, so that it reads the bodies it rewrites as they were written,
        // and its envelopes are compressed like any other answer.
        .layer(middleware::from_fn(crate::error::envelope_every_error))
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .on_response(record_response)
                .make_span_with(request_span),
        )
        .layer(middleware::from_fn(request_id::assign))
}

/// The span of one request: an access-log line's context, and the server span of its trace
/// (named `METHOD /route` as OpenTelemetry's HTTP conventions ask). A caller's `traceparent`
/// makes it part of the caller's trace.
fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("");
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.as_str())
        .unwrap_or("");
    let method = crate::metrics::known_method(req.method());
    let span = tracing::info_span!(
        "http",
        otel.name = %format!("{method} {route}").trim_end(),
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
        method = %method,
        route,
        request_id = id,
    );
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let caller = header("traceparent").map(|traceparent| shared::telemetry::TraceContext {
        traceparent,
        tracestate: header("tracestate"),
    });
    shared::telemetry::continue_trace(&span, caller.as_ref());
    span
}

/// One access-log line per request, carrying the request span (and its id), whose status it
/// records.
fn record_response<B>(
    response: &axum::http::Response<B>,
    latency: std::time::Duration,
    span: &tracing::Span,
) {
    span.record("http.response.status_code", response.status().as_u16());
    tower_http::trace::OnResponse::on_response(
        DefaultOnResponse::new().level(tracing::Level::INFO),
        response,
        latency,
        span,
    );
}
