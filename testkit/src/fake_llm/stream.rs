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
mod tests;
