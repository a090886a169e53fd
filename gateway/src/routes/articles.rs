//! `/api/articles` (with each article's local graph), `/api/concepts` and `/api/graph`: reading
//! the wiki.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::compile::{Confidence, PageType, concept_key};
use shared::db::{self, articles::ArticleFilter};
use shared::domain::{ArticleDetail, ArticleListItem};
use shared::wiki::{ConceptNode, Graph, MAX_GRAPH_NODES};

use super::Page;
use super::sources::paging;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles", get(list_articles))
        .route("/articles/{id_or_slug}", get(get_article))
        .route("/articles/{id_or_slug}/graph", get(local_graph))
        .route("/concepts", get(list_concepts))
        .route("/graph", get(graph))
}

/// Query of `GET /api/articles`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    pub(crate) concept: Option<String>,
    pub(crate) page_type: Option<String>,
    pub(crate) confidence: Option<String>,
    pub(crate) q: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) offset: Option<i64>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn list_articles(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<ArticleListItem>>> {
    articles(&state, q).await.map(Json)
}

/// One page of the articles `q` asks for, and how many there are in all.
pub(crate) async fn articles(state: &AppState, q: ListQuery) -> ApiResult<Page<ArticleListItem>> {
    let (limit, offset) = paging(q.limit, q.offset)?;
    let filter = ArticleFilter {
        // Concepts are matched by key, so "Thread Pools" finds "thread-pool"; a name that is no
        // concept matches none.
        concept: non_empty(q.concept).map(|c| concept_key(&c).unwrap_or(c)),
        page_type: non_empty(q.page_type)
            .map(|p| p.parse::<PageType>())
            .transpose()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        confidence: non_empty(q.confidence)
            .map(|c| c.parse::<Confidence>())
            .transpose()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        q: non_empty(q.q),
        limit,
        offset,
    };
    let (items, total) = db::articles::list(&state.db, &filter).await?;
    Ok(Page { items, total })
}

async fn get_article(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Json<ArticleDetail>> {
    article(&state, &id_or_slug).await.map(Json)
}

/// An article by id or slug, with a link that opens each claim's source at its quote where the
/// source can be opened there.
pub(crate) async fn article(state: &AppState, id_or_slug: &str) -> ApiResult<ArticleDetail> {
    if id_or_slug.len() > 200 {
        return Err(ApiError::not_found("article"));
    }
    let mut article = db::articles::get_detail(&state.db, id_or_slug)
        .await
        .map_err(ApiError::missing("article"))?;
    shared::wiki::link_claims(&mut article, &state.storage);
    Ok(article)
}

async fn list_concepts(State(state): State<AppState>) -> ApiResult<Json<Page<ConceptNode>>> {
    concepts(&state).await.map(Json)
}

/// Every concept in use, most used first, each with its parent.
pub(crate) async fn concepts(state: &AppState) -> ApiResult<Page<ConceptNode>> {
    let items = shared::wiki::concept_tree(&state.db).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(Page { items, total })
}

/// Query of `GET /api/graph`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GraphQuery {
    concept: Option<String>,
    limit: Option<i64>,
}

/// Articles shown when no limit is asked for.
const DEFAULT_GRAPH_LIMIT: i64 = 2_000;

async fn graph(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<GraphQuery>,
) -> ApiResult<Json<Graph>> {
    let limit = q.limit.unwrap_or(DEFAULT_GRAPH_LIMIT);
    if !(1..=MAX_GRAPH_NODES).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_GRAPH_NODES}"
        )));
    }
    let concept = non_empty(q.concept).map(|c| concept_key(&c).unwrap_or(c));
    let graph = state
        .graph
        .graph(&state.db, concept.as_deref(), limit)
        .await?;
    Ok(Json(graph.as_ref().clone()))
}

/// Query of `GET /api/articles/{id}/graph`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalGraphQuery {
    hops: Option<usize>,
    limit: Option<usize>,
}

/// Hops from the article a local graph reaches at most.
const MAX_LOCAL_HOPS: usize = 3;
/// Nodes of a local graph when no limit is asked for, and the most that may be.
const DEFAULT_LOCAL_NODES: usize = 80;
const MAX_LOCAL_NODES: usize = 1_000;

/// The article's neighbourhood: pages and shared concepts within `hops` (default 2) edges.
async fn local_graph(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LocalGraphQuery>,
) -> ApiResult<Json<Graph>> {
    let id = parse_id(&id, "article")?;
    let hops = q.hops.unwrap_or(2);
    if !(1..=MAX_LOCAL_HOPS).contains(&hops) {
        return Err(ApiError::BadRequest(format!(
            "hops must be between 1 and {MAX_LOCAL_HOPS}"
        )));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LOCAL_NODES);
    if !(1..=MAX_LOCAL_NODES).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LOCAL_NODES}"
        )));
    }
    state
        .graph
        .local(&state.db, id, hops, limit)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("article"))
}
