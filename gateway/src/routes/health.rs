//! `/health` (liveness) and `/health/ready` (database, queue, storage and worker checks).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use shared::jobs::JobQueue;

use crate::auth::is_authenticated;
use crate::state::AppState;

/// Routes of this resource (mounted at the root, outside `/api`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(ready))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "version": shared::VERSION}))
}

fn check(result: Result<Value, String>) -> (bool, Value) {
    match result {
        Ok(detail) => (true, json!({"ok": true, "detail": detail})),
        Err(error) => (false, json!({"ok": false, "error": error})),
    }
}

/// How long an embedded worker may take to report in before readiness says it is missing.
const WORKER_START_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// Database: it answers, and it would accept a write (a read-only file or server still answers
/// reads, but every ingest would fail).
async fn database_check(state: &AppState) -> Result<Value, String> {
    state.db.ping().await.map_err(|e| e.to_string())?;
    state
        .db
        .check_writable()
        .await
        .map_err(|e| format!("the database refuses writes: {e}"))?;
    Ok(json!(state.db.dialect()))
}

/// Storage: the data directory can be written and is not about to be full.
fn storage_check(state: &AppState) -> Result<Value, String> {
    let root = state.storage.root().display().to_string();
    let (free, almost_full) = state.storage.free_space().map_err(|e| e.to_string())?;
    let free_mib = free / (1 << 20);
    if almost_full {
        return Err(format!(
            "the disk of the data directory {root} is almost full ({free_mib} MiB free)"
        ));
    }
    state
        .storage
        .check_writable()
        .map_err(|e| format!("the data directory {root} cannot be written: {e}"))?;
    Ok(json!({"path": root, "free_mib": free_mib}))
}

/// Worker: a heartbeat within the last minute; an embedded worker gets a minute to start.
async fn worker_check(state: &AppState) -> Result<Value, String> {
    // Heartbeats come every few seconds; a minute of silence means the worker is gone.
    match shared::db::jobs::worker_heartbeat_age(&state.db)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(age) if age <= 60 => {
            Ok(json!({"heartbeat_age_secs": age, "embedded": state.embedded_worker}))
        }
        Some(age) => Err(format!("the newest worker heartbeat is {age} s old")),
        None if state.embedded_worker && state.started.elapsed() < WORKER_START_GRACE => {
            Ok(json!({"heartbeat_age_secs": null, "embedded": true, "starting": true}))
        }
        None => Err("no worker has reported in".to_owned()),
    }
}

async fn queue_check(state: &AppState) -> Result<Value, String> {
    match &state.queue {
        JobQueue::Sqlite(_) => shared::db::jobs::queue_depth(&state.db)
            .await
            .map(|pending| json!({"backend": "sqlite", "pending": pending}))
            .map_err(|e| e.to_string()),
        JobQueue::Redis { .. } => state
            .queue
            .ping()
            .await
            .map(|()| json!({"backend": "redis"}))
            .map_err(|e| e.to_string()),
    }
}

/// Every check; a caller that must authenticate and has not sees only which checks pass, not
/// their details (paths, addresses, error text).
async fn ready(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let checks = [
        ("database", check(database_check(&state).await)),
        ("queue", check(queue_check(&state).await)),
        ("storage", check(storage_check(&state))),
        ("worker", check(worker_check(&state).await)),
    ];
    let all_ok = checks.iter().all(|(_, (ok, _))| *ok);
    let detailed = match state.settings.auth.token.as_ref() {
        None => true,
        Some(token) => is_authenticated(&headers, token.expose(), &state).await,
    };
    let mut out = serde_json::Map::new();
    for (name, (ok, detail)) in checks {
        out.insert(
            name.to_owned(),
            if detailed { detail } else { json!({"ok": ok}) },
        );
    }
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if all_ok { "ready" } else { "not_ready" },
        "version": shared::VERSION,
        "checks": out,
    });
    (status, Json(body))
}
