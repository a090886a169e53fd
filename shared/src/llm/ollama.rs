//! Ollama chat API (`POST {base}/api/chat`), whole replies and NDJSON streams.
//!
//! A schema is passed as `format`, which Ollama enforces with constrained decoding.
//! No key is needed; if one is given it is sent as a bearer token, for instances
//! behind an authenticating proxy.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::http::{Auth, HttpCore, count_at};
use super::streaming::{Lines, TextSink, stream_error};
use super::{CompletionRequest, CompletionResponse, LlmError, Provider, ProviderKind};

/// A local Ollama on its default port.
pub const DEFAULT_BASE_URL: &str = "http://localhost:11434";

/// An Ollama provider.
#[derive(Debug, Clone)]
pub struct OllamaProvider {
    core: HttpCore,
}

impl OllamaProvider {
    /// `base_url` defaults to [`DEFAULT_BASE_URL`]; `api_key` is optional.
    pub fn new(
        model: impl Into<String>,
        base_url: Option<String>,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LlmError> {
        let core = HttpCore::new(model.into(), base_url, DEFAULT_BASE_URL, api_key, timeout)?;
        Ok(Self { core })
    }

    /// Shares a client (connection pool) with other providers.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.core.client = client;
        self
    }

    /// The JSON body sent to `/api/chat`.
    pub fn request_body(&self, req: &CompletionRequest) -> Value {
        let mut messages = Vec::with_capacity(req.messages.len() + 1);
        if !req.system.is_empty() {
            messages.push(json!({"role": "system", "content": req.system}));
        }
        messages.extend(
            req.messages
                .iter()
                .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
        );
        let mut body = json!({
            "model": self.core.model,
            "messages": messages,
            "stream": false,
            "options": {"temperature": req.temperature, "num_predict": req.max_tokens},
        });
        if let Some(schema) = &req.json_schema {
            body["format"] = schema.schema.clone();
        }
        body
    }
}

/// Extracts content and usage from an `/api/chat` reply (counts are absent when
/// the prompt was cached, hence 0).
pub fn parse_response(reply: &Value) -> Result<(String, super::Usage), LlmError> {
    let content = reply
        .pointer("/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| LlmError::InvalidResponse("no message.content in reply".into()))?;
    let usage = super::Usage {
        input_tokens: count_at(reply, "/prompt_eval_count"),
        output_tokens: count_at(reply, "/eval_count"),
    };
    Ok((content.to_owned(), usage))
}

#[async_trait]
impl Provider for OllamaProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ollama
    }

    fn model(&self) -> &str {
        &self.core.model
    }

    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/api/chat", self.core.base_url);
        let reply = self
            .core
            .post_json(&url, Auth::Bearer, &[], &self.request_body(req))
            .await?;
        let (content, usage) = parse_response(&reply)?;
        Ok(CompletionResponse::new(
            ProviderKind::Ollama,
            &self.core.model,
            content,
            usage,
        ))
    }

    /// `"stream": true`: one JSON object per line, text in `message.content`, counts in the
    /// final `done` object.
    async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/api/chat", self.core.base_url);
        let mut body = self.request_body(req);
        body["stream"] = json!(true);
        let response = self
            .core
            .post_for_stream(&url, Auth::Bearer, &[], &body)
            .await?;
        let mut lines = Lines::new(response);
        let mut content = String::new();
        let mut usage = super::Usage::default();
        while let Some(event) = lines.next_json(false).await? {
            if let Some(err) = stream_error(&event) {
                return Err(err);
            }
            if let Some(piece) = event
                .pointer("/message/content")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            {
                content.push_str(piece);
                on_text(piece);
            }
            if event.get("done").and_then(Value::as_bool) == Some(true) {
                usage = super::Usage {
                    input_tokens: count_at(&event, "/prompt_eval_count"),
                    output_tokens: count_at(&event, "/eval_count"),
                };
                break;
            }
        }
        Ok(CompletionResponse::new(
            ProviderKind::Ollama,
            &self.core.model,
            content,
            usage,
        ))
    }
}
