//! `/health` (liveness) and `/health/ready` (database, queue, storage and worker checks).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use shared::jobs::JobQueue;

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

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = check(
        state
            .db
            .ping()
            .await
            .map(|()| json!(state.db.dialect()))
            .map_err(|e| e.to_string()),
    );
    let queue = check(match &state.queue {
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
    });
    let storage = check(
        state
            .storage
            .check_writable()
            .map(|()| json!(state.storage.root().display().to_string()))
            .map_err(|e| e.to_string()),
    );
    // Heartbeats come every few seconds; a minute of silence means the worker is gone.
    let worker = check(
        match shared::db::jobs::worker_heartbeat_age(&state.db)
            .await
            .map_err(|e| e.to_string())
        {
            Ok(Some(age)) if age <= 60 => {
                Ok(json!({"heartbeat_age_secs": age, "embedded": state.embedded_worker}))
            }
            Ok(Some(age)) => Err(format!("the newest worker heartbeat is {age} s old")),
            Ok(None) if state.embedded_worker => {
                Ok(json!({"heartbeat_age_secs": null, "embedded": true, "starting": true}))
            }
            Ok(None) => Err("no worker has reported in".to_owned()),
            Err(e) => Err(e),
        },
    );
    let all_ok = database.0 && queue.0 && storage.0 && worker.0;
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if all_ok { "ready" } else { "not_ready" },
        "version": shared::VERSION,
        "checks": {"database": database.1, "queue": queue.1, "storage": storage.1, "worker": worker.1},
    });
    (status, Json(body))
}
