//! `/api/sources`: ingest, list, read, re-compile and delete sources.

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::db::{self, DbError};
use shared::domain::{Direction, Job, Source, SourceSort, SourceStatus};
use shared::recompile::Recompile;
use shared::wiki::WikiError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{FileUpload, IdPath, Page};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, parse_id};
use crate::import::{self, ImportError, ImportLimits};
use crate::state::AppState;
use shared::ingest::accept::{Accepted, AcceptedReply};

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sources))
        // Body limits per route are in crate::limits.
        .routes(routes!(create_text_source))
        .routes(routes!(create_url_source))
        .routes(routes!(create_url_sources))
        .routes(routes!(import_archive))
        .routes(routes!(create_file_source))
        .routes(routes!(get_source, delete_source))
        .routes(routes!(get_source_text))
        .routes(routes!(get_source_original))
        .routes(routes!(compile_source))
}

fn accepted(result: Accepted) -> Response {
    let status = match result {
        Accepted::New(_) => StatusCode::ACCEPTED,
        Accepted::Duplicate(_) => StatusCode::OK,
    };
    (status, Json(result.reply())).into_response()
}

/// Body of `POST /api/sources/text`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TextBody {
    content: String,
    title: Option<String>,
}

/// Add a note (pasted or typed text) as a source.
#[utoipa::path(post, path = "/sources/text", tag = "sources", request_body = TextBody,
    responses(
        (status = 202, description = "Stored and queued for compiling", body = AcceptedReply<'static>),
        (status = 200, description = "The library already has this text", body = AcceptedReply<'static>),
    ))]
#[tracing::instrument(skip_all, err)]
async fn create_text_source(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult<Response> {
    Ok(accepted(
        state.intake().text(&body.content, body.title).await?,
    ))
}

/// Body of `POST /api/sources/url`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UrlBody {
    url: String,
}

/// Add a web page, a PDF or a YouTube video by its link; it is fetched by the worker.
#[utoipa::path(post, path = "/sources/url", tag = "sources", request_body = UrlBody,
    responses(
        (status = 202, description = "Stored and queued for fetching", body = AcceptedReply<'static>),
        (status = 200, description = "The library already has this link", body = AcceptedReply<'static>),
    ))]
#[tracing::instrument(skip_all, err)]
async fn create_url_source(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UrlBody>,
) -> ApiResult<Response> {
    Ok(accepted(state.intake().url(&body.url).await?))
}

/// Most links one `POST /api/sources/urls` takes.
const MAX_BATCH_URLS: usize = 100;

/// Body of `POST /api/sources/urls`: several links, each to become its own source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UrlsBody {
    urls: Vec<String>,
}

/// How one link of a batch, or one file of an import, went.
#[derive(Debug, Serialize, ToSchema)]
struct BatchItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// The file's path in an imported archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<BatchError>,
}

/// How one input of a batch went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Added,
    /// The library has it already.
    Duplicate,
    /// See the item's `error`.
    Refused,
}

/// Why a link of a batch was refused, as the single-link endpoint would have said it.
#[derive(Debug, Serialize, ToSchema)]
struct BatchError {
    code: &'static str,
    message: String,
}

/// Add several links at once.
///
/// Each link becomes its own source, as `POST /api/sources/url` would make it. A refused link does not stop the others; the reply
/// says how each went. The same link twice in one batch is one source.
#[utoipa::path(post, path = "/sources/urls", tag = "sources", request_body = UrlsBody,
    responses(
        (status = 202, description = "At least one link was added", body = BatchReply),
        (status = 200, description = "None was added (all duplicates or refused)", body = BatchReply),
    ))]
