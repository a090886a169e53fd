//! The production shape (gateway without a worker, separate worker processes on PostgreSQL
//! and Redis) and read throughput under concurrent clients.

use super::*;

/// The production shape: one gateway that only enqueues and `workers` worker processes, on
/// PostgreSQL and Redis, each worker running one job at a time.
pub(crate) async fn worker_processes(
    client: &reqwest::Client,
    fake: &FakeLlm,
    workers: usize,
) -> (Batch, usize) {
    let env = TestEnv::with_backend(Backend::Postgres).await;
    let llm = format!("{}/v1", fake.url());
    let launch = Launch {
        env: &env,
        llm: Some(&llm),
        concurrency: 1,
    };
    let gateway = launch.gateway(&["serve", "--without-worker"]);
    let _workers: Vec<Process> = (0..workers).map(|_| launch.worker()).collect();
    // Ready means a worker heartbeat was seen, so the workers are consuming.
    wait_ready(client, &gateway, Instant::now()).await;
    compile_notes(client, &gateway, fake, 16).await
}

/// Requests per second and latency of one read endpoint under `clients` concurrent clients.
pub(crate) struct ReadLoad {
    pub(crate) requests: usize,
    pub(crate) per_second: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

pub(crate) const READ_CLIENTS: usize = 32;
pub(crate) const READ_DURATION: Duration = Duration::from_secs(5);

pub(crate) async fn read_load(client: &reqwest::Client, urls: Vec<String>) -> ReadLoad {
    let started = Instant::now();
    let tasks: Vec<_> = (0..READ_CLIENTS)
        .map(|n| {
            let client = client.clone();
            let urls = urls.clone();
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut i = n;
                while started.elapsed() < READ_DURATION {
                    let at = Instant::now();
                    let r = client.get(&urls[i % urls.len()]).send().await.expect("GET");
                    assert!(
                        r.status().is_success(),
                        "{} answered {}",
                        urls[i % urls.len()],
                        r.status()
                    );
                    let _ = r.bytes().await.expect("body");
                    times.push(at.elapsed());
                    i += 1;
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    let wall = started.elapsed();
    all.sort();
    ReadLoad {
        requests: all.len(),
        per_second: all.len() as f64 / wall.as_secs_f64(),
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
    }
}

/// Read throughput of the article list and article detail on `backend`, with the 15 corpus
/// pages compiled (offline) beforehand.
pub(crate) async fn read_throughput(
    client: &reqwest::Client,
    corpus: &CorpusServer,
    backend: Backend,
) -> (ReadLoad, ReadLoad) {
    let env = TestEnv::with_backend(backend).await;
    let launch = Launch {
        env: &env,
        llm: None,
        concurrency: 4,
    };
    let gateway = launch.gateway(&["serve", "--with-worker"]);
    wait_ready(client, &gateway, Instant::now()).await;
    ingest_pages(client, &gateway, corpus).await;
    let details: Vec<String> = article_slugs(client, &gateway)
        .await
        .iter()
        .map(|slug| gateway.url(&format!("/api/articles/{slug}")))
        .collect();
    let listing = read_load(client, vec![gateway.url("/api/articles?limit=20")]).await;
    let detail = read_load(client, details).await;
    (listing, detail)
}

pub(crate) fn read_row(label: &str, load: &ReadLoad) -> String {
    format!(
        "| {label} | {READ_CLIENTS} | {} | {:.0} | {} | {} |",
        load.requests,
        load.per_second,
        ms(load.p50),
        ms(load.p99)
    )
}

/// True when the PostgreSQL and Redis the production sections need answer.
pub(crate) async fn production_services_up() -> bool {
    use sqlx::Connection as _;
    let pg = sqlx::PgConnection::connect(&testkit::backend::admin_database_url())
        .await
        .is_ok();
    let redis = match redis::Client::open(testkit::backend::redis_url()) {
        Ok(c) => c.get_multiplexed_async_connection().await.is_ok(),
        Err(_) => false,
    };
    pg && redis
}
