//! Logging and tracing: pretty lines for people in development, JSON lines for log collectors
//! in production (`WIKIMIND_LOG_FORMAT=json`); `RUST_LOG` overrides the default filter of
//! logs. With
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans also go out as OpenTelemetry traces over OTLP/HTTP
//! (protobuf), and the W3C trace context crosses the job queue, so one trace runs from an HTTP
//! request through the job it enqueued to every model call.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, TelemetrySettings};

/// The default filter of logs, and always that of traces: our crates at info, noisy
/// dependencies quieter (rmcp's per-session spans would otherwise hold every MCP call of a
/// stdio session in one trace).
const DEFAULT_FILTER: &str = "info,sqlx=warn,apalis=warn,apalis_core=warn,apalis_sqlite=warn,\
                              hyper=warn,reqwest=warn,rmcp=warn";

/// The longest `tracestate` carried on: what W3C asks every vendor to pass along (a longer one
/// is dropped, not cut).
const MAX_TRACESTATE: usize = 512;

/// What [`init`] installed; dropping it (or [`Telemetry::shutdown`]) sends the spans still
/// batched, which would otherwise be lost at exit.
#[must_use = "dropping it at once would flush traces before anything was traced"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// True when spans are exported over OTLP.
    pub fn exports_traces(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends what is batched and stops exporting.
    pub fn shutdown(mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("could not send the last traces: {e}");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Installs the global subscriber, writing to standard output. Calling it twice is harmless
/// (the second call is ignored and exports nothing), which keeps test binaries that start
/// several apps simple.
pub fn init(service: &'static str, settings: &TelemetrySettings) -> Telemetry {
    install(service, settings, std::io::stdout)
}

/// Installs the global subscriber writing to standard error, for a process whose standard
/// output carries a protocol (`gateway mcp`).
pub fn init_on_stderr(service: &'static str, settings: &TelemetrySettings) -> Telemetry {
    install(service, settings, std::io::stderr)
}

fn install<W>(service: &'static str, settings: &TelemetrySettings, writer: W) -> Telemetry
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    // `RUST_LOG` chooses what is logged; traces keep WikiMind's spans whatever it says.
    let logs = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let provider = otlp_provider(service);
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer(service))
            .with_filter(EnvFilter::new(DEFAULT_FILTER))
    });
    let registry = tracing_subscriber::registry().with(otel);
    let result = match settings.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer)
                    .with_filter(logs),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .with_writer(writer)
                    .with_filter(logs),
            )
            .try_init(),
    };
    if result.is_err() {
        // A subscriber was installed before: this one's spans would go nowhere.
        return Telemetry { provider: None };
    }
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
        ]));
        tracing::info!(service, "exporting traces over OTLP");
    }
    Telemetry { provider }
}

/// The OTLP/HTTP exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. The service is named `wikimind-<service>`
/// unless `OTEL_SERVICE_NAME` says otherwise; batching follows the `OTEL_BSP_*` variables.
fn otlp_provider(service: &'static str) -> Option<SdkTracerProvider> {
    let configured = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let endpoint = match configured("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        Some(full) => full,
        None => format!(
            "{}/v1/traces",
            configured("OTEL_EXPORTER_OTLP_ENDPOINT")?.trim_end_matches('/')
        ),
    };
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint.clone())
        .build()
    {
        Ok(exporter) => exporter,
        Err(e) => {
            eprintln!("traces are not exported: the OTLP exporter for {endpoint} failed: {e}");
            return None;
        }
    };
    let name = configured("OTEL_SERVICE_NAME").unwrap_or_else(|| format!("wikimind-{service}"));
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(name)
        .build();
    let builder = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource);
    // The sampler `OTEL_TRACES_SAMPLER` names (the SDK reads it), else every trace: a caller's
    // `traceparent` may continue a trace, but its "not sampled" flag cannot hide a request (and
    // what it set off) from the traces.
    let builder = if std::env::var_os("OTEL_TRACES_SAMPLER").is_some() {
        builder
    } else {
        builder.with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOn)
    };
    Some(builder.build())
}

/// The W3C trace context (`traceparent`, and `tracestate` when there is one) of the current
/// span, to carry with work done elsewhere; `None` when nothing is traced.
pub fn trace_context() -> Option<TraceContext> {
    let context = tracing::Span::current().context();
    let mut carrier: HashMap<String, String> = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut carrier));
    Some(TraceContext {
        traceparent: carrier.remove("traceparent")?,
        tracestate: carrier.remove("tracestate").filter(|s| !s.is_empty()),
    })
}

/// A W3C trace context, as carried in a job or an HTTP request's headers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceContext {
    pub traceparent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

/// Makes `span` (not yet entered) a child of the span `context` names, so the work it covers
/// joins the trace it came from. Without tracing, or with a malformed context, nothing changes.
pub fn continue_trace(span: &tracing::Span, context: Option<&TraceContext>) {
    let Some(context) = context else {
        return;
    };
    let mut carrier = HashMap::from([("traceparent".to_owned(), context.traceparent.clone())]);
    if let Some(state) = context
        .tracestate
        .as_ref()
        .filter(|s| s.len() <= MAX_TRACESTATE)
    {
        carrier.insert("tracestate".to_owned(), state.clone());
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&carrier));
    let _ = span.set_parent(parent);
}
