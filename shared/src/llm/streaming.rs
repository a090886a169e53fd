//! Reading a streamed reply: lines as they arrive (NDJSON, and Server-Sent Events whose
//! `data:` lines carry one JSON object each), and the [`TextSink`] that receives text pieces.

use serde_json::Value;

use super::LlmError;
use super::http::map_reqwest_error;

/// Receives each piece of answer text as the provider sends it.
pub type TextSink<'a> = dyn FnMut(&str) + Send + 'a;

/// Longest line accepted; a provider never sends one this long, a broken proxy might.
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The lines of a streamed HTTP body, split on `\n` as bytes arrive (a line may span chunks).
pub(crate) struct Lines {
    response: reqwest::Response,
    buffer: Vec<u8>,
    done: bool,
}

impl Lines {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: Vec::new(),
            done: false,
        }
    }

    /// The next line without its line ending, or `None` at the end of the body.
    pub(crate) async fn next_line(&mut self) -> Result<Option<String>, LlmError> {
        loop {
            if let Some(i) = self.buffer.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line)
                    .map(Some)
                    .map_err(|_| LlmError::InvalidResponse("stream is not UTF-8".into()));
            }
            if self.done {
                if self.buffer.is_empty() {
                    return Ok(None);
                }
                let rest = std::mem::take(&mut self.buffer);
                return String::from_utf8(rest)
                    .map(Some)
                    .map_err(|_| LlmError::InvalidResponse("stream is not UTF-8".into()));
            }
            match self.response.chunk().await.map_err(map_reqwest_error)? {
                Some(bytes) => {
                    self.buffer.extend_from_slice(&bytes);
                    if self.buffer.len() > MAX_LINE_BYTES {
                        return Err(LlmError::InvalidResponse("stream line too long".into()));
                    }
                }
                None => self.done = true,
            }
        }
    }

    /// The next JSON object of the stream: the payload of an SSE `data:` line (`sse`) or a
    /// whole NDJSON line. `None` at the end, or at an SSE `data: [DONE]`.
    pub(crate) async fn next_json(&mut self, sse: bool) -> Result<Option<Value>, LlmError> {
        while let Some(line) = self.next_line().await? {
            let payload = if sse {
                match line.strip_prefix("data:") {
                    Some(data) => data.trim(),
                    // Event names, ids, comments and the blank lines between events.
                    None => continue,
                }
            } else {
                line.trim()
            };
            if payload.is_empty() {
                continue;
            }
            if payload == "[DONE]" {
                return Ok(None);
            }
            return serde_json::from_str(payload)
                .map(Some)
                .map_err(|e| LlmError::InvalidResponse(format!("stream event is not JSON: {e}")));
        }
        Ok(None)
    }
}

/// An error object inside a stream (providers report failures mid-stream this way).
pub(crate) fn stream_error(event: &Value) -> Option<LlmError> {
    let error = event.get("error")?;
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| error.to_string());
    Some(LlmError::InvalidResponse(format!(
        "the provider reported: {message}"
    )))
}
