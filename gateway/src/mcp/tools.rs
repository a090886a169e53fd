//! The tools an agent calls: reading the wiki (`search`, `ask`, `get_article`, `list_articles`,
//! `list_concepts`, `health_report`) and adding to it (`add_source_url`, `add_note`). Each calls
//! the code behind the API route of the same use, so the two cannot drift apart; a refusal is a
//! tool error whose text says why, as the API's envelope would.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ErrorData, schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use shared::ingest::accept::{AcceptError, Accepted};

use super::{WikiMcp, render};
use crate::error::ApiError;
use crate::routes;
use crate::routes::ask::AskReply;

type ToolResult = Result<CallToolResult, ErrorData>;

/// A result as markdown for the agent to read, with the same data as structured JSON.
fn reply(text: String, data: &impl Serialize) -> ToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = serde_json::to_value(data).ok();
    Ok(result)
}

/// A refusal the agent can read and act on. Internal failures are logged with their cause and
/// shown only as a generic message, as the API does.
fn refused(e: ApiError) -> ToolResult {
    if let ApiError::Internal(cause) = &e {
        tracing::error!(error = ?cause, "an MCP tool failed");
    }
    let (_, code) = e.status_and_code();
    Ok(CallToolResult::error(vec![ContentBlock::text(format!(
        "{code}: {e}"
    ))]))
}

/// The reply to a use case's outcome: its rendering with its data, or its refusal.
fn answer<T: Serialize>(
    outcome: Result<T, ApiError>,
    render: impl FnOnce(&T) -> String,
) -> ToolResult {
    match outcome {
        Ok(data) => reply(render(&data), &data),
        Err(e) => refused(e),
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct SearchParams {
    /// Words to look for, or a question.
    pub(super) query: String,
    /// The most articles to return, 1–50 (default 20).
    pub(super) limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct AskParams {
    /// The question, in plain words.
    pub(super) question: String,
    /// Continue this conversation (the id a previous answer gave), so follow-up questions
    /// keep their context.
    pub(super) conversation_id: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct ArticleParams {
    /// The article's slug (as search and list_articles give it) or id.
    pub(super) slug: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct ListArticlesParams {
    /// Only articles about this concept (a name or key, as list_concepts gives it).
    pub(super) concept: Option<String>,
    /// Only pages of this type: source, concept, answer, overview.
    pub(super) page_type: Option<String>,
    /// Articles per page, 1–200 (default 50).
    pub(super) limit: Option<u32>,
    /// Articles to skip, for the next page.
    pub(super) offset: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct AddUrlParams {
    /// The web page, document or YouTube video to add (http or https).
    pub(super) url: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(super) struct AddNoteParams {
    /// The note, in markdown or plain text.
    pub(super) content: String,
    /// Its title; without one, the note's first heading or first words are used.
    pub(super) title: Option<String>,
}

fn accepted_reply(outcome: Result<Accepted, AcceptError>) -> ToolResult {
    match outcome {
        Ok(result) => reply(render::accepted(&result), &result.reply()),
        Err(e) => refused(e.into()),
    }
}

#[tool_router(vis = "pub(super)")]
impl WikiMcp {
    #[tool(
        description = "Search the wiki. Returns the articles that best match the words or question, best first, each with its slug and the passage that matched.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search(&self, Parameters(p): Parameters<SearchParams>) -> ToolResult {
        let outcome =
            routes::search::search_wiki(&self.state, &p.query, p.limit.map(i64::from)).await;
        answer(outcome, render::search)
    }

    #[tool(
        description = "Ask a question answered from the wiki. The answer cites its sources with [n] markers; each citation names the article and, where the wiki holds one, the exact quote from the original source. Pass conversation_id to ask a follow-up.",
        annotations(read_only_hint = false, open_world_hint = false)
    )]
    async fn ask(&self, Parameters(p): Parameters<AskParams>) -> ToolResult {
        let outcome = async {
            let question = routes::ask::checked_question(&p.question)?;
            let conversation = p
                .conversation_id
                .as_deref()
                .map(|id| {
                    Uuid::parse_str(id.trim()).map_err(|_| ApiError::not_found("conversation"))
                })
                .transpose()?;
            let (conversation, turn) = routes::ask::answerer(&self.state)
                .await
                .ask(&question, conversation)
                .await?;
            Ok(AskReply { conversation, turn })
        }
        .await;
        answer(outcome, |a| render::answer(&a.turn))
    }

    #[tool(
        description = "Read one article of the wiki in full: summary, body, claims with their verified quotes, sources and linked pages.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_article(&self, Parameters(p): Parameters<ArticleParams>) -> ToolResult {
        let outcome = routes::articles::article(&self.state, p.slug.trim()).await;
        answer(outcome, render::article)
    }

    #[tool(
        description = "List the wiki's articles, newest first, optionally only those about one concept or of one page type. Pages with limit and offset.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_articles(&self, Parameters(p): Parameters<ListArticlesParams>) -> ToolResult {
        let offset = i64::from(p.offset.unwrap_or(0));
        let query = routes::articles::ListQuery {
            concept: p.concept,
            page_type: p.page_type,
            limit: p.limit.map(i64::from),
            offset: Some(offset),
            ..Default::default()
        };
        let outcome = routes::articles::articles(&self.state, query).await;
        answer(outcome, |page| {
            render::articles(&page.items, page.total, offset)
        })
    }

    #[tool(
        description = "List the concepts the wiki's articles share, most used first, each with its article count and broader concept.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_concepts(&self) -> ToolResult {
        let outcome = routes::articles::concepts(&self.state).await;
        answer(outcome, |page| render::concepts(&page.items))
    }

    #[tool(
        description = "Add a web page, document (PDF, HTML) or YouTube video by its URL. It is fetched and compiled into the wiki in the background; a URL already added is not added twice.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = true
        )
    )]
    async fn add_source_url(&self, Parameters(p): Parameters<AddUrlParams>) -> ToolResult {
        accepted_reply(self.state.intake().url(p.url.trim()).await)
    }

    #[tool(
        description = "Add a note (markdown or plain text) to the wiki. It is compiled into an article in the background; the same text is not added twice.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    async fn add_note(&self, Parameters(p): Parameters<AddNoteParams>) -> ToolResult {
        accepted_reply(self.state.intake().text(&p.content, p.title).await)
    }

    #[tool(
        description = "The wiki's Health report: its score out of 100 and the open findings (broken links, contradictions, orphan pages, stale articles…), each naming its pages.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn health_report(&self) -> ToolResult {
        let outcome = shared::health::report(&self.state.db, false)
            .await
            .map_err(ApiError::from);
        answer(outcome, render::health)
    }
}
