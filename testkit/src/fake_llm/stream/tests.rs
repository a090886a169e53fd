//! The streamed replies of every protocol, against a running fake server.
use std::time::Instant;

use super::*;
use crate::fake_llm::{FakeLlm, Mode};

const ALL: [Protocol; 4] = [
    Protocol::OpenAi,
    Protocol::Anthropic,
    Protocol::Gemini,
    Protocol::Ollama,
];

/// A question prompt with two passages (the answer rule for `Passages from the wiki:`).
const QUESTION: &str = "Answer from the passages only.\n\nPassages from the wiki:\n\
    [1] Heaps\nA heap is a tree with an ordering. It is fast.\n\
    [2] Stacks\nA stack is last in, first out.\n\nQuestion: what is a heap?";

/// The path and body of a question request, streaming or not.
fn request(protocol: Protocol, streaming: bool) -> (String, Value) {
    let message = json!([{"role": "user", "content": QUESTION}]);
    match protocol {
        Protocol::OpenAi => {
            let mut body = json!({"model": "gpt-test", "messages": message});
            if streaming {
                body["stream"] = json!(true);
                body["stream_options"] = json!({"include_usage": true});
            }
            ("/v1/chat/completions".into(), body)
        }
        Protocol::Anthropic => {
            let mut body = json!({"model": "claude-test", "max_tokens": 100, "messages": message});
            if streaming {
                body["stream"] = json!(true);
            }
            ("/v1/messages".into(), body)
        }
        Protocol::Gemini => {
            let body = json!({"contents": [{"role": "user", "parts": [{"text": QUESTION}]}]});
            let path = if streaming {
                "/v1beta/models/gemini-test:streamGenerateContent?alt=sse"
            } else {
                "/v1beta/models/gemini-test:generateContent"
            };
            (path.into(), body)
        }
        Protocol::Ollama => {
            let body = json!({"model": "llama-test", "messages": message, "stream": streaming});
            ("/api/chat".into(), body)
        }
    }
}

async fn send(server: &FakeLlm, protocol: Protocol, streaming: bool) -> reqwest::Response {
    let (path, body) = request(protocol, streaming);
    reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The reply text of a whole (non-streamed) answer.
async fn whole_text(server: &FakeLlm, protocol: Protocol) -> String {
    let response = send(server, protocol, false).await;
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    let pointer = match protocol {
        Protocol::OpenAi => "/choices/0/message/content",
        Protocol::Anthropic => "/content/0/text",
        Protocol::Gemini => "/candidates/0/content/parts/0/text",
        Protocol::Ollama => "/message/content",
    };
    reply.pointer(pointer).unwrap().as_str().unwrap().to_owned()
}

/// The `data:` payloads of a server-sent-event body, with each event's name if any.
fn sse_events(body: &str) -> Vec<(Option<String>, String)> {
    assert!(body.ends_with("\n\n"), "unterminated event: {body:?}");
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let mut name = None;
            let mut payload = None;
            for line in e.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    payload = Some(d.to_owned());
                } else {
                    panic!("unexpected line {line:?}");
                }
            }
            (name, payload.unwrap())
        })
        .collect()
}

fn parse(payload: &str) -> Value {
    serde_json::from_str(payload).unwrap()
}

