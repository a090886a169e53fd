//! `wikimind ask`: the answer streamed as the model writes it (Server-Sent Events from
//! `/api/ask/stream`), then its citations.

use std::io::Write;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{CliResult, Client, Failure};

/// One event of the stream.
struct Event {
    name: String,
    data: String,
}

/// Splits complete events off the front of `buffer` (events end with a blank line). Bytes,
/// not text: a character split between two chunks is decoded only once it is whole.
fn take_events(buffer: &mut Vec<u8>) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
        let bytes: Vec<u8> = buffer.drain(..end + 2).collect();
        let block = String::from_utf8_lossy(&bytes);
        let mut name = "message".to_owned();
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
            }
        }
        events.push(Event {
            name,
            data: data.join("\n"),
        });
    }
    events
}

/// Asks `question`; tokens are written to `out` as they arrive when `stream` is set. Returns
/// the `done` payload (`{conversation, turn}`).
pub(crate) async fn ask(
    client: &Client,
    question: &str,
    conversation: Option<&str>,
    stream: bool,
    out: &mut impl Write,
) -> CliResult<Value> {
    let body = json!({"question": question, "conversation_id": conversation});
    let response = client
        .send(client.request(Method::POST, "/api/ask/stream").json(&body))
        .await?;
    let mut bytes = response.bytes_stream();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = bytes.next().await {
        let chunk = chunk.map_err(|e| Failure::Local(format!("the answer stream broke: {e}")))?;
        // Line ends may be CRLF; the events are split on bare LFs.
        buffer.extend(chunk.iter().filter(|&&b| b != b'\r'));
        for event in take_events(&mut buffer) {
            let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
            match event.name.as_str() {
                "token" if stream => {
                    let _ = write!(out, "{}", data["text"].as_str().unwrap_or(""));
                    let _ = out.flush();
                }
                "done" => return Ok(data),
                "error" => {
                    return Err(Failure::Server {
                        status: reqwest::StatusCode::INTERNAL_SERVER_ERROR,
                        message: data["error"]["message"]
                            .as_str()
                            .unwrap_or("the answer failed")
                            .to_owned(),
                    });
                }
                _ => {}
            }
        }
    }
    Err(Failure::Local(
        "the answer stream ended without an answer".to_owned(),
    ))
}

/// The citations of a turn, one line each: `[n] Title — "quote"`.
pub(crate) fn citation_lines(turn: &Value) -> Vec<String> {
    turn["citations"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let title = c["article"]["title"].as_str().unwrap_or("");
                    match c["quote"].as_str() {
                        Some(q) => format!("[{}] {title} — \"{q}\"", c["n"]),
                        None => format!("[{}] {title}", c["n"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_where_they_end_and_partial_ones_wait() {
        let mut buffer =
            b"event: token\ndata: {\"text\":\"Hel\"}\n\nevent: token\ndata: {\"te".to_vec();
        let events = take_events(&mut buffer);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name, "token");
        assert_eq!(events[0].data, "{\"text\":\"Hel\"}");
        buffer.extend_from_slice(b"xt\":\"lo\"}\n\n: keepalive\n\n");
        let events = take_events(&mut buffer);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].data, "{\"text\":\"lo\"}");
        assert!(buffer.is_empty());
    }

    #[test]
    fn a_character_split_between_chunks_arrives_whole() {
        let event = "event: token\ndata: {\"text\":\"café\"}\n\n".as_bytes();
        let cut = event.len() - 5; // inside the two bytes of "é"
        let mut buffer = event[..cut].to_vec();
        assert!(take_events(&mut buffer).is_empty());
        buffer.extend_from_slice(&event[cut..]);
        let events = take_events(&mut buffer);
        assert_eq!(events[0].data, "{\"text\":\"café\"}");
    }
}
