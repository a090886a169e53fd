//! The MCP server (Model Context Protocol): the wiki's tools, and its articles as resources
//! (`wikimind://article/{slug}`), for agents. Served as streamable HTTP at `/mcp`, behind the
//! same token and origin rules as `/api`, and over stdio by `gateway mcp`.
//!
//! Over HTTP it runs stateless: every request is answered on its own, so a client may reach
//! any gateway of a deployment and nothing is kept per client.

mod render;
mod tools;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    Implementation, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _, tool_handler};

use crate::error::ApiError;
use crate::routes::articles::{ListQuery, articles};
use crate::state::AppState;

/// Articles are read as resources at this prefix followed by their slug.
const ARTICLE_URI_PREFIX: &str = "wikimind://article/";

/// Articles per page of `resources/list`.
const RESOURCES_PER_PAGE: i64 = 100;

/// What an agent is told about the server when it connects.
const INSTRUCTIONS: &str = "WikiMind is the user's personal wiki, compiled from the sources they \
added (web pages, PDFs, notes, videos). Use `search` or `list_articles` to find pages, \
`get_article` to read one, and `ask` for an answer with citations checked against the sources. \
`add_source_url` and `add_note` add to the wiki; new sources are compiled in the background.";

/// One MCP server over the gateway's state.
#[derive(Clone)]
pub struct WikiMcp {
    state: AppState,
    tool_router: ToolRouter<Self>,
}

impl WikiMcp {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            tool_router: Self::tool_router(),
        }
    }
}

/// The service mounted at `/mcp`. Its requests end with the server's graceful shutdown like
/// any other (stateless, it holds no stream of its own open).
pub fn http_service(state: AppState) -> StreamableHttpService<WikiMcp, LocalSessionManager> {
    let body_limit = state.body_limits.for_path("/mcp");
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // Hosts and origins are checked by the gateway's own guard, which knows the
        // configured names (`WIKIMIND_SERVER__ALLOWED_HOSTS`).
        .disable_allowed_hosts()
        .with_max_request_body_bytes(body_limit);
    StreamableHttpService::new(
        move || Ok(WikiMcp::new(state.clone())),
        LocalSessionManager::default().into(),
        config,
    )
}

/// Serves one client over standard input and output until it disconnects.
pub async fn serve_stdio(state: AppState) -> anyhow::Result<()> {
    let running = WikiMcp::new(state).serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}

fn resource_error(e: ApiError) -> ErrorData {
    match e {
        ApiError::NotFound(message) => ErrorData::resource_not_found(message, None),
        ApiError::Internal(cause) => {
            tracing::error!(error = ?cause, "reading an MCP resource failed");
            ErrorData::internal_error("internal error", None)
        }
        other => ErrorData::invalid_params(other.to_string(), None),
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for WikiMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("wikimind", env!("CARGO_PKG_VERSION")).with_title("WikiMind"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    /// Every article, newest first, a page at a time (the cursor is the offset).
    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let offset = match request.and_then(|r| r.cursor) {
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|o| *o >= 0)
                .ok_or_else(|| {
                    ErrorData::invalid_params("cursor: not one this server gave", None)
                })?,
            None => 0,
        };
        let query = ListQuery {
            limit: Some(RESOURCES_PER_PAGE),
            offset: Some(offset),
            ..Default::default()
        };
        let page = articles(&self.state, query).await.map_err(resource_error)?;
        let next = offset + page.items.len() as i64;
        let total = page.total;
        let resources = page
            .items
            .into_iter()
            .map(|a| {
                Resource::new(render::article_uri(&a.slug), a.slug)
                    .with_title(a.title)
                    .with_description(a.summary)
                    .with_mime_type("text/markdown")
            })
            .collect();
        let mut result = ListResourcesResult::with_all_items(resources);
        result.next_cursor = (next < total).then(|| next.to_string());
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(format!("{ARTICLE_URI_PREFIX}{{slug}}"), "article")
                .with_title("A wiki article")
                .with_description("An article of the wiki by its slug, in markdown")
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let slug = request
            .uri
            .strip_prefix(ARTICLE_URI_PREFIX)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ErrorData::resource_not_found(
                    format!(
                        "no resource at {}: articles are at {ARTICLE_URI_PREFIX}{{slug}}",
                        request.uri
                    ),
                    None,
                )
            })?;
        let article = crate::routes::articles::article(&self.state, slug)
            .await
            .map_err(resource_error)?;
        let contents = ResourceContents::text(render::article(&article), request.uri.clone())
            .with_mime_type("text/markdown");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}
