//! `POST /api/ask/stream`: answer text arrives as `token` events in each provider's streaming
//! protocol, then one `done` with the stored turn; bad requests are refused before streaming;
//! offline the extractive answer arrives whole.

use std::time::Duration;

use serde_json::{Value, json};
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::ask::{HEAP_QUESTION, NOTES};
use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with};
use crate::llm::use_provider;
use crate::search::ingest_corpus;

const LIMIT: Duration = Duration::from_secs(120);

/// The events of an SSE body as (event name, JSON data).
fn parse_events(body: &str) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    for frame in body.split("\n\n") {
        let mut name = String::from("message");
        let mut data = String::new();
        for line in frame.lines() {
            if let Some(n) = line.strip_prefix("event:") {
                name = n.trim().to_owned();
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            }
        }
        if !data.is_empty() {
            events.push((
                name,
                serde_json::from_str(&data).expect("event data is JSON"),
            ));
        }
    }
    events
}

async fn stream(app: &TestApp, body: Value) -> (u16, String, String) {
    let r = app
        .client
        .post(app.url("/api/ask/stream"))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, r.text().await.expect("body"))
}

/// Spaces before punctuation and runs of whitespace do not count: a dropped marker's space may
/// already have been sent when the marker turned out to name no passage.
fn normalise(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    [" .", " ,", " ;", " :"]
        .iter()
        .fold(collapsed, |t, p| t.replace(p, &p[1..]))
}

async fn stream_through(kind: ProviderKind, base_path: &str) {
    let fake = FakeLlm::start().await;
    let base = format!("{}{base_path}", fake.url());
    let app = spawn_app_with(|s| use_provider(s, kind, base)).await;
    for note in NOTES {
        let (_, body) = app.post_text(note, None).await;
        app.wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
            .await;
    }
    fake.clear_requests();

    let (status, content_type, body) = stream(&app, json!({"question": HEAP_QUESTION})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let events = parse_events(&body);
    let tokens: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "token")
        .map(|(_, d)| d["text"].as_str().expect("text"))
        .collect();
    assert!(
        tokens.len() > 1,
        "{kind:?}: the answer came in one piece: {body}"
    );
    let (last, done) = events.last().expect("events");
    assert_eq!(last, "done", "{body}");
    let turn = &done["turn"];
    assert_eq!(turn["mode"], "llm");
    assert_eq!(turn["provider"], kind.as_str());
    // Prose, never the raw JSON of a reply, and the marker naming no passage never shown.
    let streamed = tokens.concat();
    assert!(!streamed.trim_start().starts_with('{'), "{streamed}");
    assert_eq!(
        normalise(&streamed),
        normalise(turn["answer"].as_str().expect("answer"))
    );
    assert_eq!(turn["dropped_citations"], 1, "{turn}");
    assert!(!turn["citations"].as_array().expect("citations").is_empty());
    // Stored, and cost-logged as a question.
    let id = done["conversation"]["id"].as_str().expect("id");
    let (_, stored) = app.get_json(&format!("/api/conversations/{id}")).await;
    assert_eq!(stored["turns"][0]["answer"], turn["answer"]);
    let costs = shared::db::costs::all(&app.db).await.expect("costs");
    assert!(
        costs
            .iter()
            .any(|c| c.task == "qa" && c.ok && c.output_tokens > 0),
        "{costs:?}"
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 1, "{sent:?}");
}

#[tokio::test]
async fn answers_stream_from_an_openai_compatible_server() {
    stream_through(ProviderKind::Openai, "/v1").await;
}

#[tokio::test]
async fn answers_stream_through_the_anthropic_protocol() {
    stream_through(ProviderKind::Anthropic, "").await;
}

#[tokio::test]
async fn answers_stream_through_the_gemini_protocol() {
    stream_through(ProviderKind::Google, "").await;
}

#[tokio::test]
async fn answers_stream_through_the_ollama_protocol() {
    stream_through(ProviderKind::Ollama, "").await;
}

#[tokio::test]
async fn a_model_that_fails_before_answering_gives_an_extractive_answer_that_says_so() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        s.llm.max_retries = 0;
    })
    .await;
    let (_, body) = app.post_text(NOTES[0], None).await;
    app.wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    fake.set_mode(testkit::fake_llm::Mode::Fail(500));

    let (status, _, body) = stream(&app, json!({"question": HEAP_QUESTION})).await;
    assert_eq!(status, 200);
    let events = parse_events(&body);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["token", "done"], "{body}");
    let turn = &events[1].1["turn"];
    assert_eq!(turn["mode"], "extractive", "{body}");
    assert!(
        turn["answer"]
            .as_str()
            .is_some_and(|a| a.contains("could not be reached")),
        "{body}"
    );
    assert_eq!(events[0].1["text"], turn["answer"]);
}

#[tokio::test]
async fn offline_the_extractive_answer_arrives_whole_and_bad_requests_are_refused() {
    let app = spawn_app().await;
    ingest_corpus(&app, &["html/python/heapq.html"]).await;
    let (status, _, body) = stream(&app, json!({"question": HEAP_QUESTION})).await;
    assert_eq!(status, 200);
    let events = parse_events(&body);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["token", "done"], "{body}");
    assert_eq!(events[1].1["turn"]["mode"], "extractive");
    assert_eq!(events[0].1["text"], events[1].1["turn"]["answer"]);

    let (status, body) = app
        .post_json("/api/ask/stream", &json!({"question": ""}))
        .await;
    assert_envelope(status, &body, 422);
    let (status, body) = app
        .post_json(
            "/api/ask/stream",
            &json!({"question": "heap?", "conversation_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_envelope(status, &body, 404);
}
