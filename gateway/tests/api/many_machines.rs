//! Gateways and workers that share nothing but PostgreSQL, Redis and a bucket: two gateways and
//! two workers, each with a data directory of its own, as machines of one deployment would be.
//! A note added on one gateway is compiled by one of the workers, and the other gateway serves
//! the article, its files and the live events. Runs in the PostgreSQL phase (SQLite is one
//! machine's database) against a real S3-protocol server on loopback.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use shared::config::{Secret, Settings};
use testkit::backend::{Backend, TestEnv};
use testkit::s3_server::S3Server;

use crate::helpers::{TestApp, start};

/// One machine's settings: the deployment's database, queue, bucket and secret key, and a
/// data directory of its own.
fn machine(env: &TestEnv, server: &S3Server, dir: &tempfile::TempDir) -> Settings {
    let mut settings = env.settings();
    settings.data_dir = dir.path().to_owned();
    settings.bucket = Some(server.bucket("deployment"));
    settings.secret_key = Some(Secret::new("the-deployments-secret-key-0123456789"));
    settings
}

/// A worker process's parts, run in this process until `stop` fires.
async fn start_worker(
    settings: Settings,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let settings = Arc::new(settings);
    let db = shared::db::Db::connect(&settings.database)
        .await
        .expect("the worker connects");
    let queue = shared::jobs::JobQueue::for_deployment(&settings, &db)
        .await
        .expect("the worker's queue");
    let bus = shared::events::bus_for_deployment(&settings)
        .await
        .expect("the worker's event bus");
    let ctx = worker::build_context(settings, db, bus)
        .await
        .expect("the worker's context");
    let name = ctx.worker_name.to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        worker::run(ctx, queue, async {
            let _ = stopped.await;
        })
        .await
        .expect("the worker runs");
    });
    (name, stop, handle)
}

#[tokio::test]
async fn a_note_added_on_one_gateway_is_compiled_by_a_worker_and_read_on_the_other() {
    if Backend::selected() != Backend::Postgres {
        eprintln!(
            "SKIPPED here: machines share PostgreSQL and Redis; this runs in the PostgreSQL phase"
        );
        return;
    }
    let Some(server) = S3Server::start() else {
        return;
    };
    let env = TestEnv::new().await;
    let dirs: Vec<tempfile::TempDir> = (0..4)
        .map(|_| tempfile::tempdir().expect("a machine's data directory"))
        .collect();
    let first: TestApp = start(machine(&env, &server, &dirs[0]), false).await;
    let second: TestApp = start(machine(&env, &server, &dirs[1]), false).await;
    let mut workers = Vec::new();
    for dir in &dirs[2..] {
        workers.push(start_worker(machine(&env, &server, dir)).await);
    }

    // The second gateway's live events, before anything happens.
    let ws_url = second.url("/api/ws").replace("http://", "ws://");
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("websocket");
    let hello = socket.next().await.expect("frame").expect("ok");
    assert!(hello.to_text().unwrap_or_default().contains("\"hello\""));

    let (status, body) = first
        .post_text(
            "# Ring buffers\n\nA ring buffer overwrites its oldest entry once it is full. \
             Readers and writers chase each other around a fixed array.",
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let source_id = body["source"]["id"].as_str().expect("id").to_owned();

    // Compiled, as the other gateway sees it, with the article it made.
    let source = second
        .wait_for_source(&source_id, Duration::from_secs(60))
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    let article_id = source["article_ids"][0].as_str().expect("article");
    let (status, article) = second
        .get_json(&format!("/api/articles/{article_id}"))
        .await;
    assert_eq!(status, 200, "{article}");
    assert!(
        second
            .source_text(&source_id)
            .await
            .contains("oldest entry"),
        "the other gateway reads the text the worker stored"
    );

    // Its events reached the other gateway.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut stages = Vec::new();
    let mut article_announced = false;
    while !(stages.iter().any(|s| s == "compiled") && article_announced) {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("events before the deadline; seen {stages:?}"))
            .expect("open")
            .expect("frame");
        let Ok(text) = frame.to_text() else { continue };
        let event: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        if event["type"] == "source.progress" && event["source_id"] == source_id.as_str() {
            stages.push(event["stage"].as_str().unwrap_or_default().to_owned());
        }
        if event["type"] == "article.updated" && event["article_id"] == article_id {
            article_announced = true;
        }
    }

    // One of the two workers ran the job.
    let shared::db::Db::Postgres(pool) = &second.db else {
        unreachable!("the PostgreSQL phase")
    };
    let ran: Option<String> =
        sqlx::query_scalar("select worker from job_runs where source_id = $1")
            .bind(uuid::Uuid::parse_str(&source_id).expect("uuid"))
            .fetch_one(pool)
            .await
            .expect("the job");
    let names: Vec<&str> = workers.iter().map(|(name, _, _)| name.as_str()).collect();
    assert!(
        ran.as_deref().is_some_and(|w| names.contains(&w)),
        "ran by {ran:?}, workers {names:?}"
    );

    // The files are in the bucket, not in any machine's directory.
    let slug = article["slug"].as_str().expect("slug");
    assert!(
        server
            .objects("deployment")
            .contains(&format!("wiki/{slug}.md")),
        "{:?}",
        server.objects("deployment")
    );
    for dir in &dirs {
        assert!(!dir.path().join("raw").exists() && !dir.path().join("wiki").exists());
    }

    for (_, stop, handle) in workers {
        let _ = stop.send(());
        handle.await.expect("the worker stops");
    }
}
