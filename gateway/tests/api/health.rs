//! Liveness, readiness, jobs listing and the live-event WebSocket.

use std::time::Duration;

use futures::StreamExt;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_reports_the_version_and_readiness_reports_each_check() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], shared::VERSION);
    let (status, body) = app.get_json("/health/ready").await;
    assert_eq!(status, 200, "{body}");
    for check in ["database", "queue", "storage", "vectors", "worker"] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {body}");
    }
    // The wiki's files are in the data directory unless a bucket is configured.
    let storage = &body["checks"]["storage"]["detail"];
    assert_eq!(storage["files"], storage["path"], "{body}");
    // Which way nearest passages are found is said: sqlite-vec on SQLite (which answered),
    // pgvector on a PostgreSQL server that has it, an exact scan on one that has not.
    let vectors = &body["checks"]["vectors"]["detail"];
    let expected = match &app.db {
        shared::db::Db::Sqlite(_) => "sqlite_vec",
        shared::db::Db::Postgres(_) if crate::hybrid::pgvector_offered(&app.db).await => "pgvector",
        shared::db::Db::Postgres(_) => "exact_scan",
    };
    assert_eq!(vectors["index"], expected, "{body}");
    if expected != "exact_scan" {
        assert!(
            vectors["version"].as_str().is_some_and(|v| !v.is_empty()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_web_app_fallback_serves_html_for_deep_links() {
    let app = spawn_app().await;
    let r = app.get("/wiki/some-slug").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let r = app.get("/assets/missing-1234.js").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_websocket_streams_progress_of_an_ingest() {
    let app = spawn_app().await;
    let ws_url = app.url("/api/ws").replace("http://", "ws://");
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("websocket");
    let hello = socket.next().await.expect("frame").expect("ok");
    assert!(hello.to_text().unwrap_or_default().contains("\"hello\""));

    let (_, body) = app.post_text("Lighthouses warn ships of dangerous coasts. Their lamps rotate so that sailors can identify each one by its pattern.", None).await;
    let source_id = body["source"]["id"].as_str().expect("id").to_owned();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !seen.contains(&"compiled".to_owned()) {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("events before the deadline");
        let frame = frame.expect("open").expect("frame");
        let Ok(text) = frame.to_text() else { continue };
        let event: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        assert!(event["type"].is_string());
        if event["type"] == "source.progress" && event["source_id"] == source_id.as_str() {
            seen.push(event["stage"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert!(seen.contains(&"compiling".to_owned()), "{seen:?}");

    let (_, jobs) = app.get_json("/api/jobs?status=succeeded").await;
    let job = &jobs["items"][0];
    assert_eq!(job["source_id"], source_id.as_str());
    assert_eq!(job["attempts"], 1);
    let (status, one) = app
        .get_json(&format!("/api/jobs/{}", job["id"].as_str().expect("id")))
        .await;
    assert_eq!(status, 200);
    assert!(one["finished_at"].is_string());
}
