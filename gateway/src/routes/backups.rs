//! `/api/backups`: the archives in the data directory's `backups/` — listed, made now, and
//! downloaded (what `wikimind backup` does from afar). Restoring stays a command run where the
//! data lives (`gateway restore`), since it needs an empty database.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
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
    shared::backup::create(&state.db, &state.storage, &path)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
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
