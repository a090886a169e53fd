//! A fake LLM server for black-box tests and benchmarks: a real HTTP server on
//! `127.0.0.1:0` that speaks the OpenAI, Anthropic, Gemini and Ollama wire formats on
//! their real paths, answers compile prompts with a schema-valid compile result built
//! from the prompt's source text, records every request, and can be told to fail,
//! rate-limit, return garbage or be slow while it runs.
//!
//! Answer rules, in order:
//! 1. a message holding `<<<SOURCE … SOURCE>>>` (the latest such message wins) →
//!    a compile result from that text (title from a `Title: ` line before it);
//! 2. a compile request without source (a repair prompt) → the JSON object found in
//!    the messages, completed into a valid compile result, else a minimal one;
//! 3. a question prompt (`Passages from the wiki:` with `[n] Title` passages) → a prose
//!    answer citing each passage's first sentence, plus one marker naming no passage;
//! 4. a concept hierarchy prompt (`Concepts to arrange`) → every concept under the first;
//! 5. a contradiction check (`Pairs to check`, numbered `A1.`/`B1.` claims per `Pair n`) →
//!    the claims of a pair that say the same words with different figures;
//! 6. any other request with a schema → a value generated from the schema;
//! 7. anything else (a "test provider" ping) → the text `OK`.
//!
//! A compile result suggests a typed link for a sentence such as "X is related to Y."
//!
//! Embeddings (`/v1/embeddings`, Ollama `/api/embed`, Gemini `:embedContent` and
//! `:batchEmbedContents`) are vectors of each text's character trigrams (see the `embed`
//! module), so texts sharing word pieces are near each other, misspellings included.
//!
//! Streaming: a request that asks for a stream (`"stream": true` for OpenAI, Anthropic and
//! Ollama; Gemini's `:streamGenerateContent?alt=sse`) gets the same reply text in the
//! provider's real streaming format (see the `stream` module), cut into word-sized pieces
//! with [`FakeLlm::set_stream_delay`] between them. Modes apply as to any request: failures
//! and rate limits are plain HTTP errors sent before any stream starts, and garbage modes
//! stream the garbage text.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod answer;
mod embed;
mod stream;

use answer::answer;
pub use embed::{DIMENSIONS as EMBEDDING_DIMENSIONS, embed_text};

/// How the server behaves; set with [`FakeLlm::set_mode`]. Counting restarts on each `set_mode`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    /// Answer every request.
    #[default]
    Normal,
    /// Always answer with this HTTP status and a provider-shaped error body.
    Fail(u16),
    /// The first `n` requests fail with the status, then answer normally.
    FailTimes(u32, u16),
    /// The first reply's content is not JSON (a valid envelope, or a valid stream of the
    /// same text), then normal: exercises repair.
    InvalidJsonOnce,
    /// Every reply's content is not JSON (streamed replies included).
    InvalidJsonAlways,
    /// The first request gets 429 with `Retry-After`, then normal.
    RateLimitOnce { retry_after_secs: u64 },
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub path: String,
    /// Header names are lowercase; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The JSON body, or the raw text as a JSON string when it was not JSON.
    pub body: Value,
}

#[derive(Debug, Default)]
struct Inner {
    mode: Mode,
    served_in_mode: u32,
    latency: Duration,
    stream_delay: Duration,
    requests: Vec<RecordedRequest>,
}

type SharedState = Arc<Mutex<Inner>>;

fn lock(state: &SharedState) -> MutexGuard<'_, Inner> {
    // A panicking test thread must not take the server down with it.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake server; dropping it stops the server.
