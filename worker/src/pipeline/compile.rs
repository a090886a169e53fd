//! Compilation: the source's clean text → a validated compile result, through the LLM
//! router (or the offline compiler, which is a provider too). Long texts are compiled per
//! chunk and merged into one article with a chapter per part; an invalid reply gets one repair
//! attempt. Bodies leave out what restates the summary, claims or questions.

use shared::compile::{
    self, COMPILE_SYSTEM_PROMPT, CompileResult, compile_json_schema, compile_user_prompt,
    parse_compile_result, repair_prompt,
};
use shared::db;
use shared::domain::Source;
use shared::llm::{
    ChatMessage, CompletionRequest, JsonSchema, LlmError, ProviderKind, Role, Router,
    StructuredInput, Task,
};

use super::StageError;
use crate::context::WorkerContext;
use crate::progress::Progress;

/// Concepts listed in the prompt so the model reuses instead of inventing.
const PROMPT_CONCEPTS: usize = 200;
/// Existing pages listed in the prompt as link targets (the most related ones).
const PROMPT_TITLES: usize = 40;

/// A compile result and who produced it.
#[derive(Debug, Clone)]
pub(super) struct Compiled {
    pub result: CompileResult,
    pub provider: ProviderKind,
    pub model: String,
    /// The offline compiler stood in for an unreachable model; compiled again by the model
    /// once it answers.
    pub awaiting_model: bool,
}

/// Why a compile did not finish.
enum Failure {
    /// The model call failed (after the router's retries and fallbacks).
    Llm(LlmError),
    Stage(StageError),
}

impl From<StageError> for Failure {
    fn from(e: StageError) -> Self {
        Failure::Stage(e)
    }
}

impl From<db::DbError> for Failure {
    fn from(e: db::DbError) -> Self {
        Failure::Stage(e.into())
    }
}

/// Compiles a source's text. When every configured provider fails and the offline fallback
/// is on, the offline compiler writes the article instead (a new source is never lost to an
/// outage), and the article is marked for the model's compile later.
#[tracing::instrument(name = "compile", skip_all, fields(chars = text.len()), err)]
pub(super) async fn compile_text(
    ctx: &WorkerContext,
    router: &Router,
    source: &Source,
    text: &str,
    progress: &Progress,
) -> Result<Compiled, StageError> {
    match compile_with(ctx, router, source, text, progress).await {
        // The chain's own offline compiler (enabled behind a model) stood in: it waits too.
        Ok(compiled) => Ok(Compiled {
            awaiting_model: compiled.provider == ProviderKind::Offline
                && router.default_kind() != Some(ProviderKind::Offline),
            ..compiled
        }),
        Err(Failure::Stage(e)) => Err(e),
        Err(Failure::Llm(e))
            if falls_back(&e)
                && ctx.settings.llm.offline_fallback
                && router.default_kind() != Some(ProviderKind::Offline) =>
        {
            tracing::warn!(error = %e, "the model is unreachable; compiling with the offline compiler");
            progress
                .message(0.6, "the model is unreachable; compiling offline")
                .await;
            match compile_with(ctx, &ctx.offline_router, source, text, progress).await {
                Ok(compiled) => Ok(Compiled {
                    awaiting_model: true,
                    ..compiled
                }),
                Err(Failure::Stage(e)) => Err(e),
                Err(Failure::Llm(e)) => Err(llm_error(e)),
            }
        }
        Err(Failure::Llm(e)) => Err(llm_error(e)),
    }
}

/// Failures the offline compiler stands in for: the model cannot be had (an outage), which
/// passes. Not a spent budget (the job waits for it), and not a refusal of this source's
/// request (its size or content), which compiling again with the model would meet again.
fn falls_back(e: &LlmError) -> bool {
    e.is_outage()
}

