//! `/api/ask` and `/api/conversations`: questions answered from the wiki, kept as
//! conversations that can be forked from any turn, exported as markdown and filed back into
//! the wiki as an `answer` article.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::ask::{
    Answerer, AskError, FileBackError, FileBackRequest, conversation_markdown, conversation_title,
    export_file_name, file_back,
};
use shared::db;
use shared::domain::{Conversation, Turn};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::Page;
use super::paging;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Longest question accepted, in characters.
const MAX_QUESTION_CHARS: usize = 2_000;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask))
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(fork_conversation))
        .routes(routes!(export_conversation))
        .routes(routes!(file_back_conversation))
}

/// A question; with `conversation_id` a follow-up in that conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AskRequest {
    /// At most 2,000 characters.
    pub(crate) question: String,
    pub(crate) conversation_id: Option<Uuid>,
}

/// An answer and the conversation it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AskReply {
    pub(crate) conversation: Conversation,
    pub(crate) turn: Turn,
}

/// Drops characters that are never stored (NUL and other controls), trims the question and
/// checks its length.
pub(crate) fn checked_question(question: &str) -> ApiResult<String> {
    let q: String = question
        .chars()
        .filter(|c| !shared::domain::is_unstorable(*c))
        .collect();
    let q = q.trim();
    if q.is_empty() {
        return Err(ApiError::Validation("question: ask something".into()));
    }
    if q.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::Validation(format!(
            "question: at most {MAX_QUESTION_CHARS} characters"
        )));
    }
    Ok(q.to_owned())
}

/// What answers with the providers in force (a change in Settings is seen at once).
pub(crate) async fn answerer(state: &AppState) -> Answerer<'_> {
    state.llm.refresh_or_keep().await;
    Answerer {
        db: &state.db,
        search: &state.search,
        llm: state.llm.answers(),
        settings: &state.settings,
    }
}

impl From<AskError> for ApiError {
    fn from(e: AskError) -> Self {
        match e {
            AskError::ConversationNotFound => ApiError::not_found("conversation"),
            AskError::Db(e) => e.into(),
            AskError::Llm(e) => ApiError::Upstream(format!("the language model failed: {e}")),
        }
    }
}

fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("conversation"))
}

/// Ask the wiki a question.
///
/// The answer's `[n]` markers each name a citation with the source's verified quote.
#[utoipa::path(post, path = "/ask", tag = "ask", request_body = AskRequest,
    responses((status = 200, description = "The answer", body = AskReply)))]
async fn ask(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AskRequest>,
) -> ApiResult<Json<AskReply>> {
    let question = checked_question(&req.question)?;
    let (conversation, turn) = answerer(&state)
        .await
        .ask(&question, req.conversation_id)
        .await?;
    Ok(Json(AskReply { conversation, turn }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Conversations, most recent first.
#[utoipa::path(get, path = "/conversations", tag = "ask", params(ListQuery),
    responses((status = 200, description = "One page of conversations", body = Page<Conversation>)))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Conversation>>> {
    let (limit, offset) = paging(q.limit, q.offset)?;
    let (items, total) = db::conversations::list(&state.db, limit, offset).await?;
    Ok(Json(Page { items, total }))
}

/// A conversation and its turns.
#[derive(Debug, Serialize, ToSchema)]
struct ConversationDetail {
    conversation: Conversation,
    /// For a fork, the parent's turns before the fork point, then its own.
    turns: Vec<Turn>,
}

async fn load(state: &AppState, id: &str) -> ApiResult<(Conversation, Vec<Turn>)> {
    let id = parse_id(id)?;
    let conversation = db::conversations::get(&state.db, id)
        .await
        .map_err(ApiError::missing("conversation"))?;
    let turns = db::conversations::thread(&state.db, id).await?;
    Ok((conversation, turns))
}

/// A conversation with its turns.
#[utoipa::path(get, path = "/conversations/{id}", tag = "ask", params(super::IdPath),
    responses((status = 200, description = "The conversation", body = ConversationDetail)))]
async fn get_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    let (conversation, turns) = load(&state, &id).await?;
    Ok(Json(ConversationDetail {
        conversation,
        turns,
    }))
}