#[tracing::instrument(skip_all, err)]
async fn create_url_sources(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UrlsBody>,
) -> ApiResult<Response> {
    // In the order given, each once; counting stops at the limit, however long the list.
    let mut seen = std::collections::HashSet::new();
    let mut urls: Vec<&str> = Vec::new();
    for url in body.urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        if seen.insert(url) {
            urls.push(url);
        }
        if urls.len() > MAX_BATCH_URLS {
            return Err(ApiError::Validation(format!(
                "urls: at most {MAX_BATCH_URLS} different links at a time"
            )));
        }
    }
    if urls.is_empty() {
        return Err(ApiError::Validation(
            "urls: give at least one link".to_owned(),
        ));
    }
    let mut items = Vec::with_capacity(urls.len());
    for url in urls {
        let mut item = batch_item(state.intake().url(url).await.map_err(ApiError::from))?;
        item.url = Some(url.to_owned());
        items.push(item);
    }
    Ok(batch_reply(items))
}

/// How one input of a batch went; the server's own trouble stops the batch (what was added
/// so far stays).
fn batch_item(result: Result<Accepted, ApiError>) -> ApiResult<BatchItem> {
    let (outcome, source, error) = match result {
        Ok(Accepted::New(source)) => (Outcome::Added, Some(source), None),
        Ok(Accepted::Duplicate(source)) => (Outcome::Duplicate, Some(source), None),
        Err(e) if e.status_and_code().0.is_client_error() => {
            let code = e.status_and_code().1;
            let message = e.to_string();
            (Outcome::Refused, None, Some(BatchError { code, message }))
        }
        Err(e) => return Err(e),
    };
    Ok(BatchItem {
        url: None,
        path: None,
        outcome,
        source,
        error,
    })
}

/// The answer to a batch of links or an imported archive.
#[derive(Debug, Serialize, ToSchema)]
struct BatchReply {
    /// How many of the items were added (not duplicates, not refused).
    added: usize,
    items: Vec<BatchItem>,
}

/// `202` with the items when any was added, else `200`.
fn batch_reply(items: Vec<BatchItem>) -> Response {
    let added = items.iter().filter(|i| i.outcome == Outcome::Added).count();
    let status = if added > 0 {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    (status, Json(BatchReply { added, items })).into_response()
}

/// Import a folder of notes or an Obsidian vault (a ZIP).
///
/// Each markdown, text, HTML or PDF file in it becomes a source, as an upload of its own would;
/// a hostile archive is refused whole and leaves nothing behind.
#[utoipa::path(post, path = "/sources/import", tag = "sources",
    request_body(content = FileUpload, content_type = "multipart/form-data",
        description = "A ZIP of notes (a folder or an Obsidian vault) in the field `file`"),
    responses(
        (status = 202, description = "At least one file was added", body = BatchReply),
        (status = 200, description = "None was added (all duplicates or refused)", body = BatchReply),
    ))]
#[tracing::instrument(skip_all, err)]
async fn import_archive(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let limit = state.settings.ingest.max_upload_bytes;
    let (_, archive) = file_field(&mut multipart, limit, "archive").await?;
    let limits = ImportLimits {
        file_bytes: limit as u64,
        total_bytes: (limit as u64).saturating_mul(4),
    };
    // Inflating is work for a blocking thread, not the request's.
    let files = tokio::task::spawn_blocking(move || import::read_archive(&archive, limits))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the archive crashed: {e}")))?
        .map_err(|e| match e {
            ImportError::FileTooLarge(..) | ImportError::TotalTooLarge(_) => {
                ApiError::PayloadTooLarge(e.to_string())
            }
            e => ApiError::Validation(e.to_string()),
        })?;
    let mut items = Vec::with_capacity(files.len());
    for file in files {
        let mut item = batch_item(
            state
                .intake()
                .file(Some(&file.name), &file.bytes)
                .await
                .map_err(ApiError::from),
        )?;
        item.path = Some(file.path);
        items.push(item);
    }
    Ok(batch_reply(items))
}

/// Upload a document (markdown, text, HTML or PDF; its kind is read from its content).
#[utoipa::path(post, path = "/sources/file", tag = "sources",
    request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored and queued for compiling", body = AcceptedReply<'static>),
        (status = 200, description = "The library already has this document", body = AcceptedReply<'static>),
    ))]