async fn compile_with(
    ctx: &WorkerContext,
    router: &Router,
    source: &Source,
    text: &str,
    progress: &Progress,
) -> Result<Compiled, Failure> {
    let own_article = db::articles::find_for_source(&ctx.db, source.id)
        .await?
        .map(|a| a.id);
    // The pages it names or is most related to: a model links only to pages it is shown.
    let existing_titles =
        shared::wiki::related_titles(&ctx.db, text, own_article, PROMPT_TITLES).await?;
    // The offline compiler reads the whole text at once; LLMs get chunks, and the concepts in
    // use so they reuse their names (the offline compiler does not read them).
    let offline_only = router.default_kind() == Some(ProviderKind::Offline);
    let existing_concepts: Vec<String> = if offline_only {
        Vec::new()
    } else {
        let limit = i64::try_from(PROMPT_CONCEPTS).unwrap_or(i64::MAX);
        db::concepts::names_in_use(&ctx.db, own_article, limit).await?
    };

    let chunk_chars = if offline_only {
        usize::MAX
    } else {
        shared::llm::estimate::chunk_chars(text.len())
    };
    let chunks = compile::chunk_text(text, chunk_chars);
    let title = source.title.as_deref();
    let mut parts = Vec::with_capacity(chunks.len());
    let mut used = None;
    let mut first_title = None;
    for (i, chunk) in chunks.iter().enumerate() {
        if chunks.len() > 1 {
            let fraction = 0.5 + 0.3 * (i as f64 / chunks.len() as f64);
            progress
                .message(
                    fraction,
                    &format!("compiling part {} of {}", i + 1, chunks.len()),
                )
                .await;
        }
        let part_title = match (title, chunks.len()) {
            (Some(t), n) if n > 1 => Some(format!("{t} (part {} of {n})", i + 1)),
            (t, _) => t.map(str::to_owned),
        };
        let (result, provider, model) = compile_chunk(
            router,
            part_title.as_deref(),
            &chunk.text,
            &existing_concepts,
            &existing_titles,
            progress,
        )
        .await?;
        used.get_or_insert((provider, model));
        first_title.get_or_insert_with(|| result.title.clone());
        // A part of a long structured source is a chapter, named by its heading.
        let mut result = result;
        if chunks.len() > 1
            && let Some(chapter) = chunk.heading_path.last().filter(|h| !h.trim().is_empty())
        {
            result.title = chapter.clone();
        }
        parts.push(result);
    }
    let (provider, model) =
        used.ok_or_else(|| StageError::permanent("the source has no text to compile"))?;
    let result = if parts.len() == 1 {
        let mut result = parts
            .pop()
            .ok_or_else(|| StageError::permanent("no compile result"))?;
        result.article_body = compile::readable_body(&result);
        result
    } else {
        let merged_title = title.map(str::to_owned).or(first_title).unwrap_or_default();
        compile::merge_results(&merged_title, parts)
    };
    Ok(Compiled {
        result,
        provider,
        model,
        awaiting_model: false,
    })
}

async fn compile_chunk(
    router: &Router,
    title: Option<&str>,
    text: &str,
    concepts: &[String],
    titles: &[String],
    progress: &Progress,
) -> Result<(CompileResult, ProviderKind, String), Failure> {
    let mut request = CompletionRequest {
        task: Task::Compile,
        system: COMPILE_SYSTEM_PROMPT.to_owned(),
        messages: vec![ChatMessage {
            role: Role::User,
            content: compile_user_prompt(title, text, concepts, titles),
        }],
        max_tokens: shared::llm::estimate::COMPILE_MAX_TOKENS,
        temperature: 0.2,
        json_schema: Some(JsonSchema {
            name: "compiled_article".to_owned(),
            schema: compile_json_schema(),
        }),
        structured: Some(StructuredInput::Compile {
            title: title.map(str::to_owned),
            text: text.to_owned(),
            existing_titles: titles.to_vec(),
        }),
        job_id: Some(progress.job_id()),
        conversation_id: None,
    };
    let reply = router.complete(&request).await.map_err(Failure::Llm)?;
    match parse_compile_result(&reply.content) {
        Ok(result) => Ok((result, reply.provider, reply.model)),
        Err(first) => {
            tracing::warn!(provider = %reply.provider.as_str(), error = %first, "invalid compile reply; asking for a repair");
            request.messages.push(ChatMessage {
                role: Role::Assistant,
                content: reply.content.clone(),
            });
            request.messages.push(ChatMessage {
                role: Role::User,
                content: repair_prompt(&reply.content, &first.to_string()),
            });
            let repaired = router.complete(&request).await.map_err(Failure::Llm)?;
            parse_compile_result(&repaired.content)
                .map(|r| (r, repaired.provider, repaired.model))
                .map_err(|second| {
                    Failure::Stage(StageError::permanent(format!(
                        "the model's reply was not a valid article twice: {second}"
                    )))
                })
        }
    }
}

fn llm_error(e: LlmError) -> StageError {
    if matches!(e, LlmError::BudgetExceeded) {
        StageError::budget_spent()
    } else if e.is_retryable() || matches!(e, LlmError::AllFailed { .. }) {
        StageError::transient(format!("LLM: {e}"))
    } else {
        StageError::permanent(format!("LLM: {e}"))
    }
}
