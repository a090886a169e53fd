//! Logging: pretty lines for people in development, JSON lines for log collectors in
//! production (`WIKIMIND_LOG_FORMAT=json`). `RUST_LOG` overrides the default filter.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, TelemetrySettings};

/// The default filter: our crates at info, noisy dependencies quieter.
const DEFAULT_FILTER: &str =
    "info,sqlx=warn,apalis=warn,apalis_core=warn,apalis_sqlite=warn,hyper=warn,reqwest=warn";

/// Installs the global subscriber, writing to standard output. Calling it twice is harmless
/// (the second call is ignored), which keeps test binaries that start several apps simple.
pub fn init(service: &'static str, settings: &TelemetrySettings) {
    install(service, settings, std::io::stdout);
}

/// Installs the global subscriber writing to standard error, for a process whose standard
/// output carries a protocol (`gateway mcp`).
pub fn init_on_stderr(service: &'static str, settings: &TelemetrySettings) {
    install(service, settings, std::io::stderr);
}

fn install<W>(service: &'static str, settings: &TelemetrySettings, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .with_writer(writer),
            )
            .try_init(),
    };
    if result.is_ok() {
        tracing::debug!(service, "telemetry initialised");
    }
}