#[tracing::instrument(skip_all, err)]
async fn create_file_source(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let limit = state.settings.ingest.max_upload_bytes;
    let (name, bytes) = file_field(&mut multipart, limit, "file").await?;
    Ok(accepted(
        state.intake().file(name.as_deref(), &bytes).await?,
    ))
}

/// The multipart body's `file` field: its name and bytes, at most `limit` of them (`what` names
/// it in the refusal).
async fn file_field(
    multipart: &mut Multipart,
    limit: usize,
    what: &str,
) -> ApiResult<(Option<String>, Vec<u8>)> {
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "the {what} is larger than the limit of {limit} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((name, bytes));
    }
    Err(ApiError::Validation(
        "the multipart body has no `file` field".to_owned(),
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than the limit".to_owned())
    } else {
        ApiError::BadRequest(format!("invalid multipart body: {}", e.body_text()))
    }
}

/// Query of `GET /api/sources`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only sources in this pipeline stage.
    #[param(value_type = Option<SourceStatus>)]
    status: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// Default `created`.
    #[param(value_type = Option<SourceSort>)]
    sort: Option<String>,
    /// Default: newest first for times, A to Z for titles and stages.
    #[param(value_type = Option<Direction>)]
    order: Option<String>,
}

/// The library's sources, newest first unless another order is asked for.
#[utoipa::path(get, path = "/sources", tag = "sources", params(ListQuery),
    responses((status = 200, description = "One page of sources", body = Page<Source>)))]
async fn list_sources(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Source>>> {
    let status = super::known::<SourceStatus>(q.status.as_deref())?;
    let order = super::list_order::<SourceSort>(q.sort.as_deref(), q.order.as_deref())?;
    let (limit, offset) = super::paging(q.limit, q.offset)?;
    let (items, total) = db::sources::list(&state.db, status, order, limit, offset).await?;
    Ok(Json(Page { items, total }))
}

/// A source with what compiling it is estimated to cost.
#[derive(Debug, Serialize, ToSchema)]
struct SourceDetail {
    #[serde(flatten)]
    source: shared::domain::Source,
    /// With the provider tried first, once the clean text is known (`null` before: a web
    /// page is only measured once fetched).
    estimate: Option<shared::llm::estimate::Estimate>,
    /// The per-source limit above which a compile waits for a go-ahead, when one is set.
    max_cost_per_source_usd: Option<f64>,
}

/// One source, with what compiling it is estimated to cost.
#[utoipa::path(get, path = "/sources/{id}", tag = "sources", params(IdPath),
    responses((status = 200, description = "The source", body = SourceDetail)))]
async fn get_source(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<SourceDetail>> {
    let id = parse_id(&id, "source")?;
    let source = db::sources::get(&state.db, id)
        .await
        .map_err(ApiError::missing("source"))?;
    // Estimated with the providers in force (a key or model changed in Settings counts).
    state.llm.refresh_or_keep().await;
    // The text's size is all an estimate needs; nothing is read.
    let text_len = match source.content_hash {
        Some(_) => state.storage.text_len(id).await.ok().flatten(),
        None => None,
    };
    let estimate = text_len.map(|len| {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        shared::llm::setup::compile_estimate(&state.llm.current().effective.settings, len)
    });
    Ok(Json(SourceDetail {
        source,
        estimate,
        max_cost_per_source_usd: state.settings.llm.max_cost_per_source_usd,
    }))
}

/// The source's clean text, as extracted (markdown).
#[utoipa::path(get, path = "/sources/{id}/text", tag = "sources", params(IdPath),
    responses((status = 200, description = "The clean text", body = String,
        content_type = "text/markdown")))]
async fn get_source_text(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "source")?;
    db::sources::get(&state.db, id)
        .await
        .map_err(ApiError::missing("source"))?;
    let text = state.storage.read_text(id).await.map_err(|e| {
        if e.is_not_found() {
            ApiError::NotFound("the source's text is not available yet".to_owned())
        } else {
            e.into()
        }
    })?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        text,
    )
        .into_response())
}

/// The original document as it was uploaded or fetched.
#[utoipa::path(get, path = "/sources/{id}/original", tag = "sources", params(IdPath),
    responses((status = 200, description = "The original document, in its own media type \
        (a PDF, a web page, markdown or text)", content((super::Binary = "*/*")))))]
