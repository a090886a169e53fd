//! Streamed replies in each provider's real streaming format: OpenAI chat-completion chunks
//! and Anthropic message events as server-sent events, Gemini partial responses as
//! server-sent events (`alt=sse`), and Ollama chat objects as NDJSON. The reply text is cut
//! into word-sized pieces (see [`pieces`]) sent with the configured delay between them.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream::{Stream, StreamExt, iter};
use serde_json::{Value, json};

use super::{Protocol, token_counts};

/// One write to the response body.
struct Frame {
    text: String,
    /// Whether to wait the stream delay before sending it: true for every text piece but
    /// the first, so the delay separates pieces and never holds back the envelope frames.
    paced: bool,
}

/// A streaming `200` reply carrying `text` in the protocol's streaming format.
pub(super) fn response(
    protocol: Protocol,
    request: &Value,
    model: &str,
    text: &str,
    delay: Duration,
) -> Response {
    let counts = token_counts(request, text);
    let pieces = pieces(text);
    let (content_type, frames) = match protocol {
        Protocol::OpenAi => ("text/event-stream", openai(request, model, &pieces, counts)),
        Protocol::Anthropic => ("text/event-stream", anthropic(model, &pieces, counts)),
        Protocol::Gemini => ("text/event-stream", gemini(model, &pieces, counts)),
        Protocol::Ollama => ("application/x-ndjson", ollama(model, &pieces, counts)),
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (
        StatusCode::OK,
        headers,
        Body::from_stream(paced(frames, delay)),
    )
        .into_response()
}

/// The frames as a body stream, sleeping `delay` before each paced one.
fn paced(
    frames: Vec<Frame>,
    delay: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    iter(frames).then(move |frame| async move {
        if frame.paced && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(Bytes::from(frame.text))
    })
}

/// `text` cut before each whitespace run that follows a word, so every piece is a word
/// with the whitespace before it (as model tokens usually are) and the pieces concatenate
/// back to exactly `text`. Empty text has no pieces.
pub(super) fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    // True at the start so leading whitespace stays with the first word.
    let mut after_space = true;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if space && !after_space && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        after_space = space;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Frames for the text pieces: `render` builds each one, all but the first are paced.
fn piece_frames(pieces: &[&str], render: impl Fn(usize, &str) -> String) -> Vec<Frame> {
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| Frame {
            text: render(i, piece),
            paced: i > 0,
        })
        .collect()
}

/// An unpaced frame.
fn frame(text: String) -> Frame {
    Frame { text, paced: false }
}

/// A server-sent event with only a `data:` line.
fn data(json: &Value) -> String {
    format!("data: {json}\n\n")
}

/// A server-sent event with an `event:` name and a `data:` line.
fn event(name: &str, json: &Value) -> String {
    format!("event: {name}\ndata: {json}\n\n")
}

/// Chat-completion chunks: a role chunk, one chunk per piece, the `stop` chunk, the usage
/// chunk when `stream_options.include_usage` asked for it, then `[DONE]`.
fn openai(
    request: &Value,
    model: &str,
    pieces: &[&str],
    (input, output): (u64, u64),
) -> Vec<Frame> {
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    let mut frames = vec![frame(data(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )))];
    frames.extend(piece_frames(pieces, |_, piece| {
        data(&chunk(json!({"content": piece}), Value::Null))
    }));
    frames.push(frame(data(&chunk(json!({}), json!("stop")))));
    if request.pointer("/stream_options/include_usage") == Some(&Value::Bool(true)) {
        let usage = json!({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [],
            "usage": {"prompt_tokens": input, "completion_tokens": output,
                      "total_tokens": input + output},
        });
        frames.push(frame(data(&usage)));
    }
    frames.push(frame("data: [DONE]\n\n".to_owned()));
    frames
}

/// Messages events: `message_start`, `content_block_start`, `ping`, one `text_delta` per
/// piece, then `content_block_stop`, `message_delta` (stop reason, output tokens) and
/// `message_stop`.
fn anthropic(model: &str, pieces: &[&str], (input, output): (u64, u64)) -> Vec<Frame> {
    let start = json!({
        "type": "message_start",
        "message": {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                    "content": [], "stop_reason": null,
                    "usage": {"input_tokens": input, "output_tokens": 1}},
    });
    let block_start = json!({
        "type": "content_block_start", "index": 0,
        "content_block": {"type": "text", "text": ""},
    });
    let mut frames = vec![
        frame(event("message_start", &start)),
        frame(event("content_block_start", &block_start)),
        frame(event("ping", &json!({"type": "ping"}))),
    ];
    frames.extend(piece_frames(pieces, |_, piece| {
        let delta = json!({
            "type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": piece},
        });
        event("content_block_delta", &delta)
    }));
    let message_delta = json!({
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": null},
        "usage": {"output_tokens": output},
    });
    frames.extend([
        frame(event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        )),
        frame(event("message_delta", &message_delta)),
        frame(event("message_stop", &json!({"type": "message_stop"}))),
    ]);
    frames
}

/// Partial `GenerateContentResponse`s, one per piece; the last also carries the finish
/// reason and the usage.
fn gemini(model: &str, pieces: &[&str], (input, output): (u64, u64)) -> Vec<Frame> {
    // The finish reason and usage ride on the last piece, so an empty reply still needs one.
    let pieces = if pieces.is_empty() { &[""][..] } else { pieces };
    let last = pieces.len() - 1;
    piece_frames(pieces, |i, piece| {
        let mut candidate = json!({
            "content": {"role": "model", "parts": [{"text": piece}]}, "index": 0,
        });
        let mut response = json!({"modelVersion": model});
        if i == last {
            candidate["finishReason"] = json!("STOP");
            response["usageMetadata"] = json!({
                "promptTokenCount": input, "candidatesTokenCount": output,
                "totalTokenCount": input + output,
            });
        }
        response["candidates"] = json!([candidate]);
        data(&response)
    })
}

/// `/api/chat` objects, one per line: one per piece with `done: false`, then an empty
/// `done: true` one with the counts.
fn ollama(model: &str, pieces: &[&str], (input, output): (u64, u64)) -> Vec<Frame> {
    let created_at = "2026-01-01T00:00:00Z";
    let mut frames = piece_frames(pieces, |_, piece| {
        let line = json!({
            "model": model, "created_at": created_at,
            "message": {"role": "assistant", "content": piece}, "done": false,
        });
        format!("{line}\n")
    });
    let done = json!({
        "model": model, "created_at": created_at,
        "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": "stop",
        "prompt_eval_count": input, "eval_count": output,
    });
    frames.push(frame(format!("{done}\n")));
    frames
}

#[cfg(test)]
mod tests {
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
                let mut body =
                    json!({"model": "claude-test", "max_tokens": 100, "messages": message});
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
        let body =
            json!({"model": "llama-test", "messages": [{"role": "user", "content": QUESTION}]});
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
}
