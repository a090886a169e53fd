//! Traces over OTLP: the gateway binary, started with `OTEL_EXPORTER_OTLP_ENDPOINT`, sends its
//! spans to a receiver on loopback that decodes the official OTLP protobuf messages. One trace
//! runs from the caller's `traceparent`, through the request that added a note and the job it
//! queued (across the SQLite or Redis queue), to the stages and the model's call, which
//! carries the GenAI attributes. The spans are batched for longer than the test lasts, so
//! they arrive only because a stopped gateway sends what it holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;
use serde_json::{Value, json};
use testkit::backend::TestEnv;
use testkit::fake_llm::FakeLlm;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// One span as the receiver decoded it.
#[derive(Debug, Clone)]
struct ReceivedSpan {
    service: String,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    name: String,
    attributes: HashMap<String, String>,
}

/// What the receiver got: the spans, and any export it could not read.
#[derive(Debug, Default)]
struct Received {
    spans: Vec<ReceivedSpan>,
    refused: Vec<String>,
}

type Spans = Arc<Mutex<Received>>;

fn text_of(value: Option<&AnyValue>) -> String {
    match value {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// `POST /v1/traces` as an OpenTelemetry collector answers it. An export it cannot read is
/// refused and recorded, for the test to report.
async fn receive(
    State(spans): State<Spans>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let decoded = ExportTraceServiceRequest::decode(body);
    let mut received = spans.lock().expect("spans");
    let request = match decoded {
        Ok(request) if content_type == "application/x-protobuf" => request,
        other => {
            let why = format!("{content_type:?}: {:?}", other.err());
            received.refused.push(why);
            return (StatusCode::BAD_REQUEST, HeaderMap::new(), Vec::new());
        }
    };
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .map(|a| text_of(a.value.as_ref().and_then(|v| v.value.as_ref())))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.spans.push(ReceivedSpan {
                    service: service.clone(),
                    trace_id: span.trace_id,
                    span_id: span.span_id,
                    parent_span_id: span.parent_span_id,
                    name: span.name,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|a| {
                            (
                                a.key.clone(),
                                text_of(a.value.as_ref().and_then(|v| v.value.as_ref())),
                            )
                        })
                        .collect(),
                });
            }
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/x-protobuf".parse().expect("header"),
    );
    (
        StatusCode::OK,
        headers,
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

async fn start_receiver() -> (String, Spans) {
    let spans = Spans::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(receive))
        .with_state(spans.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, spans)
}

/// The gateway binary on `env` (on a port of its choosing), with its worker, the fake model,
/// and traces for `otlp` batched for ten minutes.
fn gateway(env: &TestEnv, otlp: &str, llm: &str) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gateway"));
    let otel_vars = [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
    ];
    for var in crate::helpers::INHERITED_SERVICE_VARS
        .iter()
        .chain(&otel_vars)
    {
        command.env_remove(var);
    }
    command
        .args(["serve", "--with-worker"])
        .envs(env.process_env())
        .env("WIKIMIND_SERVER__PORT", "0")
        .env("WIKIMIND_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp)
        // Nothing is sent until the gateway stops: not by time, nor by a full batch.
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100000")
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "100000")
        .env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
        .env("WIKIMIND_LLM__OPENAI__BASE_URL", format!("{llm}/v1"))
        .env("WIKIMIND_LLM__OPENAI__API_KEY", "test-key")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the gateway binary starts")
}

/// The address the gateway logged it listens on. Its log keeps being read (and dropped)
/// afterwards, so a full pipe never stalls it.
async fn listening_address(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let find = async {
        while let Some(line) = lines.next_line().await.expect("log") {
            let Ok(record) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if record["fields"]["message"] == "WikiMind is listening" {
                return record["fields"]["address"].as_str().map(str::to_owned);
            }
        }
        None
    };
    let address = tokio::time::timeout(Duration::from_secs(60), find)
        .await
        .expect("the gateway never said where it listens")
        .expect("the gateway exited before listening");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    format!("http://{address}")
}

/// Stops the gateway as a container runtime would (SIGTERM) and waits for it to exit.
async fn terminate(mut child: Child) {
    let pid = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?))
        .expect("a running gateway");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the gateway did not stop")
        .expect("wait");
    assert!(status.success(), "the gateway stopped with {status}");
}