async fn get_source_original(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "source")?;
    let source = db::sources::get(&state.db, id)
        .await
        .map_err(ApiError::missing("source"))?;
    let (bytes, ext) = state.storage.read_original(id).await?.ok_or_else(|| {
        ApiError::NotFound("the original document is not available yet".to_owned())
    })?;
    let mime = source.original_mime.unwrap_or_else(|| match ext {
        "pdf" => "application/pdf".to_owned(),
        "html" => "text/html; charset=utf-8".to_owned(),
        "md" => "text/markdown; charset=utf-8".to_owned(),
        _ => "text/plain; charset=utf-8".to_owned(),
    });
    // HTML from the web is untrusted: never let a browser run it in our origin.
    let disposition = if ext == "pdf" { "inline" } else { "attachment" };
    Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"original.{ext}\""),
        )
        // `sandbox` would also stop the browser's PDF viewer, and a PDF's scripts run inside
        // that viewer, not in our origin; everything else gets no scripts and no origin.
        .header(
            "content-security-policy",
            if ext == "pdf" {
                "default-src 'none'; object-src 'self'; plugin-types application/pdf"
            } else {
                "sandbox; default-src 'none'"
            },
        )
        .header("x-content-type-options", "nosniff")
        .body(Body::from(bytes))
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Query of `DELETE /api/sources/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Also delete the articles compiled only from this source.
    cascade: Option<bool>,
}

/// The answer to deleting a source.
#[derive(Debug, Serialize, ToSchema)]
struct Deleted {
    deleted: shared::domain::SourceId,
    /// The articles deleted with it (compiled only from it, with `cascade=true`).
    deleted_article_ids: Vec<shared::domain::ArticleId>,
}

/// Delete a source.
///
/// Its files, passages and links go; its articles are compiled again from their other sources,
/// or deleted with `cascade=true` when it was their only one.
#[utoipa::path(delete, path = "/sources/{id}", tag = "sources", params(IdPath, DeleteQuery),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_source(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<Json<Deleted>> {
    let id = parse_id(&id, "source")?;
    state.llm.refresh_or_keep().await;
    let deleted = shared::wiki::delete_source_and_refresh(
        &state.wiki,
        state.llm.answers().as_deref(),
        id,
        q.cascade.unwrap_or(false),
    )
    .await
    .map_err(|e| match e {
        WikiError::Db(DbError::NotFound) => ApiError::not_found("source"),
        e => e.into(),
    })?;
    Ok(Json(Deleted {
        deleted: id,
        deleted_article_ids: deleted.articles,
    }))
}

/// The answer to a compile asked for: the job that does it.
#[derive(Debug, Serialize, ToSchema)]
struct Queued {
    job: Job,
}

/// Query of `POST /api/sources/{id}/compile`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CompileQuery {
    /// Compile with the offline compiler, spending nothing (also taking over a compile that
    /// waits for the budget or for a go-ahead).
    #[serde(default)]
    offline: bool,
    /// Compile with the model although the estimate is above the per-source limit.
    #[serde(default)]
    approve: bool,
}

/// Compile a source again.
///
/// With the model, offline (`offline=true`), or with a go-ahead above the per-source cost
/// limit (`approve=true`).
#[utoipa::path(post, path = "/sources/{id}/compile", tag = "sources", params(IdPath, CompileQuery),
    responses((status = 202, description = "Queued", body = Queued)))]
async fn compile_source(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CompileQuery>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "source")?;
    let how = match (q.offline, q.approve) {
        (true, true) => {
            return Err(ApiError::BadRequest(
                "choose offline or approve, not both".to_owned(),
            ));
        }
        (true, false) => Recompile::Offline,
        (false, true) => Recompile::Approved,
        (false, false) => Recompile::Stored,
    };
    let job = shared::recompile::queue(&state.db, id, how).await?;
    state.hand_over(&job).await;
    Ok((StatusCode::ACCEPTED, Json(Queued { job })).into_response())
}
