//! The HTTP providers and the router against the fake LLM server: wire shape of
//! each protocol, parsing, retries, `Retry-After`, fallback, timeouts and cost log.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};
use shared::llm::{
    AnthropicProvider, ChatMessage, CompletionRequest, CompletionResponse, CostEntry, CostRecorder,
    GoogleProvider, LlmError, OllamaProvider, OpenAiProvider, PricingTable, Provider, ProviderKind,
    RetryPolicy, Router, Task,
};
use testkit::fake_llm::{FakeLlm, Mode};

const SOURCE: &str = "Rust is a systems programming language focused on safety and speed. \
It achieves memory safety without a garbage collector. \
The borrow checker enforces ownership rules at compile time. \
Cargo is the build tool and package manager for Rust projects. \
Many companies now run Rust code in production systems.";

const TIMEOUT: Duration = Duration::from_secs(10);

fn compile_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "page_type", "summary", "key_claims", "concepts",
                     "backlink_suggestions", "open_questions", "article_body"],
        "properties": {
            "title": {"type": "string"},
            "page_type": {"type": "string", "enum": ["source"]},
            "summary": {"type": "string"},
            "key_claims": {"type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["claim", "confidence", "quote"],
                "properties": {
                    "claim": {"type": "string"},
                    "confidence": {"type": "string", "enum": ["sourced", "mixed", "inferred", "opinion"]},
                    "quote": {"type": "string"}
                }}},
            "concepts": {"type": "array", "items": {"type": "string"}},
            "backlink_suggestions": {"type": "array", "items": {"type": "object"}},
            "open_questions": {"type": "array", "items": {"type": "string"}},
            "article_body": {"type": "string"}
        }
    })
}

fn compile_request() -> CompletionRequest {
    let prompt = format!(
        "Title: Rust Language\n---\n<<<SOURCE\n{SOURCE}\nSOURCE>>>\n---\n\
         Compile this into a wiki article following the JSON schema exactly."
    );
    CompletionRequest::new(Task::Compile, "You are a knowledge compiler.", prompt)
        .with_schema("compile_result", compile_schema())
}

/// Asserts the reply is a compile result grounded in [`SOURCE`].
fn assert_compile_result(content: &str) {
    let result: Value = serde_json::from_str(content).expect("content is JSON");
    assert_eq!(result["title"], "Rust Language");
    assert_eq!(result["page_type"], "source");
    let claims = result["key_claims"].as_array().unwrap();
    assert!((3..=5).contains(&claims.len()), "{claims:?}");
    for claim in claims {
        let quote = claim["quote"].as_str().unwrap();
        assert!(SOURCE.contains(quote), "quote not verbatim: {quote}");
        assert!(quote.split_whitespace().count() <= 25);
        assert_eq!(claim["confidence"], "sourced");
    }
    assert!(!result["concepts"].as_array().unwrap().is_empty());
    assert!(result["article_body"].as_str().unwrap().starts_with("## "));
}

#[derive(Default)]
struct VecRecorder(Mutex<Vec<CostEntry>>);

impl VecRecorder {
    fn entries(&self) -> Vec<CostEntry> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait]
impl CostRecorder for VecRecorder {
    async fn record(&self, entry: CostEntry) {
        self.0.lock().unwrap().push(entry);
    }
}

fn openai(server: &FakeLlm, model: &str) -> Arc<dyn Provider> {
    let base = Some(format!("{}/v1", server.url()));
    Arc::new(OpenAiProvider::new(model, base, Some("sk-test".into()), TIMEOUT).unwrap())
}

