//! The offline compiler as a provider: no network, no key, deterministic. It acts on the
//! structured input of a compile request (the source text itself), not on a prompt, and
//! declines everything else so the router moves on.

use async_trait::async_trait;

use super::{
    CompletionRequest, CompletionResponse, LlmError, Provider, ProviderKind, StructuredInput, Usage,
};
use crate::compile::{OfflineInput, compile_offline};

/// The model name recorded for offline articles.
pub const OFFLINE_MODEL: &str = "extractive-1";

/// The built-in extractive compiler.
#[derive(Debug, Clone, Default)]
pub struct OfflineProvider;

#[async_trait]
impl Provider for OfflineProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Offline
    }

    fn model(&self) -> &str {
        OFFLINE_MODEL
    }

    async fn complete(&self, req: &CompletionRequest) -> Result<CompletionResponse, LlmError> {
        let Some(StructuredInput::Compile {
            title,
            text,
            existing_titles,
        }) = req.structured.clone()
        else {
            return Err(LlmError::Unsupported(
                "the offline compiler only compiles sources".to_owned(),
            ));
        };
        // Extraction over a long document is CPU work; keep it off the async threads.
        let result = tokio::task::spawn_blocking(move || {
            compile_offline(&OfflineInput {
                title: title.as_deref(),
                text: &text,
                existing_titles: &existing_titles,
            })
        })
        .await
        .map_err(|e| LlmError::InvalidResponse(format!("offline compiler crashed: {e}")))?;
        let content =
            serde_json::to_string(&result).map_err(|e| LlmError::InvalidResponse(e.to_string()))?;
        Ok(CompletionResponse::new(
            ProviderKind::Offline,
            OFFLINE_MODEL,
            content,
            Usage::default(),
        ))
    }
}