/// Body of `POST /api/conversations/{id}/fork`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ForkRequest {
    /// The turn to branch at: the fork keeps the turns before it and asks `question` instead.
    turn_index: i64,
    question: String,
}

/// Branch a conversation at a turn, asking another question there.
#[utoipa::path(post, path = "/conversations/{id}/fork", tag = "ask", params(super::IdPath),
    request_body = ForkRequest,
    responses((status = 200, description = "The fork and its first answer", body = AskReply)))]
async fn fork_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ForkRequest>,
) -> ApiResult<Json<AskReply>> {
    let question = checked_question(&req.question)?;
    let (parent, turns) = load(&state, &id).await?;
    let at = i32::try_from(req.turn_index)
        .ok()
        .filter(|i| usize::try_from(*i).is_ok_and(|i| i < turns.len()))
        .ok_or_else(|| {
            ApiError::Validation(format!(
                "turn_index: must be between 0 and {} for this conversation",
                turns.len().saturating_sub(1)
            ))
        })?;
    let title = conversation_title(&question);
    let fork = db::conversations::create(&state.db, &title, Some((parent.id, at))).await?;
    match answerer(&state).await.ask(&question, Some(fork.id)).await {
        Ok((conversation, turn)) => Ok(Json(AskReply { conversation, turn })),
        Err(e) => {
            // An unanswered fork would be an empty branch; leave nothing behind.
            if let Err(cleanup) = db::conversations::delete(&state.db, fork.id).await {
                tracing::warn!(error = %cleanup, "could not remove an unanswered fork");
            }
            Err(e.into())
        }
    }
}

/// The conversation as a markdown file, citations as footnotes.
#[utoipa::path(get, path = "/conversations/{id}/export", tag = "ask", params(super::IdPath),
    responses((status = 200, description = "The markdown file", body = String,
        content_type = "text/markdown")))]
async fn export_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (conversation, turns) = load(&state, &id).await?;
    let markdown = conversation_markdown(&conversation.title, &turns, false);
    let disposition = format!(
        "attachment; filename=\"{}\"",
        export_file_name(&conversation.title)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        markdown,
    )
        .into_response())
}

/// Body of `POST /api/conversations/{id}/file-back`; `{}` files every turn under the
/// conversation's title.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FileBackBody {
    /// Indices of the thread's turns to file (default: all).
    turn_indices: Option<Vec<i64>>,
    title: Option<String>,
}

/// The `answer` article a filing made or updated.
#[derive(Debug, Serialize, ToSchema)]
struct FiledArticle {
    id: shared::domain::ArticleId,
    slug: String,
    title: String,
}

/// The answer to filing a conversation.
#[derive(Debug, Serialize, ToSchema)]
struct FileBackReply {
    article: FiledArticle,
    /// True when the conversation's earlier filing was updated in place.
    was_update: bool,
}

impl From<FileBackError> for ApiError {
    fn from(e: FileBackError) -> Self {
        match e {
            FileBackError::ConversationNotFound => ApiError::not_found("conversation"),
            FileBackError::Invalid(m) => ApiError::Validation(m),
            FileBackError::Busy(m) => ApiError::Conflict(m.to_owned()),
            FileBackError::Db(e) => e.into(),
            FileBackError::Wiki(e) => e.into(),
        }
    }
}

/// File the conversation (or some of its turns) into the wiki as an `answer` article.
#[utoipa::path(post, path = "/conversations/{id}/file-back", tag = "ask", params(super::IdPath),
    request_body = FileBackBody,
    responses((status = 200, description = "Filed", body = FileBackReply)))]
async fn file_back_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FileBackBody>,
) -> ApiResult<Json<FileBackReply>> {
    let id = parse_id(&id)?;
    let req = FileBackRequest {
        turn_indices: body.turn_indices,
        title: body.title,
    };
    let filed = file_back(&state.wiki, id, &req).await?;
    // Without holding up the reply; until then the page is found by full-text search.
    let wiki = state.wiki.clone();
    tokio::spawn(async move { wiki.embed_pending().await });
    Ok(Json(FileBackReply {
        article: FiledArticle {
            id: filed.article.id,
            slug: filed.article.slug,
            title: filed.article.title,
        },
        was_update: filed.was_update,
    }))
}