fn anthropic(server: &FakeLlm) -> Arc<dyn Provider> {
    let p = AnthropicProvider::new(
        "claude-sonnet-4-5",
        Some(server.url()),
        Some("ak".into()),
        TIMEOUT,
    );
    Arc::new(p.unwrap())
}

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn openai_sends_bearer_system_and_strict_schema_and_parses_usage() {
    let server = FakeLlm::start().await;
    let provider = openai(&server, "gpt-4o-mini");
    let response = provider.complete(&compile_request()).await.unwrap();
    assert_compile_result(&response.content);
    assert_eq!(
        (response.provider, response.model.as_str()),
        (ProviderKind::Openai, "gpt-4o-mini")
    );
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.headers["authorization"], "Bearer sk-test");
    let body = &request.body;
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You are a knowledge compiler."})
    );
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(
        body["response_format"]["json_schema"]["name"],
        "compile_result"
    );
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        body["response_format"]["json_schema"]["schema"],
        compile_schema()
    );
}

#[tokio::test]
async fn openai_compatible_base_url_is_used_as_given_and_needs_no_key() {
    let server = FakeLlm::start().await;
    let provider = OpenAiProvider::new("local", Some(server.url()), None, TIMEOUT).unwrap();
    let ping = CompletionRequest::new(Task::Test, "", "Reply with OK.");
    let response = provider.complete(&ping).await.unwrap();
    assert_eq!(response.content, "OK");
    let request = &server.requests()[0];
    assert_eq!(request.path, "/chat/completions");
    assert!(!request.headers.contains_key("authorization"));
    assert!(request.body.get("response_format").is_none());
}

#[tokio::test]
async fn anthropic_forces_a_tool_and_returns_its_input_as_json() {
    let server = FakeLlm::start().await;
    let response = anthropic(&server)
        .complete(&compile_request())
        .await
        .unwrap();
    assert_compile_result(&response.content);
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(request.headers["x-api-key"], "ak");
    assert_eq!(request.headers["anthropic-version"], "2023-06-01");
    assert!(!request.headers.contains_key("authorization"));
    let body = &request.body;
    assert_eq!(body["system"], "You are a knowledge compiler.");
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["tools"][0]["name"], "compile_result");
    assert_eq!(body["tools"][0]["input_schema"], compile_schema());
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "compile_result"})
    );
}

#[tokio::test]
async fn anthropic_without_schema_returns_text_blocks() {
    let server = FakeLlm::start().await;
    let ping = CompletionRequest::new(Task::Test, "", "Reply with OK.");
    let response = anthropic(&server).complete(&ping).await.unwrap();
    assert_eq!(response.content, "OK");
    let body = &server.requests()[0].body;
    assert!(body.get("tools").is_none() && body.get("system").is_none());
}

#[tokio::test]
async fn gemini_puts_model_in_url_and_sends_a_reduced_schema() {
    let server = FakeLlm::start().await;
    let provider = GoogleProvider::new(
        "gemini-2.0-flash",
        Some(server.url()),
        Some("gk".into()),
        TIMEOUT,
    );
    let mut req = compile_request();
    req.messages.push(ChatMessage::assistant("earlier answer"));
    req.messages.push(ChatMessage::user("Again, please."));
    let response = provider.unwrap().complete(&req).await.unwrap();
    assert_compile_result(&response.content);
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);

    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/v1beta/models/gemini-2.0-flash:generateContent"
    );
    assert_eq!(request.headers["x-goog-api-key"], "gk");
    let body = &request.body;
    assert_eq!(
        body["systemInstruction"]["parts"][0]["text"],
        "You are a knowledge compiler."
    );
    let roles: Vec<&str> = body["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "model", "user"]);
    let config = &body["generationConfig"];
    assert_eq!(config["maxOutputTokens"], 4096);
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(config["responseSchema"]["required"][0], "title");
    assert!(
        !config["responseSchema"]
            .to_string()
            .contains("additionalProperties")
    );
}

