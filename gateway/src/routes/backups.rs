//! `/api/backups`: the archives in the data directory's `backups/` — listed, made now, and
//! downloaded (what `wikimind backup` does from afar). Restoring stays a command run where the
//! data lives (`gateway restore`), since it needs an empty database.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use shared::backup::daily::{self, BackupFile};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/backups", get(list).post(create))
        .route("/backups/{name}", get(download))
}

#[derive(Debug, Serialize)]
struct BackupList {
    items: Vec<BackupFile>,
}

fn files(state: &AppState) -> ApiResult<Vec<BackupFile>> {
    daily::list(&state.storage).map_err(|e| ApiError::Internal(e.into()))
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<BackupList>> {
    Ok(Json(BackupList {
        items: files(&state)?,
    }))
}

/// Writes a backup now → `201` with the archive.
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

/// One archive, by its name in the list (nothing else in the directory is served).
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
