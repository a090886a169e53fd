//! `/api/articles` (with each article's local graph), `/api/concepts` and `/api/graph`: reading
//! the wiki.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use serde::Deserialize;
use shared::compile::{Confidence, PageType, concept_key};
use shared::db::{self, articles::ArticleFilter};
use shared::domain::{ArticleDetail, ArticleListItem, ArticleSort, Direction};
use shared::wiki::{ConceptNode, Graph, MAX_GRAPH_NODES};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Page;
use super::paging;
use crate::cached;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, parse_id};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles))
        .routes(routes!(get_article))
        .routes(routes!(local_graph))
        .routes(routes!(list_concepts))
        .routes(routes!(graph))
}

/// Query of `GET /api/articles`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only articles about this concept (its key or its name).
    pub(crate) concept: Option<String>,
    #[param(value_type = Option<PageType>)]
    pub(crate) page_type: Option<String>,
    #[param(value_type = Option<Confidence>)]
    pub(crate) confidence: Option<String>,
    /// Only articles whose title contains this.
    pub(crate) q: Option<String>,
    /// Default `updated`.
    #[param(value_type = Option<ArticleSort>)]
    pub(crate) sort: Option<String>,
    /// Default: newest first for times, A to Z for titles.
    #[param(value_type = Option<Direction>)]
    pub(crate) order: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub(crate) limit: Option<i64>,
    #[param(minimum = 0)]
    pub(crate) offset: Option<i64>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The wiki's articles, most recently changed first unless another order is asked for.
#[utoipa::path(get, path = "/articles", tag = "wiki", params(ListQuery),
    responses((status = 200, description = "One page of articles", body = Page<ArticleListItem>)))]
async fn list_articles(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    cached::json(&state, &uri, || articles(&state, q)).await
}

/// One page of the articles `q` asks for, and how many there are in all.
pub(crate) async fn articles(state: &AppState, q: ListQuery) -> ApiResult<Page<ArticleListItem>> {
    let (limit, offset) = paging(q.limit, q.offset)?;
    let filter = ArticleFilter {
        // Concepts are matched by key, so "Thread Pools" finds "thread-pool"; a name that is no
        // concept matches none.
        concept: non_empty(q.concept).map(|c| concept_key(&c).unwrap_or(c)),
        page_type: super::known::<PageType>(q.page_type.as_deref())?,
        confidence: super::known::<Confidence>(q.confidence.as_deref())?,
        order: super::list_order::<ArticleSort>(q.sort.as_deref(), q.order.as_deref())?,
        q: non_empty(q.q),
        limit,
        offset,
    };
    let (items, total) = db::articles::list(&state.db, &filter).await?;
    Ok(Page { items, total })
}

/// One article with its claims, quotes, sources and links.
#[utoipa::path(get, path = "/articles/{id_or_slug}", tag = "wiki", params(ArticlePath),
    responses((status = 200, description = "The article", body = ArticleDetail)))]
async fn get_article(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Response> {
    cached::json(&state, &uri, || article(&state, &id_or_slug)).await
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
    shared::wiki::link_claims(&mut article, &state.storage).await;
    Ok(article)
}

/// Every concept in use, most used first, each with its parent (a tree).
#[utoipa::path(get, path = "/concepts", tag = "wiki",
    responses((status = 200, description = "The concepts", body = Page<ConceptNode>)))]
async fn list_concepts(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    cached::json(&state, &uri, || concepts(&state)).await
}

/// Every concept in use, most used first, each with its parent.
pub(crate) async fn concepts(state: &AppState) -> ApiResult<Page<ConceptNode>> {
    let items = shared::wiki::concept_tree(&state.db).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(Page { items, total })
}

/// Query of `GET /api/graph`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct GraphQuery {
    /// Only the articles about this concept (its key or its name).
    concept: Option<String>,
    /// Most articles shown (default 2,000).
    #[param(minimum = 1, maximum = 20_000)]
    limit: Option<i64>,
}

/// Articles shown when no limit is asked for.
const DEFAULT_GRAPH_LIMIT: i64 = 2_000;

/// The wiki as a graph: articles and concepts, links and memberships, with communities.
#[utoipa::path(get, path = "/graph", tag = "wiki", params(GraphQuery),
    responses((status = 200, description = "The graph", body = Graph)))]
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
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct LocalGraphQuery {
    /// 1–3, default 2.
    #[param(minimum = 1, maximum = 3)]
    hops: Option<usize>,
    /// Most nodes, 1–1,000 (default 80).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// Hops from the article a local graph reaches at most.
const MAX_LOCAL_HOPS: usize = 3;
/// Nodes of a local graph when no limit is asked for, and the most that may be.
const DEFAULT_LOCAL_NODES: usize = 80;
const MAX_LOCAL_NODES: usize = 1_000;

/// The article's neighbourhood (a local graph).
///
/// The pages and shared concepts within `hops` (default 2) edges.
#[utoipa::path(get, path = "/articles/{id_or_slug}/graph", tag = "wiki",
    params(("id_or_slug" = uuid::Uuid, Path, description = "The article's id"), LocalGraphQuery),
    responses((status = 200, description = "The local graph", body = Graph)))]
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

/// The `{id_or_slug}` of an article's path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the path's own extractor; this only describes it
struct ArticlePath {
    /// The article's id or its slug.
    #[param(max_length = 200)]
    id_or_slug: String,
}
