//! The response cache: a model's reply kept under the request that produced it (provider,
//! model, system prompt, messages, limits and schema), so the same request — re-ingesting or
//! recompiling unchanged input — is answered again without a call, at no cost. The router asks
//! it before a call and fills it after a usable one; a hit is logged with zero cost and marked
//! as cached.

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{CompletionRequest, ProviderKind, Usage};

/// A reply as the cache keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedReply {
    pub model: String,
    pub content: String,
    /// What the original call used, for the record (a hit costs nothing).
    pub usage: Usage,
}

/// Where replies are kept (the database in the product).
#[async_trait]
pub trait ResponseCache: Send + Sync {
    /// The reply kept under `key`, if any. A failure to read is a miss.
    async fn get(&self, key: &str) -> Option<CachedReply>;
    /// Keeps a reply. A failure to write is the cache's to log; the call stands.
    async fn put(&self, key: &str, provider: ProviderKind, reply: &CachedReply);
}

/// The key of a request to one provider's model: a hash of everything that shapes the reply.
pub fn cache_key(provider: ProviderKind, model: &str, req: &CompletionRequest) -> String {
    let mut hash = Sha256::new();
    let mut field = |part: &[u8]| {
        // Length-prefixed, so no two different requests run together into one input.
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    };
    field(provider.as_str().as_bytes());
    field(model.as_bytes());
    field(req.system.as_bytes());
    for message in &req.messages {
        field(message.role.as_str().as_bytes());
        field(message.content.as_bytes());
    }
    field(&req.max_tokens.to_le_bytes());
    field(&req.temperature.to_bits().to_le_bytes());
    match &req.json_schema {
        Some(schema) => {
            field(schema.name.as_bytes());
            field(schema.schema.to_string().as_bytes());
        }
        None => field(b""),
    }
    hex::encode(hash.finalize())
}

/// Whether a reply is worth keeping: one that was to be JSON must be a JSON object with every
/// field its schema requires, or a reply the caller rejects would be served again on every
/// retry.
pub(super) fn worth_keeping(req: &CompletionRequest, content: &str) -> bool {
    if content.trim().is_empty() {
        return false;
    }
    let Some(schema) = &req.json_schema else {
        return true;
    };
    let Ok(serde_json::Value::Object(reply)) =
        serde_json::from_str::<serde_json::Value>(super::json_object_in(content))
    else {
        return false;
    };
    schema.schema["required"].as_array().is_none_or(|required| {
        required
            .iter()
            .filter_map(|field| field.as_str())
            .all(|field| reply.contains_key(field))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Task;

    #[test]
    fn only_replies_that_answer_the_schema_are_kept() {
        let mut req = CompletionRequest::new(Task::Compile, "system", "user");
        assert!(worth_keeping(&req, "Some prose."));
        assert!(!worth_keeping(&req, "  "));
        req.json_schema = Some(crate::llm::JsonSchema {
            name: "article".into(),
            schema: serde_json::json!({"type": "object", "required": ["title", "claims"]}),
        });
        assert!(worth_keeping(
            &req,
            "```json\n{\"title\": \"T\", \"claims\": []}\n```"
        ));
        assert!(!worth_keeping(&req, "{\"title\": \"T\"}"));
        assert!(!worth_keeping(&req, "{\"title\": "));
    }

    #[test]
    fn the_key_changes_with_anything_that_shapes_the_reply() {
        let req = CompletionRequest::new(Task::Compile, "system", "user");
        let key = cache_key(ProviderKind::Openai, "gpt", &req);
        assert_eq!(key, cache_key(ProviderKind::Openai, "gpt", &req));
        assert_ne!(key, cache_key(ProviderKind::Anthropic, "gpt", &req));
        assert_ne!(key, cache_key(ProviderKind::Openai, "gpt-mini", &req));
        let other = CompletionRequest::new(Task::Compile, "system", "user!");
        assert_ne!(key, cache_key(ProviderKind::Openai, "gpt", &other));
        let mut warmer = req.clone();
        warmer.temperature = 0.9;
        assert_ne!(key, cache_key(ProviderKind::Openai, "gpt", &warmer));
        // The two halves are never confused: "ab" + "c" is not "a" + "bc".
        let a = CompletionRequest::new(Task::Compile, "ab", "c");
        let b = CompletionRequest::new(Task::Compile, "a", "bc");
        assert_ne!(
            cache_key(ProviderKind::Openai, "gpt", &a),
            cache_key(ProviderKind::Openai, "gpt", &b)
        );
    }
}