/// Checks a streamed body's framing for the protocol and returns its text pieces.
fn streamed_pieces(protocol: Protocol, body: &str) -> Vec<String> {
    let text_of =
        |v: &Value, pointer: &str| v.pointer(pointer).unwrap().as_str().unwrap().to_owned();
    match protocol {
        Protocol::OpenAi => {
            let events = sse_events(body);
            let payloads: Vec<&str> = events.iter().map(|(_, d)| d.as_str()).collect();
            let [first, pieces @ .., stop, usage, done] = payloads.as_slice() else {
                panic!("too few chunks: {payloads:?}");
            };
            assert_eq!(*done, "[DONE]");
            let first = parse(first);
            assert_eq!(first["object"], "chat.completion.chunk");
            assert_eq!(first["model"], "gpt-test");
            assert_eq!(
                first["choices"][0]["delta"],
                json!({"role": "assistant", "content": ""})
            );
            let stop = parse(stop);
            assert_eq!(stop["choices"][0]["delta"], json!({}));
            assert_eq!(stop["choices"][0]["finish_reason"], "stop");
            let usage = parse(usage);
            assert_eq!(usage["choices"], json!([]));
            let u = &usage["usage"];
            let (p, c) = (
                u["prompt_tokens"].as_u64().unwrap(),
                u["completion_tokens"].as_u64().unwrap(),
            );
            assert!(p > 0 && c > 0);
            assert_eq!(u["total_tokens"].as_u64(), Some(p + c));
            pieces
                .iter()
                .map(|p| {
                    let chunk = parse(p);
                    assert_eq!(chunk["choices"][0]["finish_reason"], Value::Null);
                    text_of(&chunk, "/choices/0/delta/content")
                })
                .collect()
        }
        Protocol::Anthropic => {
            let events: Vec<(String, Value)> = sse_events(body)
                .into_iter()
                .map(|(name, d)| {
                    let v = parse(&d);
                    let name = name.unwrap();
                    assert_eq!(v["type"], name.as_str());
                    (name, v)
                })
                .collect();
            let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
            let [
                "message_start",
                "content_block_start",
                "ping",
                middle @ ..,
                "content_block_stop",
                "message_delta",
                "message_stop",
            ] = names.as_slice()
            else {
                panic!("unexpected event order: {names:?}");
            };
            assert!(middle.iter().all(|n| *n == "content_block_delta"));
            let start = &events[0].1["message"];
            assert_eq!(start["model"], "claude-test");
            assert!(start["usage"]["input_tokens"].as_u64().unwrap() > 0);
            let message_delta = &events[events.len() - 2].1;
            assert_eq!(message_delta["delta"]["stop_reason"], "end_turn");
            assert!(message_delta["usage"]["output_tokens"].as_u64().unwrap() > 0);
            events[3..events.len() - 3]
                .iter()
                .map(|(_, v)| {
                    assert_eq!(v["delta"]["type"], "text_delta");
                    text_of(v, "/delta/text")
                })
                .collect()
        }
        Protocol::Gemini => {
            let events = sse_events(body);
            let last = events.len() - 1;
            events
                .iter()
                .enumerate()
                .map(|(i, (name, d))| {
                    assert_eq!(*name, None);
                    let v = parse(d);
                    assert_eq!(v["modelVersion"], "gemini-test");
                    let candidate = &v["candidates"][0];
                    if i == last {
                        assert_eq!(candidate["finishReason"], "STOP");
                        let u = &v["usageMetadata"];
                        let p = u["promptTokenCount"].as_u64().unwrap();
                        let c = u["candidatesTokenCount"].as_u64().unwrap();
                        assert_eq!(u["totalTokenCount"].as_u64(), Some(p + c));
                    } else {
                        assert!(candidate.get("finishReason").is_none());
                        assert!(v.get("usageMetadata").is_none());
                    }
                    assert_eq!(candidate["content"]["role"], "model");
                    text_of(candidate, "/content/parts/0/text")
                })
                .collect()
        }
        Protocol::Ollama => {
            assert!(body.ends_with('\n'));
            let lines: Vec<Value> = body.lines().map(parse).collect();
            let [pieces @ .., done] = lines.as_slice() else {
                panic!("empty stream");
            };
            assert_eq!(done["done"], true);
            assert_eq!(done["done_reason"], "stop");
            assert_eq!(done["message"], json!({"role": "assistant", "content": ""}));
            assert!(done["prompt_eval_count"].as_u64().unwrap() > 0);
            assert!(done["eval_count"].as_u64().unwrap() > 0);
            pieces
                .iter()
                .map(|v| {
                    assert_eq!(v["done"], false);
                    assert_eq!(v["model"], "llama-test");
                    assert_eq!(v["created_at"], "2026-01-01T00:00:00Z");
                    text_of(v, "/message/content")
                })
                .collect()
        }
    }
}

/// Sends a streaming question and returns its checked pieces.
async fn stream_pieces(server: &FakeLlm, protocol: Protocol) -> Vec<String> {
    let response = send(server, protocol, true).await;
    assert_eq!(response.status(), 200, "{protocol:?}");
    let content_type = match protocol {
        Protocol::Ollama => "application/x-ndjson",
        _ => "text/event-stream",
    };
    assert_eq!(response.headers()[header::CONTENT_TYPE], content_type);
    let body = response.text().await.unwrap();
    streamed_pieces(protocol, &body)
}

