//! `/api/backups`: the archives in the data directory's `backups/` — listed, made now and
//! downloaded (what `wikimind backup` does from afar) — and an archive uploaded and restored
//! into a WikiMind whose wiki is empty (`wikimind restore`).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::backup::Restored;
use shared::backup::daily::{self, BackupFile};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(download))
        .routes(routes!(restore))
}

/// The backup archives, newest first.
#[derive(Debug, Serialize, ToSchema)]
struct BackupList {
    items: Vec<BackupFile>,
}

fn files(state: &AppState) -> ApiResult<Vec<BackupFile>> {
    daily::list(&state.storage).map_err(|e| ApiError::Internal(e.into()))
}

/// The backup archives in the data directory (daily and weekly ones, and those made on demand).
#[utoipa::path(get, path = "/backups", tag = "backups",
    responses((status = 200, description = "The archives", body = BackupList)))]
async fn list(State(state): State<AppState>) -> ApiResult<Json<BackupList>> {
    Ok(Json(BackupList {
        items: files(&state)?,
    }))
}

/// Make a backup now.
///
/// A consistent snapshot of the database and the files, with a manifest of checksums.
#[utoipa::path(post, path = "/backups", tag = "backups",
    responses((status = 201, description = "The archive written", body = BackupFile)))]
async fn create(State(state): State<AppState>) -> ApiResult<(StatusCode, Json<BackupFile>)> {
    let path = daily::new_archive_path(&state.storage);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    shared::backup::create(&state.db, &state.storage, &path).await?;
    let file = files(&state)?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the backup {name} vanished")))?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// Download one archive, by its name in the list (nothing else in the directory is served).
#[utoipa::path(get, path = "/backups/{name}", tag = "backups",
    params(("name" = String, Path, description = "The archive's name, as listed")),
    responses((status = 200, description = "The archive",
        content((super::Binary = "application/zip")))))]
async fn download(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    if !files(&state)?.iter().any(|f| f.name == name) {
        return Err(ApiError::not_found("backup"));
    }
    let path = daily::directory(&state.storage).join(&name);
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        // Pruned since it was listed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::not_found("backup"));
        }
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Restore an archive into this WikiMind, whose wiki must be empty.
///
/// The body is an archive as `wikimind backup` or `gateway backup` wrote it, from either
/// database, sent as `application/octet-stream` (or `application/zip`). A wiki that holds
/// sources, articles, conversations or feeds (or files under `raw/` or `wiki/` beyond the
/// generated index and log) is refused (409). The archive is saved aside and checked whole
/// before anything is written; a damaged one is refused (422). The
/// database is written in one transaction and the files are moved into place before it
/// commits, so a restore that fails leaves everything as it was.
#[utoipa::path(post, path = "/backups/restore", tag = "backups",
    request_body(content = super::Binary, content_type = "application/octet-stream"),
    responses((status = 200, description = "What was restored", body = Restored)))]
async fn restore(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Restored>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !["application/zip", "application/octet-stream"].contains(&media_type) {
        return Err(ApiError::UnsupportedMediaType(
            "send the archive itself as the body, with Content-Type: application/octet-stream \
             or application/zip"
                .to_owned(),
        ));
    }
    let upload = Upload::save(&state, body).await?;
    // In a task of its own: a client that goes away must not stop a restore half-way (the
    // files moved into place, the transaction dropped).
    let restoring = tokio::spawn(async move {
        // Two restores at once could each find the wiki empty; the second waits, then finds it
        // full.
        static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _one = ONE_AT_A_TIME.lock().await;
        let restored = shared::backup::restore(&upload.path, &state.db, &state.storage).await;
        drop(upload);
        // Whatever the outcome (a key that could not be moved comes after the commit): the
        // providers and the key their saved secrets are sealed with may have come with the
        // archive, and an archive made moments after a change may predate its index.md.
        state.llm.refresh_or_keep().await;
        state.wiki.refresh_index();
        restored
    });
    let manifest = restoring
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the restore stopped: {e}")))??;
    tracing::info!(
        rows = manifest.rows(),
        files = manifest.files(),
        dialect = %manifest.dialect,
        "a backup was restored"
    );
    Ok(Json(manifest.restored()))
}

/// An uploaded archive, saved beside the backups (never under `raw/` or `wiki/`, which a
/// restore needs empty) and removed when dropped.
struct Upload {
    path: std::path::PathBuf,
}

impl Upload {
    /// Writes `body` to disk as it arrives: an archive holds every upload, so it is never
    /// held in memory.
    async fn save(state: &AppState, body: Body) -> ApiResult<Self> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let dir = daily::directory(&state.storage);
        let upload = Self {
            path: dir.join(format!(".upload-{}.part", uuid::Uuid::new_v4().simple())),
        };
        let stored = |source: std::io::Error| {
            ApiError::from(shared::storage::StorageError::Io {
                path: upload.path.clone(),
                source,
            })
        };
        tokio::fs::create_dir_all(&dir).await.map_err(stored)?;
        let mut file = tokio::fs::File::create(&upload.path)
            .await
            .map_err(stored)?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(upload_broke)?;
            file.write_all(&chunk).await.map_err(stored)?;
        }
        file.flush().await.map_err(stored)?;
        Ok(upload)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), error = %e, "an uploaded archive was not removed");
        }
    }
}

/// Why the body stopped: larger than the limit, or cut off (a client that stopped sending).
fn upload_broke(e: axum::Error) -> ApiError {
    let e = e.into_inner();
    let too_large = std::iter::successors(Some(&*e as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .any(|e| e.is::<http_body_util::LengthLimitError>());
    if too_large {
        ApiError::PayloadTooLarge("the archive is larger than the limit".to_owned())
    } else {
        ApiError::BadRequest(format!("the upload broke off: {e}"))
    }
}