#[tokio::test]
async fn ollama_sends_format_and_options_without_streaming() {
    let server = FakeLlm::start().await;
    let provider = OllamaProvider::new("llama3.2", Some(server.url()), None, TIMEOUT).unwrap();
    let response = provider.complete(&compile_request()).await.unwrap();
    assert_compile_result(&response.content);
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/api/chat");
    let body = &request.body;
    assert_eq!(body["stream"], false);
    assert_eq!(body["format"], compile_schema());
    assert_eq!(body["options"]["num_predict"], 4096);
    assert_eq!(body["messages"][0]["role"], "system");
}

#[tokio::test]
async fn rate_limit_is_retried_after_the_servers_retry_after() {
    let server = FakeLlm::start().await;
    server.set_mode(Mode::RateLimitOnce {
        retry_after_secs: 1,
    });
    let router = Router::new(vec![anthropic(&server)]).with_retry_policy(fast_retries(3));
    let started = Instant::now();
    let response = router.complete(&compile_request()).await.unwrap();
    // tokio's sleep never wakes early, so this lower bound is not timing-flaky.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_compile_result(&response.content);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_and_every_attempt_is_logged() {
    let server = FakeLlm::start().await;
    server.set_mode(Mode::FailTimes(2, 500));
    let recorder = Arc::new(VecRecorder::default());
    let router = Router::new(vec![openai(&server, "gpt-4o-mini")])
        .with_retry_policy(fast_retries(3))
        .with_recorder(recorder.clone());
    let mut req = compile_request();
    req.job_id = Some(shared::domain::JobId::new());
    let response = router.complete(&req).await.unwrap();
    assert_eq!(server.request_count(), 3);

    let entries = recorder.entries();
    assert_eq!(
        entries.iter().map(|e| e.ok).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(
        entries[..2]
            .iter()
            .all(|e| e.input_tokens == 0 && e.cost_usd == 0.0)
    );
    let ok = &entries[2];
    let expected =
        PricingTable::default().cost(ProviderKind::Openai, "gpt-4o-mini", response.usage);
    assert!(expected > 0.0);
    assert_eq!((ok.cost_usd, response.cost_usd), (expected, expected));
    assert_eq!(
        (ok.input_tokens, ok.output_tokens),
        (response.usage.input_tokens, response.usage.output_tokens)
    );
    assert_eq!(
        (ok.provider, ok.model.as_str(), ok.task, ok.job_id),
        (
            ProviderKind::Openai,
            "gpt-4o-mini",
            Task::Compile,
            req.job_id
        )
    );
    assert_eq!(ok.latency_ms, response.latency_ms);
}

#[tokio::test]
async fn a_failing_provider_falls_back_to_the_next() {
    let (first, second) = (FakeLlm::start().await, FakeLlm::start().await);
    first.set_mode(Mode::Fail(503));
    let router = Router::new(vec![openai(&first, "gpt-4o"), anthropic(&second)])
        .with_retry_policy(fast_retries(1));
    assert_eq!(router.default_kind(), Some(ProviderKind::Openai));
    assert_eq!(
        router.providers()[1],
        (ProviderKind::Anthropic, "claude-sonnet-4-5".to_owned())
    );
    let response = router.complete(&compile_request()).await.unwrap();
    assert_eq!(response.provider, ProviderKind::Anthropic);
    assert_eq!((first.request_count(), second.request_count()), (2, 1));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (first, second) = (FakeLlm::start().await, FakeLlm::start().await);
    first.set_mode(Mode::Fail(401));
    let router = Router::new(vec![openai(&first, "gpt-4o"), openai(&second, "gpt-4o")])
        .with_retry_policy(fast_retries(3));
    router.complete(&compile_request()).await.unwrap();
    assert_eq!((first.request_count(), second.request_count()), (1, 1));
    let err = router
        .complete_with(ProviderKind::Openai, &compile_request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Http { status: 401, .. }), "{err:?}");
}

