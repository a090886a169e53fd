//! Nothing submitted is lost when the process stops: queued jobs run in the next process,
//! and a process killed mid-job has its job finished after restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use testkit::fake_llm::FakeLlm;

use testkit::backend::TestEnv;

use crate::helpers::start;

const LIMIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_job_queued_before_a_stop_is_completed_by_the_next_process() {
    let env = TestEnv::new().await;
    let first = start(env.settings(), false).await;
    let (status, body) = first
        .post_text(
            "Owls hunt at night. Their feathers are shaped to make almost no sound in flight.",
            None,
        )
        .await;
    assert_eq!(status, 202);
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    first.stop().await;

    let second = start(env.settings(), true).await;
    let source = second.wait_for_source(&id, LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    second.stop().await;
}

struct Gateway {
    child: Child,
    base: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// Starts the real binary on `env`, with its worker (on the PostgreSQL backend the worker
/// consumes the Redis queue).
fn spawn_gateway(env: &TestEnv, llm_base: &str) -> Gateway {
    spawn_gateway_with(env, llm_base, &[])
}

/// [`spawn_gateway`] with extra variables.
fn spawn_gateway_with(env: &TestEnv, llm_base: &str, extra: &[(&str, &str)]) -> Gateway {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["serve", "--with-worker"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.data_dir())
        .envs(env.process_env())
        .env("WIKIMIND_SERVER__PORT", port.to_string())
        .env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
        .env("WIKIMIND_LLM__OPENAI__BASE_URL", llm_base)
        .env("OPENAI_API_KEY", "test-key")
        .env("RUST_LOG", "warn")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gateway");
    Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gateway did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn source(client: &reqwest::Client, base: &str, id: &str) -> Value {
    client
        .get(format!("{base}/api/sources/{id}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn kill_dash_nine_mid_compile_loses_nothing() {
    let env = TestEnv::new().await;
    let fake = FakeLlm::start().await;
    // Slow enough that the kill lands while the compile is in flight.
    fake.set_latency(Duration::from_secs(30));
    let client = reqwest::Client::new();
    let llm_base = format!("{}/v1", fake.url());

    let mut gateway = spawn_gateway(&env, &llm_base);
    wait_ready(&client, &gateway.base).await;
    let mut ids = Vec::new();
    for note in [
        "Glaciers are rivers of ice that move slowly downhill under their own weight.",
        "Coral reefs are built by colonies of tiny animals that secrete calcium carbonate.",
        "Volcanoes form where molten rock from the mantle reaches the surface of the crust.",
    ] {
        let r = client
            .post(format!("{}/api/sources/text", gateway.base))
            .json(&serde_json::json!({"content": note}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
        let body: Value = r.json().await.expect("json");
        ids.push(body["source"]["id"].as_str().expect("id").to_owned());
    }
    // Wait until the first compile request reaches the LLM, then kill the process outright.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fake.request_count() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no compile started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gateway.child.kill().expect("kill -9");
    let _ = gateway.child.wait();

    fake.set_latency(Duration::ZERO);
    let restarted = spawn_gateway(&env, &llm_base);
    wait_ready(&client, &restarted.base).await;
    for id in &ids {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let s = source(&client, &restarted.base, id).await;
            if s["status"] == "compiled" {
                break;
            }
            assert_ne!(s["status"], "failed", "{s}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} never compiled: {s}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let jobs: Value = client
        .get(format!("{}/api/jobs", restarted.base))
        .send()
        .await
        .expect("jobs")
        .json()
        .await
        .expect("json");
    let items = jobs["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "one job per source: {jobs}");
    assert!(items.iter().all(|j| j["status"] == "succeeded"), "{jobs}");
}

#[tokio::test]
async fn a_job_whose_process_is_killed_in_every_attempt_ends_failed_after_the_maximum() {
    let env = TestEnv::new().await;
    let fake = FakeLlm::start().await;
    // Every compile hangs at the model until the process is killed.
    fake.set_latency(Duration::from_secs(90));
    let client = reqwest::Client::new();
    let llm_base = format!("{}/v1", fake.url());
    let settings = [
        ("WIKIMIND_JOBS__MAX_ATTEMPTS", "2"),
        ("WIKIMIND_JOBS__LEASE_SECS", "3"),
    ];
    let mut gateway = spawn_gateway_with(&env, &llm_base, &settings);
    wait_ready(&client, &gateway.base).await;
    let r = client
        .post(format!("{}/api/sources/text", gateway.base))
        .json(&serde_json::json!({"content": "A document that brings down its worker every time it is compiled."}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.expect("json");
    let id = body["source"]["id"].as_str().expect("id").to_owned();

    for attempt in 1..=2 {
        let deadline = tokio::time::Instant::now() + LIMIT;
        while fake.request_count() < attempt {
            assert!(
                tokio::time::Instant::now() < deadline,
                "attempt {attempt} never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        gateway.child.kill().expect("kill -9");
        let _ = gateway.child.wait();
        gateway = spawn_gateway_with(&env, &llm_base, &settings);
        wait_ready(&client, &gateway.base).await;
    }

    let deadline = tokio::time::Instant::now() + LIMIT;
    let failed = loop {
        let s = source(&client, &gateway.base, &id).await;
        if s["status"] == "failed" {
            break s;
        }
        assert!(tokio::time::Instant::now() < deadline, "never failed: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        failed["error"], "the worker stopped while processing this source 2 times",
        "{failed}"
    );
    let jobs: Value = client
        .get(format!("{}/api/jobs", gateway.base))
        .send()
        .await
        .expect("jobs")
        .json()
        .await
        .expect("json");
    let job = &jobs["items"][0];
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_i64()),
        (Some("failed"), Some(2)),
        "{jobs}"
    );
    assert_eq!(
        fake.request_count(),
        2,
        "no third delivery reached the model"
    );

    // Retry (a re-compile) runs it again, now that the model answers.
    fake.set_latency(Duration::ZERO);
    let r = client
        .post(format!("{}/api/sources/{id}/compile", gateway.base))
        .send()
        .await
        .expect("retry");
    assert_eq!(r.status(), 202);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while source(&client, &gateway.base, &id).await["status"] != "compiled" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the retry did not compile"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads a job's outbox and lease columns: `(status, dispatched, worker)`.
async fn job_state(db: &shared::db::Db, id: uuid::Uuid) -> (String, bool, Option<String>) {
    let row: (
        String,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<String>,
    ) = shared::on_db!(db, |p| sqlx::query_as(
        "select status, dispatched_at, worker from job_runs where id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .expect("job row");
    (row.0, row.1.is_some(), row.2)
}

#[tokio::test]
async fn the_outbox_requeues_undelivered_jobs_and_jobs_whose_worker_vanished() {
    let env = TestEnv::new().await;
    // A gateway without a worker: only the outbox moves jobs.
    let gateway = start(env.settings(), false).await;
    let (status, body) = gateway
        .post_text(
            "Lighthouses warn ships away from rocks with a light that flashes in a known pattern.",
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (_, jobs) = gateway.get_json("/api/jobs").await;
    let job_id: uuid::Uuid = jobs["items"][0]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("job id");
    assert_eq!(
        job_state(&gateway.db, job_id).await,
        ("queued".into(), true, None)
    );

    // A push that never happened (the process died between commit and push).
    shared::on_db!(&gateway.db, |p| sqlx::query(
        "update job_runs set dispatched_at = null where id = $1"
    )
    .bind(job_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("undispatch");
    wait_until(|| async { job_state(&gateway.db, job_id).await.1 }).await;

    // A worker that claimed the job and vanished: its lease is over.
    let expired = shared::db::now() - chrono::Duration::seconds(5);
    shared::on_db!(&gateway.db, |p| sqlx::query(
        "update job_runs set status = 'running', worker = 'vanished', lease_until = $2 where id = $1"
    )
    .bind(job_id)
    .bind(expired)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("fake a dead worker's claim");
    wait_until(|| async { job_state(&gateway.db, job_id).await == ("queued".into(), true, None) })
        .await;
    gateway.stop().await;

    // A worker now takes the job and finishes it exactly once.
    let worker = start(env.settings(), true).await;
    let id = body["source"]["id"].as_str().expect("source id");
    let source = worker.wait_for_source(id, LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(source["article_ids"].as_array().map(Vec::len), Some(1));
    let (_, job) = worker.get_json(&format!("/api/jobs/{job_id}")).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    worker.stop().await;
}

/// Polls `condition` every 100 ms for up to 20 s (the outbox runs every 2 s).
async fn wait_until<F, Fut>(condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn without_redis_the_queue_lives_in_the_data_directory_whatever_the_database() {
    // On the PostgreSQL backend this is the single-machine shape (one Fly machine with an
    // attached PostgreSQL and no Redis): jobs queue in `<data>/db/queue.db`.
    let app = crate::helpers::spawn_app_with(|s| s.redis = None).await;
    let (status, body) = app
        .post_text(
            "Sundials tell the time from the shadow a gnomon casts as the Sun crosses the sky.",
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let id = body["source"]["id"].as_str().expect("id");
    let source = app.wait_for_source(id, LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    let (status, ready) = app.get_json("/health/ready").await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["checks"]["queue"]["detail"]["backend"], "sqlite");
}

#[tokio::test]
async fn the_redis_queue_forgets_finished_tasks() {
    let env = TestEnv::new().await;
    let settings = env.settings();
    let Some(redis) = settings.redis.clone() else {
        eprintln!(
            "the SQLite phase has no Redis queue; this test runs in the PostgreSQL + Redis phase"
        );
        return;
    };
    let app = start(settings, true).await;
    let (_, body) = app
        .post_text(
            "Tide tables predict the height of the sea at each hour of the day.",
            None,
        )
        .await;
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    assert_eq!(app.wait_for_source(&id, LIMIT).await["status"], "compiled");

    let queue = redis.source_queue();
    let client = redis::Client::open(redis.url.expose()).expect("redis client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connection");
    let done_key = format!("{queue}:done");
    let data_key = format!("{queue}:data");
    // Each task's acknowledgement reaches Redis just after the job row; wait until every task
    // pushed (a second push of the same job is possible and harmless) is acknowledged.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let finished = loop {
        let done = size(&mut conn, "SCARD", &done_key).await;
        let data = size(&mut conn, "HLEN", &data_key).await;
        if done >= 1 && done == data {
            break done;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the task never reached the done set"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let jobs = shared::jobs::JobQueue::redis(redis.url.expose(), &queue, 1)
        .await
        .expect("queue");
    // Younger than the cutoff: kept.
    assert_eq!(
        jobs.expire_finished(Duration::from_secs(3600))
            .await
            .expect("expire"),
        0
    );
    assert_eq!(
        jobs.expire_finished(Duration::ZERO).await.expect("expire"),
        finished
    );
    let done = size(&mut conn, "SCARD", &done_key).await;
    let data = size(&mut conn, "HLEN", &data_key).await;
    let meta: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{queue}:meta:*"))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert_eq!((done, data, meta.len()), (0, 0, 0), "{meta:?}");
    app.stop().await;
}

/// The size of a Redis set (`SCARD`) or hash (`HLEN`).
async fn size(conn: &mut redis::aio::MultiplexedConnection, command: &str, key: &str) -> usize {
    redis::cmd(command)
        .arg(key)
        .query_async(conn)
        .await
        .expect("redis size")
}