#[test]
fn pieces_are_words_that_concatenate_back() {
    assert_eq!(
        pieces("From your  wiki:\nA [1]."),
        ["From", " your", "  wiki:", "\nA", " [1]."]
    );
    assert_eq!(pieces("  lead trail "), ["  lead", " trail", " "]);
    assert_eq!(pieces("OK"), ["OK"]);
    assert!(pieces("").is_empty());
    let text = "Ünïcode  wörds\tand\n\nlines ";
    assert_eq!(pieces(text).concat(), text);
}

#[tokio::test]
async fn every_protocol_streams_the_whole_reply_in_pieces() {
    let server = FakeLlm::start().await;
    for protocol in ALL {
        let whole = whole_text(&server, protocol).await;
        assert!(
            whole.starts_with("From your wiki: A heap is a tree"),
            "{whole}"
        );
        let pieces = stream_pieces(&server, protocol).await;
        assert!(pieces.len() > 1, "{protocol:?}: {pieces:?}");
        assert!(pieces.iter().all(|p| !p.is_empty()));
        assert_eq!(pieces.concat(), whole, "{protocol:?}");
    }
    // Streaming requests are recorded like the others.
    let requests = server.requests();
    assert_eq!(requests.len(), 8);
    assert_eq!(
        requests[7].body["stream"], true,
        "the last request is Ollama's streaming one"
    );
    assert_eq!(
        requests[5].path,
        "/v1beta/models/gemini-test:streamGenerateContent"
    );
}

#[tokio::test]
async fn failures_are_http_errors_before_any_stream() {
    let server = FakeLlm::start().await;
    for protocol in ALL {
        server.set_mode(Mode::Fail(503));
        let response = send(&server, protocol, true).await;
        assert_eq!(response.status(), 503, "{protocol:?}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let error: Value = response.json().await.unwrap();
        assert!(error.get("error").is_some(), "{protocol:?}: {error}");

        server.set_mode(Mode::FailTimes(1, 500));
        assert_eq!(send(&server, protocol, true).await.status(), 500);
        assert!(stream_pieces(&server, protocol).await.len() > 1);

        server.set_mode(Mode::RateLimitOnce {
            retry_after_secs: 7,
        });
        let limited = send(&server, protocol, true).await;
        assert_eq!(limited.status(), 429, "{protocol:?}");
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
        assert!(stream_pieces(&server, protocol).await.len() > 1);
    }
}

#[tokio::test]
async fn garbage_modes_stream_the_garbage_text() {
    let server = FakeLlm::start().await;
    for protocol in ALL {
        server.set_mode(Mode::InvalidJsonOnce);
        assert_eq!(
            stream_pieces(&server, protocol).await.concat(),
            super::super::GARBAGE
        );
        assert_ne!(
            stream_pieces(&server, protocol).await.concat(),
            super::super::GARBAGE
        );
    }
}

#[tokio::test]
async fn gemini_streams_only_as_server_sent_events() {
    let server = FakeLlm::start().await;
    let (_, body) = request(Protocol::Gemini, true);
    let url = format!(
        "{}/v1beta/models/gemini-test:streamGenerateContent",
        server.url()
    );
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], 400);
}

#[tokio::test]
async fn ollama_without_the_stream_field_answers_whole() {
    let server = FakeLlm::start().await;
    let body = json!({"model": "llama-test", "messages": [{"role": "user", "content": QUESTION}]});
    let response = reqwest::Client::new()
        .post(format!("{}/api/chat", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["done"], true);
}

#[tokio::test]
async fn pieces_arrive_over_time_with_a_stream_delay() {
    let server = FakeLlm::start().await;
    let delay = Duration::from_millis(20);
    server.set_stream_delay(delay);
    let mut response = send(&server, Protocol::OpenAi, true).await;
    let started = Instant::now();
    let mut body = Vec::new();
    let mut first_piece_at = None;
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
        if first_piece_at.is_none() && String::from_utf8_lossy(&body).contains("\"From\"") {
            first_piece_at = Some(started.elapsed());
        }
    }
    let total = started.elapsed();
    let pieces = streamed_pieces(Protocol::OpenAi, &String::from_utf8(body).unwrap());
    let waits = u32::try_from(pieces.len() - 1).unwrap();
    assert!(
        total >= delay * waits,
        "{total:?} for {} pieces",
        pieces.len()
    );
    // The first piece is not held back until the stream ends.
    let first_piece_at = first_piece_at.unwrap();
    assert!(
        first_piece_at + delay * (waits / 2) <= total,
        "{first_piece_at:?} of {total:?}"
    );
}
