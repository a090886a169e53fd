//! OpenAI Chat Completions, and every server that speaks the same protocol (vLLM,
//! llama.cpp, LM Studio, OpenRouter).
//!
//! The base URL is used as given and `/chat/completions` is appended. The default,
//! `https://api.openai.com/v1`, includes the version segment, so a compatible server's
//! base URL must include it too (e.g. `http://localhost:8000/v1`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::http::{Auth, HttpCore, count_at, wire_name};
use super::streaming::{Lines, TextSink, stream_error};
use super::{CompletionRequest, CompletionResponse, LlmError, Provider, ProviderKind, Usage};

/// The official endpoint; a key is required only here.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A Chat Completions provider.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    core: HttpCore,
    max_completion_tokens: bool,
}

impl OpenAiProvider {
    /// `base_url: None` means the official API, which needs `api_key`; compatible
    /// servers often need no key, so it is optional for any other base URL.
    pub fn new(
        model: impl Into<String>,
        base_url: Option<String>,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LlmError> {
        let core = HttpCore::new(model.into(), base_url, DEFAULT_BASE_URL, api_key, timeout)?;
        let official = core.base_url.starts_with("https://api.openai.com");
        if official {
            core.require_key("OpenAI")?;
        }
        // The official API deprecated `max_tokens` (newer models reject it); compatible
        // servers mostly only know `max_tokens`.
        Ok(Self {
            core,
            max_completion_tokens: official,
        })
    }

    /// Shares a client (connection pool) with other providers.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.core.client = client;
        self
    }

    /// Chooses `max_completion_tokens` (true) or `max_tokens` (false) for the output limit.
    pub fn with_max_completion_tokens(mut self, yes: bool) -> Self {
        self.max_completion_tokens = yes;
        self
    }

    /// The JSON body sent to `/chat/completions`.
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
        let limit_field = if self.max_completion_tokens {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        let mut body = json!({
            "model": self.core.model,
            "messages": messages,
            "temperature": req.temperature,
        });
        body[limit_field] = json!(req.max_tokens);
        if let Some(schema) = &req.json_schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": wire_name(&schema.name), "schema": schema.schema, "strict": true},
            });
        }
        body
    }
}

/// Extracts content and usage from a Chat Completions reply.
pub fn parse_response(reply: &Value) -> Result<(String, Usage), LlmError> {
    let message = reply
        .pointer("/choices/0/message")
        .ok_or_else(|| LlmError::InvalidResponse("no choices[0].message in reply".into()))?;
    let content = match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        _ => {
            let why = message
                .get("refusal")
                .and_then(Value::as_str)
                .map(|r| format!("model refused: {r}"))
                .unwrap_or_else(|| "choices[0].message.content is missing".into());
            return Err(LlmError::InvalidResponse(why));
        }
    };
    let usage = Usage {
        input_tokens: count_at(reply, "/usage/prompt_tokens"),
        output_tokens: count_at(reply, "/usage/completion_tokens"),
    };
    Ok((content, usage))
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }

    fn model(&self) -> &str {
        &self.core.model
    }

    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/chat/completions", self.core.base_url);
        let reply = self
            .core
            .post_json(&url, Auth::Bearer, &[], &self.request_body(req))
            .await?;
        let (content, usage) = parse_response(&reply)?;
        Ok(CompletionResponse::new(
            ProviderKind::Openai,
            &self.core.model,
            content,
            usage,
        ))
    }

    /// Server-sent `chat.completion.chunk`s; text in `choices[0].delta.content`, usage in the
    /// final chunk when asked for with `stream_options.include_usage`.
    async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        let url = format!("{}/chat/completions", self.core.base_url);
        let mut body = self.request_body(req);
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
        let response = self
            .core
            .post_for_stream(&url, Auth::Bearer, &[], &body)
            .await?;
        let mut lines = Lines::new(response);
        let mut content = String::new();
        let mut usage = Usage::default();
        while let Some(event) = lines.next_json(true).await? {
            if let Some(err) = stream_error(&event) {
                return Err(err);
            }
            if let Some(piece) = event
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            {
                content.push_str(piece);
                on_text(piece);
            }
            if event.get("usage").is_some_and(Value::is_object) {
                usage = Usage {
                    input_tokens: count_at(&event, "/usage/prompt_tokens"),
                    output_tokens: count_at(&event, "/usage/completion_tokens"),
                };
            }
        }
        Ok(CompletionResponse::new(
            ProviderKind::Openai,
            &self.core.model,
            content,
            usage,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Task;

    #[test]
    fn official_api_needs_a_key_compatible_servers_do_not() {
        let t = Duration::from_secs(1);
        assert!(matches!(
            OpenAiProvider::new("gpt-4o", None, None, t),
            Err(LlmError::NotConfigured(_))
        ));
        let p = OpenAiProvider::new("m", Some("http://localhost:8000/v1".into()), None, t).unwrap();
        let body = p.request_body(&CompletionRequest::new(Task::Qa, "", "hi"));
        assert_eq!(body["max_tokens"], 4096);
        assert_eq!(body["messages"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn refusal_is_an_invalid_response() {
        let reply = json!({"choices": [{"message": {"content": null, "refusal": "no"}}]});
        let err = parse_response(&reply).unwrap_err();
        assert!(err.to_string().contains("refused"));
    }
}