#[derive(Debug)]
pub struct FakeLlm {
    addr: SocketAddr,
    state: SharedState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FakeLlm {
    /// Starts a server on an ephemeral port. Panics if no port can be bound, which
    /// in a test is the right outcome; use [`FakeLlm::try_start`] to handle it.
    pub async fn start() -> FakeLlm {
        match Self::try_start().await {
            Ok(server) => server,
            Err(err) => panic!("fake LLM server could not bind 127.0.0.1:0: {err}"),
        }
    }

    /// Starts a server on an ephemeral port.
    pub async fn try_start() -> std::io::Result<FakeLlm> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = SharedState::default();
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(openai))
            .route("/chat/completions", post(openai))
            .route("/v1/messages", post(anthropic))
            .route("/v1beta/models/{model_action}", post(gemini))
            .route("/api/chat", post(ollama))
            .route("/v1/embeddings", post(embed::openai))
            .route("/embeddings", post(embed::openai))
            .route("/api/embed", post(embed::ollama))
            .fallback(unknown_route)
            // Long sources make large prompts; axum's 2 MB default is too small for benchmarks.
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await;
        });
        Ok(FakeLlm {
            addr,
            state,
            shutdown: Some(tx),
            task,
        })
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. OpenAI-style
    /// clients can use it with or without `/v1`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes behaviour for the following requests and restarts the counting.
    pub fn set_mode(&self, mode: Mode) {
        let mut inner = lock(&self.state);
        inner.mode = mode;
        inner.served_in_mode = 0;
    }

    /// Sleeps this long before every answer (failures included).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state).latency = latency;
    }

    /// Waits this long between the pieces of a streamed reply (default: no wait), so a
    /// browser test can watch an answer arrive piece by piece. Applies to streams started
    /// after the call.
    pub fn set_stream_delay(&self, delay: Duration) {
        lock(&self.state).stream_delay = delay;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        lock(&self.state).requests.len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.state).requests.clear();
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Open keep-alive connections would hold a graceful shutdown open; end it now.
        self.task.abort();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    OpenAi,
    Anthropic,
    Gemini,
    Ollama,
}

/// What to send back for one request.
enum Outcome {
    Answer,
    Garbage,
    Fail(StatusCode),
    RateLimit(u64),
}

async fn openai(State(s): State<SharedState>, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    handle(Protocol::OpenAi, s, uri, h, body, None).await
}

async fn anthropic(State(s): State<SharedState>, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    handle(Protocol::Anthropic, s, uri, h, body, None).await
}

async fn ollama(State(s): State<SharedState>, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    handle(Protocol::Ollama, s, uri, h, body, None).await
}

async fn gemini(
    State(s): State<SharedState>,
    Path(model_action): Path<String>,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    if model_action.ends_with(":batchEmbedContents") || model_action.ends_with(":embedContent") {
        return embed::gemini(s, model_action, uri, h, body).await;
    }
    handle(Protocol::Gemini, s, uri, h, body, Some(model_action)).await
}

async fn unknown_route(
    State(s): State<SharedState>,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    record(&s, &uri, &h, &body);
    let message = format!("the fake LLM server has no route {}", uri.path());
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": {"message": message}})),
    )
        .into_response()
}