#[tokio::test]
async fn when_every_provider_fails_the_last_error_is_reported() {
    let (first, second) = (FakeLlm::start().await, FakeLlm::start().await);
    first.set_mode(Mode::Fail(500));
    second.set_mode(Mode::Fail(502));
    let router = Router::new(vec![openai(&first, "gpt-4o"), anthropic(&second)])
        .with_retry_policy(fast_retries(2));
    let err = router.complete(&compile_request()).await.unwrap_err();
    match err {
        LlmError::AllFailed { message, outage } => {
            assert!(message.contains("HTTP 502"), "{message}");
            assert!(outage, "a 502 is an outage");
        }
        other => panic!("expected AllFailed, got {other:?}"),
    }
    assert_eq!((first.request_count(), second.request_count()), (3, 3));
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = FakeLlm::start().await;
    server.set_latency(Duration::from_secs(3));
    let short = Duration::from_millis(200);
    let provider = OllamaProvider::new("llama3.2", Some(server.url()), None, short).unwrap();
    let err = provider.complete(&compile_request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Timeout), "{err:?}");
    assert!(err.is_retryable());

    // The router's own per-call bound applies even when the client waits longer.
    let router = Router::new(vec![openai(&server, "gpt-4o")])
        .with_retry_policy(RetryPolicy::none())
        .with_call_timeout(short);
    let err = router
        .complete_with(ProviderKind::Openai, &compile_request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Timeout), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // A port that was just free: nothing listens there any more.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let provider = OllamaProvider::new("llama3.2", Some(format!("http://{addr}")), None, TIMEOUT);
    let err = provider
        .unwrap()
        .complete(&compile_request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("onnection refused"), "{err}");
}

struct ChatlessProvider;

#[async_trait]
impl Provider for ChatlessProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Offline
    }
    fn model(&self) -> &str {
        "offline"
    }
    async fn complete(&self, _req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        Err(LlmError::Unsupported("free-form chat".into()))
    }
}

#[tokio::test]
async fn unsupported_providers_are_skipped_silently() {
    let server = FakeLlm::start().await;
    let recorder = Arc::new(VecRecorder::default());
    let router = Router::new(vec![Arc::new(ChatlessProvider), openai(&server, "gpt-4o")])
        .with_recorder(recorder.clone());
    let response = router.complete(&compile_request()).await.unwrap();
    assert_eq!(response.provider, ProviderKind::Openai);
    assert_eq!(recorder.entries().len(), 1);

    let only_offline = Router::new(vec![Arc::new(ChatlessProvider)]);
    let err = only_offline.complete(&compile_request()).await.unwrap_err();
    assert!(matches!(err, LlmError::AllFailed { .. }), "{err:?}");
    let err = only_offline
        .complete_with(ProviderKind::Google, &compile_request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::NotConfigured(_)), "{err:?}");
}

#[tokio::test]
async fn invalid_json_once_then_a_repair_prompt_gets_a_valid_result() {
    let server = FakeLlm::start().await;
    server.set_mode(Mode::InvalidJsonOnce);
    let provider = openai(&server, "gpt-4o");
    let mut req = compile_request();
    let bad = provider.complete(&req).await.unwrap();
    assert!(serde_json::from_str::<Value>(&bad.content).is_err());

    req.messages.push(ChatMessage::assistant(bad.content));
    req.messages.push(ChatMessage::user(
        "That was not valid JSON. Return only the JSON object.",
    ));
    let fixed = provider.complete(&req).await.unwrap();
    assert_compile_result(&fixed.content);

    // A stand-alone repair prompt without the source keeps what the old reply had.
    let repair = CompletionRequest::new(
        Task::Compile,
        "",
        r#"Fix this so it has article_body: {"title": "Kept", "summary": "S."}"#,
    )
    .with_schema("compile_result", compile_schema());
    let repaired = provider.complete(&repair).await.unwrap();
    let value: Value = serde_json::from_str(&repaired.content).unwrap();
    assert_eq!(
        (value["title"].as_str(), value["summary"].as_str()),
        (Some("Kept"), Some("S."))
    );
    assert!(value["article_body"].is_string() && value["key_claims"].is_array());
}
