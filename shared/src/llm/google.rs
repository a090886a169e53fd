//! Google Gemini `generateContent` (`POST {base}/v1beta/models/{model}:generateContent`).
//!
//! Gemini's `responseSchema` is an OpenAPI subset and rejects keywords such as
//! `additionalProperties`, `$schema` or `$ref`, so the schema is reduced to the
//! keywords it accepts before sending ([`gemini_schema`]).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::http::{Auth, HttpCore, count_at};
use super::streaming::{Lines, TextSink, stream_error};
use super::{CompletionRequest, CompletionResponse, LlmError, Provider, ProviderKind, Role, Usage};

/// The official endpoint (without the `/v1beta` path, which is appended).
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// Schema keywords Gemini's `responseSchema` accepts; everything else is dropped.
const GEMINI_SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "items",
    "properties",
    "required",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "propertyOrdering",
];

/// A Gemini provider.
#[derive(Debug, Clone)]
pub struct GoogleProvider {
    core: HttpCore,
}

impl GoogleProvider {
    /// `api_key` is required; a `models/` prefix on the model name is accepted.
    pub fn new(
        model: impl Into<String>,
        base_url: Option<String>,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LlmError> {
        let model: String = model.into();
        let model = model.trim().trim_start_matches("models/").to_owned();
        let core = HttpCore::new(model, base_url, DEFAULT_BASE_URL, api_key, timeout)?;
        core.require_key("Google Gemini")?;
        Ok(Self { core })
    }

    /// Shares a client (connection pool) with other providers.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.core.client = client;
        self
    }

    /// The JSON body sent to `:generateContent`.
    pub fn request_body(&self, req: &CompletionRequest) -> Value {
        let contents: Vec<Value> = req
            .messages
            .iter()
            .map(|m| {
                let role = if m.role == Role::Assistant {
                    "model"
                } else {
                    "user"
                };
                json!({"role": role, "parts": [{"text": m.content}]})
            })
            .collect();
        let mut config = json!({
            "maxOutputTokens": req.max_tokens,
            "temperature": req.temperature,
        });
        if let Some(schema) = &req.json_schema {
            config["responseMimeType"] = json!("application/json");
            config["responseSchema"] = gemini_schema(&schema.schema);
        }
        let mut body = json!({"contents": contents, "generationConfig": config});
        if !req.system.is_empty() {
            body["systemInstruction"] = json!({"parts": [{"text": req.system}]});
        }
        body
    }
}

