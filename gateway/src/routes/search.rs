//! `GET /api/search`: ranked articles for a query, each with the passage that matched and a
//! highlighted snippet of it. Ranking is hybrid when an embedding provider is configured.

use axum::extract::{OriginalUri, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::search::{QueryTerms, Ranking, Segment, segments};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cached;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 500;
/// Default and largest number of articles returned.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 50;
/// Passages read per article asked for: enough that one long article cannot crowd out others.
const PASSAGES_PER_RESULT: i64 = 6;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// The words to search for (at most 500 characters).
    #[param(required = true)]
    q: Option<String>,
    /// Most articles, 1–50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
}

/// The article a search result is.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchArticle {
    pub(crate) id: shared::domain::ArticleId,
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) summary: String,
    #[schema(value_type = shared::compile::PageType)]
    pub(crate) page_type: String,
}

/// The passage of the article that matched best.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MatchedPassage {
    #[schema(value_type = shared::search::PassageKind)]
    pub(crate) kind: &'static str,
    pub(crate) heading: String,
}

/// One article found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResult {
    pub(crate) article: SearchArticle,
    pub(crate) score: f64,
    pub(crate) passage: MatchedPassage,
    pub(crate) matching_passages: usize,
    pub(crate) snippet: Vec<Segment>,
    /// The full-text index matched its words.
    pub(crate) full_text: bool,
    /// Its cosine similarity to the query, when the vector index found it.
    pub(crate) similarity: Option<f32>,
}

/// What a search found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchReply {
    pub(crate) query: String,
    pub(crate) terms: Vec<String>,
    pub(crate) ranking: Ranking,
    pub(crate) results: Vec<SearchResult>,
}

/// Search the wiki: articles ranked by their best passage, with a highlighted snippet.
#[utoipa::path(get, path = "/search", tag = "wiki", params(SearchQuery),
    responses((status = 200, description = "The articles found", body = SearchReply)))]
async fn search(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Response> {
    let read = || search_wiki(&state, query.q.as_deref().unwrap_or_default(), query.limit);
    // Filed under the embedder in force too: a gateway re-reads changed provider settings
    // within seconds, and an answer ranked by the one it had must not outlive it.
    let embedder = state
        .llm
        .embedder()
        .map(|e| e.model_id())
        .unwrap_or_default();
    // A full-text answer made do with while an embedder is configured (the question could
    // not be embedded, or the budget is spent) is not kept: the next search may do better.
    let full =
        |reply: &SearchReply| reply.ranking == Ranking::Hybrid || state.llm.embedder().is_none();
    cached::json_if(&state, &uri, &embedder, read, full).await
}

/// The articles that best match `q` (at most `limit`, default 20), each with its best passage.
pub(crate) async fn search_wiki(
    state: &AppState,
    q: &str,
    limit: Option<i64>,
) -> ApiResult<SearchReply> {
    let q = q.trim().to_owned();
    if q.is_empty() {
        return Err(ApiError::Validation(
            "q: give some words to search for".into(),
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::Validation(format!(
            "q: at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::Validation(format!(
            "limit: must be between 1 and {MAX_LIMIT}"
        )));
    }
    let terms = QueryTerms::parse(&q);
    let (articles, ranking) = state
        .search
        .articles(
            &q,
            &terms,
            usize::try_from(limit).unwrap_or(1),
            limit * PASSAGES_PER_RESULT,
        )
        .await?;
    let results = articles
        .into_iter()
        .map(|a| SearchResult {
            score: a.best.score,
            matching_passages: a.matching_passages,
            snippet: segments(&a.snippet),
            full_text: a.best.full_text,
            similarity: a.best.similarity,
            passage: MatchedPassage {
                kind: a.best.kind.as_str(),
                heading: a.best.heading,
            },
            article: SearchArticle {
                id: a.best.article_id,
                slug: a.best.slug,
                title: a.best.title,
                summary: a.best.summary,
                page_type: a.best.page_type,
            },
        })
        .collect();
    Ok(SearchReply {
        query: q,
        terms: terms.terms().to_vec(),
        ranking,
        results,
    })
}
