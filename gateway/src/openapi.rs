//! The API's contract: the OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they accept and answer with (`GET /api/openapi.json`), and its
//! browsable reference (`GET /api/docs`, Redoc built into the web app, so nothing is fetched
//! from elsewhere). The document lists exactly the routes the gateway serves, since both come
//! from [`documented_routes`]. `gateway openapi` prints it (the web app's types are generated
//! from that).

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, PathItem, Ref, SecurityRequirement};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::SESSION_COOKIE;
use crate::error::ErrorEnvelope;
use crate::state::AppState;

/// The document's fixed parts; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "WikiMind",
        description = "A personal knowledge compiler: sources in, an interlinked wiki with \
            verified quotes out. Errors are always `{\"error\": {\"code\", \"message\", \
            \"request_id\"}}`. Bound to loopback WikiMind needs no token; otherwise every \
            route except `/health`, `/health/ready`, `/api/auth/*` and this reference needs \
            the token as a bearer header or the session cookie `/api/auth/login` sets. \
            Agents can also reach the wiki over MCP at `/mcp` (streamable HTTP).",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(
        ErrorEnvelope,
        crate::routes::ws::ControlFrame,
        crate::routes::ask_stream::TokenEvent,
        shared::events::Event,
        // Named only by query parameters, which do not bring their schemas along.
        shared::domain::ArticleSort,
        shared::domain::SourceSort,
        shared::domain::JobSort,
        shared::domain::Direction,
    )),
    tags(
        (name = "sources", description = "What you feed the wiki"),
        (name = "wiki", description = "Articles, concepts, search and the graph"),
        (name = "ask", description = "Questions answered with checked citations"),
        (name = "wiki health", description = "The linter's findings and their repairs"),
        (name = "jobs", description = "Background work"),
        (name = "feeds", description = "Subscriptions whose entries become sources"),
        (name = "settings", description = "Providers, budget and costs"),
        (name = "backups", description = "Backups and the Obsidian export"),
        (name = "events", description = "Live events"),
        (name = "auth", description = "The browser's session"),
        (name = "health", description = "Liveness and readiness"),
        (name = "operations", description = "Metrics and this reference"),
    )
)]
struct ApiDoc;

/// Every route the document describes; `protect` wraps those the token guards when one is set
/// (the router passes its token check, the document the routes as they are).
pub fn documented_routes(
    protect: impl Fn(OpenApiRouter<AppState>) -> OpenApiRouter<AppState>,
) -> OpenApiRouter<AppState> {
    use crate::routes;
    // The session endpoints are how a browser obtains its cookie, and the reference holds no
    // data, so they sit outside the check.
    let api = protect(routes::api_router())
        .merge(routes::session::router())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(openapi_json))
                .routes(routes!(docs)),
        );
    OpenApiRouter::new()
        .nest("/api", api)
        .merge(protect(
            OpenApiRouter::new().routes(routes!(crate::metrics::scrape)),
        ))
        .merge(routes::health::router())
}

/// The whole document.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi().merge_from(documented_routes(|r| r).into_openapi());
    Conventions.modify(&mut doc);
    doc
}

/// The document as served, made once.
static DOCUMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"the document could not be written: {e}\"}}"))
});

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document",
        body = Object, content_type = "application/json")))]
async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT_JSON.as_str(),
    )
        .into_response()
}

/// The browsable reference to this document.
#[utoipa::path(get, path = "/docs", tag = "operations", security(()),
    responses((status = 200, description = "The reference, a web page", body = String,
        content_type = "text/html")))]
async fn docs() -> Response {
    crate::spa::api_docs()
}

/// What every operation shares: errors in the envelope, and the token's two forms.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token WikiMind was started with"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Set by POST /api/auth/login",
            ))),
        );
        let error = ResponseBuilder::new()
            .description("An error, in the envelope")
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
            )
            .build();
        // The token, when one is set; none on loopback (the empty requirement).
        let guarded = vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::default(),
        ];
        for item in doc.paths.paths.values_mut() {
            for operation in operations(item) {
                operation
                    .responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| error.clone().into());
                // `security(())` on an operation marks it open; the rest take the token.
                if operation.security.is_none() {
                    operation.security = Some(guarded.clone());
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}