/// Reduces a JSON Schema to what Gemini's `responseSchema` accepts: unknown keywords
/// are dropped, `type: [T, "null"]` becomes `type: T, nullable: true`, and a string
/// `const` becomes a one-value `enum`.
pub fn gemini_schema(schema: &Value) -> Value {
    let Value::Object(input) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in input {
        match key.as_str() {
            "properties" => {
                let props = value.as_object().map(|props| {
                    props
                        .iter()
                        .map(|(name, s)| (name.clone(), gemini_schema(s)))
                        .collect()
                });
                out.insert(key.clone(), Value::Object(props.unwrap_or_default()));
            }
            "items" => {
                out.insert(key.clone(), gemini_schema(value));
            }
            "anyOf" => {
                let variants = value
                    .as_array()
                    .map(|v| v.iter().map(gemini_schema).collect());
                out.insert(key.clone(), Value::Array(variants.unwrap_or_default()));
            }
            "type" => {
                if let Value::Array(types) = value {
                    let non_null: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                    if let Some(first) = non_null.first() {
                        out.insert(key.clone(), (*first).clone());
                    }
                    if non_null.len() < types.len() {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                } else {
                    out.insert(key.clone(), value.clone());
                }
            }
            "const" if value.is_string() => {
                out.insert("enum".into(), json!([value]));
            }
            k if GEMINI_SCHEMA_KEYS.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}

/// Extracts content and usage from a `generateContent` reply. Thinking tokens are
/// billed as output, so they are counted as output tokens.
pub fn parse_response(reply: &Value) -> Result<(String, Usage), LlmError> {
    let Some(candidate) = reply.pointer("/candidates/0") else {
        let reason = reply
            .pointer("/promptFeedback/blockReason")
            .and_then(Value::as_str);
        return Err(LlmError::InvalidResponse(match reason {
            Some(r) => format!("prompt blocked: {r}"),
            None => "no candidates in reply".into(),
        }));
    };
    let parts = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array);
    let text: String = parts
        .into_iter()
        .flatten()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    if parts.is_none() {
        let reason = candidate
            .get("finishReason")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        return Err(LlmError::InvalidResponse(format!(
            "candidate has no parts ({reason})"
        )));
    }
    let usage = Usage {
        input_tokens: count_at(reply, "/usageMetadata/promptTokenCount"),
        output_tokens: count_at(reply, "/usageMetadata/candidatesTokenCount")
            + count_at(reply, "/usageMetadata/thoughtsTokenCount"),
    };
    Ok((text, usage))
}

#[async_trait]
impl Provider for GoogleProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Google
    }

    fn model(&self) -> &str {
        &self.core.model
    }

    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        let url = format!(
            "{}/v1beta/models/{}:generateContent",
            self.core.base_url, self.core.model
        );
        let body = self.request_body(req);
        let reply = self
            .core
            .post_json(&url, Auth::Header("x-goog-api-key"), &[], &body)
            .await?;
        let (content, usage) = parse_response(&reply)?;
        Ok(CompletionResponse::new(
            ProviderKind::Google,
            &self.core.model,
            content,
            usage,
        ))
    }

    /// `streamGenerateContent` as server-sent events: each event is a partial response whose
    /// text parts are the new text; the last carries the usage.
    async fn stream(
        &self,
        req: &CompletionRequest,
        on_text: &mut TextSink<'_>,
    ) -> Result<CompletionResponse, LlmError> {
        let url = format!(
            "{}/v1beta/models/{}:streamGenerateContent?alt=sse",
            self.core.base_url, self.core.model
        );
        let body = self.request_body(req);
        let response = self
            .core
            .post_for_stream(&url, Auth::Header("x-goog-api-key"), &[], &body)
            .await?;
        let mut lines = Lines::new(response);
        let mut content = String::new();
        let mut usage = Usage::default();
        while let Some(event) = lines.next_json(true).await? {
            if let Some(err) = stream_error(&event) {
                return Err(err);
            }
            let parts = event
                .pointer("/candidates/0/content/parts")
                .and_then(Value::as_array);
            for part in parts.into_iter().flatten() {
                // Thought summaries are not part of the answer.
                if part.get("thought").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                if let Some(piece) = part.get("text").and_then(Value::as_str) {
                    content.push_str(piece);
                    on_text(piece);
                }
            }
            if event.get("usageMetadata").is_some() {
                usage = Usage {
                    input_tokens: count_at(&event, "/usageMetadata/promptTokenCount"),
                    output_tokens: count_at(&event, "/usageMetadata/candidatesTokenCount"),
                };
            }
        }
        Ok(CompletionResponse::new(
            ProviderKind::Google,
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
    fn schema_is_reduced_to_what_gemini_accepts() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "required": ["a"],
            "properties": {
                "a": {"type": ["string", "null"], "minLength": 1},
                "b": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                      "properties": {"c": {"const": "x"}}}},
                "additionalProperties": {"type": "string"}
            }
        });
        let out = gemini_schema(&schema);
        assert_eq!(
            out,
            json!({
                "type": "object",
                "required": ["a"],
                "properties": {
                    "a": {"type": "string", "nullable": true},
                    "b": {"type": "array", "items": {"type": "object",
                          "properties": {"c": {"enum": ["x"]}}}},
                    "additionalProperties": {"type": "string"}
                }
            })
        );
    }

    #[test]
    fn blocked_prompt_is_reported() {
        let reply = json!({"promptFeedback": {"blockReason": "SAFETY"}});
        assert!(
            parse_response(&reply)
                .unwrap_err()
                .to_string()
                .contains("SAFETY")
        );
    }

    #[test]
    fn thought_parts_are_skipped_and_thinking_tokens_counted() {
        let reply = json!({
            "candidates": [{"content": {"parts": [{"text": "hm", "thought": true}, {"text": "ok"}]}}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "thoughtsTokenCount": 4}
        });
        let (text, usage) = parse_response(&reply).unwrap();
        assert_eq!(text, "ok");
        assert_eq!(
            usage,
            Usage {
                input_tokens: 3,
                output_tokens: 6
            }
        );
    }
}
