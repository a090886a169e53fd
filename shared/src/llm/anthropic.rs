//! Anthropic Messages API (`POST {base}/v1/messages`).
//!
//! Structured output uses one forced tool: the schema becomes the tool's
//! `input_schema`, `tool_choice` names it, and the `tool_use` block's `input` is the
//! reply (serialised back to a JSON string so every provider returns text).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::http::{Auth, HttpCore, count_at, wire_name};
use super::streaming::{Lines, TextSink, stream_error};
use super::{CompletionRequest, CompletionResponse, LlmError, Provider, ProviderKind, Usage};

/// The official endpoint (without the `/v1` path, which is appended).
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version header value this module is written against.
pub const API_VERSION: &str = "2023-06-01";

/// A Messages API provider.
#[derive(Debug, Clone)]
pub struct AnthropicProvider {
    core: HttpCore,
}

impl AnthropicProvider {
    /// `api_key` is required; `base_url` defaults to [`DEFAULT_BASE_URL`].
    pub fn new(
        model: impl Into<String>,
        base_url: Option<String>,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LlmError> {
        let core = HttpCore::new(model.into(), base_url, DEFAULT_BASE_URL, api_key, timeout)?;
        core.require_key("Anthropic")?;
        Ok(Self { core })
    }

    /// Shares a client (connection pool) with other providers.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.core.client = client;
        self
    }

    /// The JSON body sent to `/v1/messages`.
    pub fn request_body(&self, req: &CompletionRequest) -> Value {
        let messages: Vec<Value> = req
            .messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
            .collect();
        let mut body = json!({
            "model": self.core.model,
            "max_tokens": req.max_tokens,
            // Anthropic accepts 0..=1 only; other providers go up to 2.
            "temperature": req.temperature.clamp(0.0, 1.0),
            "messages": messages,
        });
        if !req.system.is_empty() {
            body["system"] = json!(req.system);
        }
        if let Some(schema) = &req.json_schema {
            let name = wire_name(&schema.name);
            body["tools"] = json!([{
                "name": name,
                "description": "Record the result. Its input must follow the schema exactly.",
                "input_schema": schema.schema,
            }]);
            body["tool_choice"] = json!({"type": "tool", "name": name});
        }
        body
    }
}

/// Extracts content and usage from a Messages reply. With `want_tool`, the first
/// `tool_use` block's input is the content; without one, text blocks are used so the
/// caller's validation (and repair) can judge them.
pub fn parse_response(reply: &Value, want_tool: bool) -> Result<(String, Usage), LlmError> {
    let blocks = reply
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| LlmError::InvalidResponse("no content array in reply".into()))?;
    let tool_input = blocks
        .iter()
        .find(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .and_then(|b| b.get("input"));
    let content = match tool_input {
        Some(input) if want_tool => serde_json::to_string(input)
            .map_err(|e| LlmError::InvalidResponse(format!("tool input: {e}")))?,
        _ => {
            let text: String = blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            if text.is_empty() && want_tool {
                return Err(LlmError::InvalidResponse(
                    "reply has no tool_use block".into(),
                ));
            }
            text
        }
    };
    let usage = Usage {
        input_tokens: count_at(reply, "/usage/input_tokens"),
        output_tokens: count_at(reply, "/usage/output_tokens"),
    };
    Ok((content, usage))
}

#[async_trait]
impl Provider for AnthropicProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn model(&self) -> &str {
        &self.core.model
    }

    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/v1/messages", self.core.base_url);
        let headers = [("anthropic-version", API_VERSION)];
        let body = self.request_body(req);
        let reply = self
            .core
            .post_json(&url, Auth::Header("x-api-key"), &headers, &body)
            .await?;
        let (content, usage) = parse_response(&reply, req.json_schema.is_some())?;
        Ok(CompletionResponse::new(
            ProviderKind::Anthropic,
            &self.core.model,
            content,
            usage,
        ))
    }

    /// Messages streaming: `content_block_delta` events carry `text_delta`s; input tokens come
    /// in `message_start`, output tokens in `message_delta`.
    async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/v1/messages", self.core.base_url);
        let headers = [("anthropic-version", API_VERSION)];
        let mut body = self.request_body(req);
        body["stream"] = json!(true);
        let response = self
            .core
            .post_for_stream(&url, Auth::Header("x-api-key"), &headers, &body)
            .await?;
        let mut lines = Lines::new(response);
        let mut content = String::new();
        let mut usage = Usage::default();
        while let Some(event) = lines.next_json(true).await? {
            match event.get("type").and_then(Value::as_str) {
                Some("error") => {
                    return Err(stream_error(&event).unwrap_or_else(|| {
                        LlmError::InvalidResponse("the stream reported an error".into())
                    }));
                }
                Some("message_start") => {
                    usage.input_tokens = count_at(&event, "/message/usage/input_tokens");
                }
                Some("content_block_delta") => {
                    if let Some(piece) = event.pointer("/delta/text").and_then(Value::as_str) {
                        content.push_str(piece);
                        on_text(piece);
                    }
                }
                Some("message_delta") => {
                    usage.output_tokens = count_at(&event, "/usage/output_tokens");
                }
                Some("message_stop") => break,
                _ => {}
            }
        }
        Ok(CompletionResponse::new(
            ProviderKind::Anthropic,
            &self.core.model,
            content,
            usage,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_input_wins_over_text_when_a_schema_was_sent() {
        let reply = json!({
            "content": [{"type": "text", "text": "thinking"},
                        {"type": "tool_use", "name": "r", "input": {"a": 1}}],
            "usage": {"input_tokens": 5, "output_tokens": 7}
        });
        let (content, usage) = parse_response(&reply, true).unwrap();
        assert_eq!(content, r#"{"a":1}"#);
        assert_eq!(
            usage,
            Usage {
                input_tokens: 5,
                output_tokens: 7
            }
        );
        assert_eq!(parse_response(&reply, false).unwrap().0, "thinking");
    }

    #[test]
    fn missing_content_is_invalid() {
        assert!(matches!(
            parse_response(&json!({}), false),
            Err(LlmError::InvalidResponse(_))
        ));
        let empty = json!({"content": []});
        assert!(matches!(
            parse_response(&empty, true),
            Err(LlmError::InvalidResponse(_))
        ));
    }
}
