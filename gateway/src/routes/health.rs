//! `/health` (liveness) and `/health/ready` (database, queue, storage, vector search and worker
//! checks).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use shared::jobs::JobQueue;

use crate::auth::is_authenticated;
use crate::state::AppState;

/// Routes of this resource (mounted at the root, outside `/api`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// `GET /health`: the process answers.
#[derive(Debug, Serialize, ToSchema)]
struct Liveness {
    /// Always `ok`.
    status: &'static str,
    version: &'static str,
}

/// Liveness: the process answers (no check of what it depends on).
#[utoipa::path(get, path = "/health", tag = "health", security(()),
    responses((status = 200, description = "Alive", body = Liveness)))]
async fn health() -> Json<Liveness> {
    Json(Liveness {
        status: "ok",
        version: shared::VERSION,
    })
}

/// What a passing check found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum Detail {
    /// The database's dialect.
    Database(&'static str),
    Queue {
        backend: &'static str,
        /// Tasks waiting in the SQLite queue (`null` when they cannot be counted); absent for
        /// Redis.
        #[serde(skip_serializing_if = "Option::is_none")]
        pending: Option<Option<i64>>,
    },
    Storage {
        /// The data directory.
        path: String,
        free_mib: u64,
        /// Where `raw/` and `wiki/` are: the data directory, or the bucket (`s3://…`).
        files: String,
    },
    /// How passages nearest to a question's embedding are found.
    Vectors(shared::db::vectors::VectorSearch),
    Worker {
        heartbeat_age_secs: Option<i64>,
        embedded: bool,
        /// An embedded worker that has not reported in yet, within its grace period.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        starting: bool,
    },
}

/// One check: whether it passes and, to a caller allowed to see them, what it found or why
/// it fails.
#[derive(Debug, Serialize, ToSchema)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<Detail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Check {
    fn of(result: Result<Detail, String>) -> Self {
        let ok = result.is_ok();
        let (detail, error) = match result {
            Ok(detail) => (Some(detail), None),
            Err(error) => (None, Some(error)),
        };
        Self { ok, detail, error }
    }

    /// Only whether it passes.
    fn bare(&self) -> Self {
        Self {
            ok: self.ok,
            detail: None,
            error: None,
        }
    }
}

/// `GET /health/ready`.
#[derive(Debug, Serialize, ToSchema)]
struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    version: &'static str,
    checks: Checks,
}

/// The checks; what each found is shown only to a caller allowed to see it.
#[derive(Debug, Serialize, ToSchema)]
struct Checks {
    database: Check,
    queue: Check,
    storage: Check,
    vectors: Check,
    worker: Check,
}

/// How long an embedded worker may take to report in before readiness says it is missing.
const WORKER_START_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// Database: it answers, and it would accept a write (a read-only file or server still answers
/// reads, but every ingest would fail).
async fn database_check(state: &AppState) -> Result<Detail, String> {
    state.db.ping().await.map_err(|e| e.to_string())?;
    state
        .db
        .check_writable()
        .await
        .map_err(|e| format!("the database refuses writes: {e}"))?;
    Ok(Detail::Database(state.db.dialect()))
}

/// Storage: the data directory (and the bucket, when the files are in one) can be written,
/// and the directory's disk is not about to be full.
async fn storage_check(state: &AppState) -> Result<Detail, String> {
    let root = state.storage.root().display().to_string();
    let (free, almost_full) = state.storage.free_space().map_err(|e| e.to_string())?;
    let free_mib = free / (1 << 20);
    if almost_full {
        return Err(format!(
            "the disk of the data directory {root} is almost full ({free_mib} MiB free)"
        ));
    }
    let files = state.storage.files_location();
    state
        .storage
        .check_writable()
        .await
        .map_err(|e| format!("the data directory {root} or {files} cannot be written: {e}"))?;
    Ok(Detail::Storage {
        path: root,
        free_mib,
        files,
    })
}

/// Vectors: the way nearest passages are found works on this database.
async fn vectors_check(state: &AppState) -> Result<Detail, String> {
    shared::db::vectors::search_path(&state.db)
        .await
        .map(Detail::Vectors)
        .map_err(|e| format!("vector search is unavailable: {e}"))
}

/// Worker: a heartbeat within the last minute; an embedded worker gets a minute to start.
async fn worker_check(state: &AppState) -> Result<Detail, String> {
    // Heartbeats come every few seconds; a minute of silence means the worker is gone.
    match shared::db::jobs::worker_heartbeat_age(&state.db)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(age) if age <= 60 => Ok(Detail::Worker {
            heartbeat_age_secs: Some(age),
            embedded: state.embedded_worker,
            starting: false,
        }),
        Some(age) => Err(format!("the newest worker heartbeat is {age} s old")),
        None if state.embedded_worker && state.started.elapsed() < WORKER_START_GRACE => {
            Ok(Detail::Worker {
                heartbeat_age_secs: None,
                embedded: true,
                starting: true,
            })
        }
        None => Err("no worker has reported in".to_owned()),
    }
}

async fn queue_check(state: &AppState) -> Result<Detail, String> {
    match &state.queue {
        JobQueue::Sqlite(_) => shared::db::jobs::queue_depth(&state.db)
            .await
            .map(|pending| Detail::Queue {
                backend: "sqlite",
                pending: Some(pending),
            })
            .map_err(|e| e.to_string()),
        JobQueue::Redis { .. } => state
            .queue
            .ping()
            .await
            .map(|()| Detail::Queue {
                backend: "redis",
                pending: None,
            })
            .map_err(|e| e.to_string()),
    }
}

/// Readiness: the database, queue, data directory, vector search and a worker are usable.
///
/// A caller that must authenticate and has not sees only which checks pass, not their details
/// (paths, addresses, error text).
#[utoipa::path(get, path = "/health/ready", tag = "health", security(()),
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready: a check fails", body = Readiness),
    ))]
async fn ready(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Readiness>) {
    let mut checks = Checks {
        database: Check::of(database_check(&state).await),
        queue: Check::of(queue_check(&state).await),
        storage: Check::of(storage_check(&state).await),
        vectors: Check::of(vectors_check(&state).await),
        worker: Check::of(worker_check(&state).await),
    };
    let all_ok = [
        &checks.database,
        &checks.queue,
        &checks.storage,
        &checks.vectors,
        &checks.worker,
    ]
    .iter()
    .all(|c| c.ok);
    let detailed = match state.settings.auth.token.as_ref() {
        None => true,
        Some(token) => is_authenticated(&headers, token.expose(), &state).await,
    };
    if !detailed {
        checks = Checks {
            database: checks.database.bare(),
            queue: checks.queue.bare(),
            storage: checks.storage.bare(),
            vectors: checks.vectors.bare(),
            worker: checks.worker.bare(),
        };
    }
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if all_ok { "ready" } else { "not_ready" },
        version: shared::VERSION,
        checks,
    };
    (status, Json(body))
}