/// The span's ancestors (nearest first) among the received spans.
fn ancestors<'a>(span: &ReceivedSpan, all: &'a [ReceivedSpan]) -> Vec<&'a ReceivedSpan> {
    let mut chain = Vec::new();
    let mut parent = span.parent_span_id.clone();
    while !parent.is_empty() {
        let Some(next) = all.iter().find(|s| s.span_id == parent) else {
            break;
        };
        chain.push(next);
        parent = next.parent_span_id.clone();
    }
    chain
}

#[tokio::test]
async fn a_request_traces_through_its_job_to_the_model_call() {
    let (otlp, received) = start_receiver().await;
    let fake = FakeLlm::start().await;
    let env = TestEnv::new().await;
    let mut child = gateway(&env, &otlp, &fake.url());
    let base = listening_address(&mut child).await;
    let client = reqwest::Client::new();

    // The caller's trace, marked "not sampled": the gateway continues it all the same.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let added: Value = client
        .post(format!("{base}/api/sources/text"))
        .header("traceparent", format!("00-{caller_trace}-{caller_span}-00"))
        .json(
            &json!({"content": "# Bees\n\nHoney bees live in colonies with a single queen. \
            Worker bees collect nectar and pollen from flowers."}),
        )
        .send()
        .await
        .expect("add")
        .json()
        .await
        .expect("json");
    let id = added["source"]["id"]
        .as_str()
        .expect("source id")
        .to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let source: Value = client
            .get(format!("{base}/api/sources/{id}"))
            .send()
            .await
            .expect("source")
            .json()
            .await
            .expect("json");
        match source["status"].as_str() {
            Some("compiled") => break,
            Some("failed") => panic!("{source}"),
            _ => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "{source}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(fake.request_count() >= 1, "the model was asked");
    assert!(
        received.lock().expect("spans").spans.is_empty(),
        "nothing is sent before the batch is due"
    );
    terminate(child).await;

    let received = received.lock().expect("spans");
    assert!(received.refused.is_empty(), "{:?}", received.refused);
    let all = &received.spans;
    let trace = hex::decode(caller_trace).expect("hex");
    let in_trace = |name: &str| {
        all.iter()
            .find(|s| s.trace_id == trace && s.name.starts_with(name))
            .unwrap_or_else(|| {
                panic!(
                    "no {name:?} span in the caller's trace; received: {:?}",
                    all.iter().map(|s| &s.name).collect::<Vec<_>>()
                )
            })
    };
    let request = in_trace("POST /api/sources/text");
    let job = in_trace("process source");
    let call = in_trace("chat ");
    assert_eq!(
        request.parent_span_id,
        hex::decode(caller_span).expect("hex"),
        "the request continues the caller's span"
    );
    assert_eq!(request.service, "wikimind-gateway");
    assert_eq!(request.attributes["http.route"], "/api/sources/text");
    assert_eq!(request.attributes["http.response.status_code"], "202");
    assert!(
        ancestors(job, all)
            .iter()
            .any(|s| s.span_id == request.span_id),
        "the job's span is under the request's"
    );
    let above_call = ancestors(call, all);
    assert!(
        above_call.iter().any(|s| s.span_id == job.span_id),
        "the model's call is under the job: {:?}",
        above_call.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for stage in ["pipeline", "compile"] {
        assert!(
            above_call.iter().any(|s| s.name == stage),
            "the call is inside the {stage} stage"
        );
    }
    assert!(
        all.iter()
            .any(|s| s.trace_id == trace && s.name == "publish"),
        "publishing is traced too"
    );
    assert_eq!(call.attributes["gen_ai.operation.name"], "chat");
    assert_eq!(call.attributes["gen_ai.provider.name"], "openai");
    assert_eq!(call.attributes["wikimind.task"], "compile");
    assert!(!call.attributes["gen_ai.request.model"].is_empty());
    let tokens: u64 = call.attributes["gen_ai.usage.input_tokens"]
        .parse()
        .expect("input tokens");
    assert!(tokens > 0, "{call:?}");
    assert!(call.attributes.contains_key("gen_ai.usage.output_tokens"));
}