fn record(state: &SharedState, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Value {
    let parsed = serde_json::from_slice::<Value>(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        names
            .entry(name.as_str().to_owned())
            .and_modify(|v| *v = format!("{v}, {value}"))
            .or_insert(value);
    }
    let recorded = RecordedRequest {
        path: uri.path().to_owned(),
        headers: names,
        body: parsed.clone(),
    };
    lock(state).requests.push(recorded);
    parsed
}

async fn handle(
    protocol: Protocol,
    state: SharedState,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
    model_action: Option<String>,
) -> Response {
    let body = record(&state, &uri, &headers, &raw);
    let (outcome, latency, stream_delay) = next_outcome(&state);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // Gemini names the model and whether to stream in the path; the others in the body.
    let (model, streaming) = match &model_action {
        Some(action) => {
            if let Some(model) = action.strip_suffix(":generateContent") {
                (model.to_owned(), false)
            } else if let Some(model) = action.strip_suffix(":streamGenerateContent") {
                // Without `alt=sse` Gemini streams one big JSON array; nothing here uses that.
                if !query_has(&uri, "alt", "sse") {
                    return error(
                        protocol,
                        StatusCode::BAD_REQUEST,
                        "only alt=sse is faked for :streamGenerateContent",
                    );
                }
                (model.to_owned(), true)
            } else {
                return error(
                    protocol,
                    StatusCode::NOT_FOUND,
                    "only :generateContent and :streamGenerateContent are faked",
                );
            }
        }
        // Ollama streams when the field is absent, but the product always sends it; treating
        // absence as a whole reply keeps older callers of this server working.
        None => (
            body.get("model")
                .and_then(Value::as_str)
                .unwrap_or("fake-model")
                .to_owned(),
            body.get("stream").and_then(Value::as_bool) == Some(true),
        ),
    };
    if !body.is_object() {
        return error(
            protocol,
            StatusCode::BAD_REQUEST,
            "request body is not a JSON object",
        );
    }
    // Errors are whole HTTP responses even for streaming requests, as the real APIs
    // reject a request before they start streaming.
    let reply = match outcome {
        Outcome::Fail(status) => return error(protocol, status, "fake failure"),
        Outcome::RateLimit(secs) => {
            let mut response = error(protocol, StatusCode::TOO_MANY_REQUESTS, "fake rate limit");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
            return response;
        }
        Outcome::Garbage => Reply::Text(GARBAGE.into()),
        Outcome::Answer => answer(protocol, &body),
    };
    if streaming {
        let text = match reply {
            Reply::Json(value) => value.to_string(),
            Reply::Text(text) => text,
        };
        stream::response(protocol, &body, &model, &text, stream_delay)
    } else {
        envelope(protocol, &body, &model, reply)
    }
}

/// What the current mode says to do with the next request, its latency and stream delay.
fn next_outcome(state: &SharedState) -> (Outcome, Duration, Duration) {
    let mut inner = lock(state);
    let n = inner.served_in_mode;
    inner.served_in_mode = n.saturating_add(1);
    let outcome = match inner.mode {
        Mode::Normal => Outcome::Answer,
        Mode::Fail(status) => Outcome::Fail(status_code(status)),
        Mode::FailTimes(times, status) if n < times => Outcome::Fail(status_code(status)),
        Mode::InvalidJsonOnce if n == 0 => Outcome::Garbage,
        Mode::InvalidJsonAlways => Outcome::Garbage,
        Mode::RateLimitOnce { retry_after_secs } if n == 0 => Outcome::RateLimit(retry_after_secs),
        _ => Outcome::Answer,
    };
    (outcome, inner.latency, inner.stream_delay)
}

/// The reply content in the garbage modes: prose where JSON was asked for.
const GARBAGE: &str = "Sure! Here is the article, not as JSON: {title: oops";

/// Whether the request's query string has `key=value`.
fn query_has(uri: &Uri, key: &str, value: &str) -> bool {
    uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split_once('=') == Some((key, value)))
    })
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An error in the shape each provider uses.
fn error(protocol: Protocol, status: StatusCode, message: &str) -> Response {
    let body = match protocol {
        Protocol::OpenAi => {
            json!({"error": {"message": message, "type": "fake_error", "code": null}})
        }
        Protocol::Anthropic => {
            json!({"type": "error", "error": {"type": "fake_error", "message": message}})
        }
        Protocol::Gemini => {
            json!({"error": {"code": status.as_u16(), "message": message, "status": "FAKE"}})
        }
        Protocol::Ollama => json!({"error": message}),
    };
    (status, axum::Json(body)).into_response()
}

/// The reply content before it is wrapped in a provider envelope.
enum Reply {
    Json(Value),
    Text(String),
}

/// Rough token counts (chars / 4, at least 1) of the request and of the reply text.
fn token_counts(request: &Value, text: &str) -> (u64, u64) {
    let input_tokens = (request.to_string().len() / 4).max(1) as u64;
    let output_tokens = (text.len() / 4).max(1) as u64;
    (input_tokens, output_tokens)
}

/// Wraps content in the provider's success envelope, with rough token counts (chars / 4).
fn envelope(protocol: Protocol, request: &Value, model: &str, reply: Reply) -> Response {
    let tool_name = request
        .pointer("/tool_choice/name")
        .or_else(|| request.pointer("/tools/0/name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let text = match &reply {
        Reply::Json(value) => value.to_string(),
        Reply::Text(text) => text.clone(),
    };
    let (input_tokens, output_tokens) = token_counts(request, &text);
    let body = match protocol {
        Protocol::OpenAi => json!({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens},
        }),
        Protocol::Anthropic => {
            let (content, stop) = match (reply, tool_name) {
                (Reply::Json(input), Some(name)) => (
                    json!([{"type": "tool_use", "id": "toolu_fake", "name": name, "input": input}]),
                    "tool_use",
                ),
                _ => (json!([{"type": "text", "text": text}]), "end_turn"),
            };
            json!({
                "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": stop,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            })
        }
        Protocol::Gemini => json!({
            "candidates": [{"index": 0, "finishReason": "STOP",
                            "content": {"role": "model", "parts": [{"text": text}]}}],
            "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens,
                              "totalTokenCount": input_tokens + output_tokens},
            "modelVersion": model,
        }),
        Protocol::Ollama => json!({
            "model": model, "created_at": "1970-01-01T00:00:00Z", "done": true, "done_reason": "stop",
            "message": {"role": "assistant", "content": text},
            "prompt_eval_count": input_tokens, "eval_count": output_tokens,
        }),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}
