//! `GET /metrics` in the Prometheus text format (0.0.4). This gateway's own requests are
//! counted in the process: by method, route and status, with latency histograms by route. What
//! belongs to the whole deployment — jobs by status, the queue's depth, and the model calls,
//! tokens and cost by provider and task — is read from the database at each scrape, so every
//! worker's calls are counted whichever gateway is scraped (and every gateway reports the same
//! figures: aggregate them with `max without (instance)`, not `sum`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric as _};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use shared::db::{self, costs::CostBucket};
use shared::domain::JobStatus;

use crate::error::ApiResult;
use crate::state::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// The gateway's metrics (cheap to clone).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    deployment: Arc<Deployment>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "wikimind_http_requests",
            "HTTP requests this gateway answered, by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "wikimind_http_request_duration_seconds",
            "Time from a request's arrival to its response's headers, by method and route",
            latency.clone(),
        );
        let deployment = Arc::new(Deployment::default());
        registry.register_collector(Box::new(deployment.clone()));
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                deployment,
            }),
        }
    }
}

/// Middleware: counts each request and times it. Routes are the router's patterns
/// (`/api/articles/{id_or_slug}`), so the labels stay few whatever the paths asked for; a path
/// no route matches (the web app's pages, unknown ones) counts as `other`.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = known_method(req.method()).to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let metrics = &state.metrics.inner;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16().to_string(),
        })
        .inc();
    response
}

/// The request's method as a label: one of HTTP's own, or `_OTHER`, so a client inventing
/// methods cannot add labels without end (the requests need no token to be counted).
pub fn known_method(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("_OTHER", |m| m.as_str())
}

/// Metrics in the Prometheus text format.
///
/// Requests by route and status with latency histograms, and for the whole deployment jobs by state, queue depth, and model calls, tokens
/// and cost by provider and task. When the database cannot be read, this gateway's own figures
/// are still served, with the deployment's last known ones and `wikimind_database_up 0`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "The metrics", body = String,
        content_type = "text/plain; version=0.0.4")))]
pub async fn scrape(State(state): State<AppState>) -> ApiResult<Response> {
    let read = async {
        Ok::<_, db::DbError>((
            db::jobs::count_by_status(&state.db).await?,
            db::costs::totals(&state.db).await?,
        ))
    }
    .await;
    let metrics = &state.metrics.inner;
    {
        let mut snapshot = metrics
            .deployment
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match read {
            Ok((jobs, calls)) => {
                *snapshot = Snapshot {
                    jobs,
                    calls,
                    database_up: true,
                };
            }
            Err(e) => {
                tracing::warn!(error = %e, "the deployment's figures could not be read for /metrics");
                snapshot.database_up = false;
            }
        }
    }
    let mut body = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut body, &metrics.registry)
        .map_err(|e| anyhow::anyhow!("encoding the metrics: {e}"))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        body,
    )
        .into_response())
}

/// What the database said at the last scrape that could read it.
#[derive(Debug, Default)]
struct Snapshot {
    jobs: Vec<(String, i64)>,
    calls: Vec<CostBucket>,
    /// The last scrape read the database.
    database_up: bool,
}

/// The deployment's figures, encoded from the last snapshot.
#[derive(Debug, Default)]
struct Deployment {
    snapshot: Mutex<Snapshot>,
}

impl Collector for Deployment {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let snapshot = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        ConstGauge::new(i64::from(snapshot.database_up)).encode(encoder.encode_descriptor(
            "wikimind_database_up",
            "1 when this scrape read the deployment's figures from the database, else 0",
            None,
            MetricType::Gauge,
        )?)?;
        encode_jobs(&mut encoder, &snapshot.jobs)?;
        for (name, help, value) in CALL_FIGURES {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for bucket in &snapshot.calls {
                let labels = [
                    ("provider", bucket.provider.as_str()),
                    ("task", bucket.task.as_str()),
                ];
                ConstCounter::new(value(bucket)).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// Jobs by status (every status, 0 included, so a series does not vanish when it empties),
/// and the queue's depth: the jobs waiting for a worker.
fn encode_jobs(
    encoder: &mut DescriptorEncoder,
    jobs: &[(String, i64)],
) -> Result<(), std::fmt::Error> {
    let count = |status: JobStatus| {
        jobs.iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let mut family = encoder.encode_descriptor(
        "wikimind_jobs",
        "Jobs by status, in the whole deployment",
        None,
        MetricType::Gauge,
    )?;
    for status in JobStatus::ALL {
        ConstGauge::new(count(*status))
            .encode(family.encode_family(&[("status", status.as_str())])?)?;
    }
    let queued = count(JobStatus::Queued);
    ConstGauge::new(queued).encode(encoder.encode_descriptor(
        "wikimind_queue_depth",
        "Jobs waiting for a worker",
        None,
        MetricType::Gauge,
    )?)
}

/// The model-call counters, each a figure of the cost log's totals per (provider, task).
type CallFigure = (&'static str, &'static str, fn(&CostBucket) -> f64);

const CALL_FIGURES: [CallFigure; 5] = [
    (
        "wikimind_llm_calls",
        "Calls to language and embedding models (cached answers included), by provider and task",
        |b| b.calls as f64,
    ),
    (
        "wikimind_llm_cached_calls",
        "Calls the response cache answered at no cost, by provider and task",
        |b| b.cached_calls as f64,
    ),
    (
        "wikimind_llm_input_tokens",
        "Tokens sent to models, by provider and task",
        |b| b.input_tokens as f64,
    ),
    (
        "wikimind_llm_output_tokens",
        "Tokens models wrote, by provider and task",
        |b| b.output_tokens as f64,
    ),
    (
        "wikimind_llm_cost_usd",
        "What model calls cost, in US dollars, by provider and task",
        |b| b.cost_usd,
    ),
];
