//! End-to-end benchmark of the real release binaries: cold start, idle memory, ingest →
//! compiled time on the corpus with the offline compiler, and compile throughput through an
//! OpenAI-compatible server with 300 ms of latency per call; then, when PostgreSQL and Redis
//! are reachable, the production shape: 1 vs 2 `worker` processes, and read throughput with 32
//! concurrent clients on PostgreSQL and on SQLite.
//!
//! Run with `make bench` (which builds `worker` first, then `cargo bench -p gateway --bench
//! pipeline`). It prints a markdown report for `BENCHMARKS.md`; it asserts nothing about
//! time, because timing depends on the machine.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::backend::{Backend, TestEnv};
use testkit::corpus_server::{CorpusServer, corpus_dir};
use testkit::fake_llm::FakeLlm;

/// How long one batch may take before the benchmark gives up.
const BATCH_LIMIT: Duration = Duration::from_secs(600);
const COLD_START_RUNS: usize = 5;

/// The corpus web pages, served over HTTP and ingested by URL.
const HTML_PAGES: [&str; 15] = [
    "html/python/asyncio-task.html",
    "html/python/bisect.html",
    "html/python/concurrent.futures.html",
    "html/python/csv.html",
    "html/python/hashlib.html",
    "html/python/heapq.html",
    "html/python/json.html",
    "html/python/queue.html",
    "html/python/sqlite3.html",
    "html/python/threading.html",
    "html/debian-handbook/sect.apt-cache.html",
    "html/debian-handbook/sect.apt-get.html",
    "html/debian-handbook/sect.backup.html",
    "html/debian-handbook/sect.dhcp.html",
    "html/debian-handbook/sect.domain-name-servers.html",
];

/// The corpus plain-text documents, uploaded as files.
const TEXT_FILES: [&str; 3] = ["text/Apache-2.0.txt", "text/GPL-3.txt", "text/MPL-2.0.txt"];

/// A WikiMind process (the gateway, or a worker with `base` empty); killed when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start a process.
struct Launch<'a> {
    env: &'a TestEnv,
    /// OpenAI-compatible base URL to compile through; `None` for the offline compiler.
    llm: Option<&'a str>,
    concurrency: usize,
}

impl Launch<'_> {
    /// `gateway <args>` on a free port.
    fn gateway(&self, args: &[&str]) -> Process {
        let port = free_port();
        let mut cmd = self.command(Path::new(env!("CARGO_BIN_EXE_gateway")));
        cmd.args(args)
            .env("WIKIMIND_SERVER__PORT", port.to_string());
        Process {
            child: cmd.spawn().expect("spawn the release gateway binary"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A `worker` process (built next to the gateway by `make bench`).
    fn worker(&self) -> Process {
        let gateway = Path::new(env!("CARGO_BIN_EXE_gateway"));
        let binary = gateway.with_file_name("worker");
        assert!(
            binary.exists(),
            "{} is missing: run `make bench`, which builds it",
            binary.display()
        );
        Process {
            child: self.command(&binary).spawn().expect("spawn the worker"),
            base: String::new(),
        }
    }

    fn command(&self, binary: &Path) -> Command {
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.env.data_dir())
            .envs(self.env.process_env())
            .env("WIKIMIND_INGEST__ALLOW_PRIVATE_URLS", "true")
            .env("WIKIMIND_JOBS__CONCURRENCY", self.concurrency.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(base) = self.llm {
            cmd.env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
                .env("WIKIMIND_LLM__OPENAI__BASE_URL", base)
                .env("OPENAI_API_KEY", "bench-key");
        }
        cmd
    }
}

impl Process {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resident and peak resident memory of the process, in MiB, from `/proc`.
    fn memory_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `/health/ready` until it answers 200 and returns the time since `started`.
async fn wait_ready(client: &reqwest::Client, gateway: &Process, started: Instant) -> Duration {
    loop {
        if let Ok(r) = client.get(gateway.url("/health/ready")).send().await
            && r.status().is_success()
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "gateway not ready after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn ingest_url(client: &reqwest::Client, gateway: &Process, url: &str) -> String {
    let r = client
        .post(gateway.url("/api/sources/url"))
        .json(&json!({ "url": url }))
        .send()
        .await
        .expect("POST /api/sources/url");
    source_id(r).await
}

async fn ingest_file(client: &reqwest::Client, gateway: &Process, path: &Path) -> String {
    let bytes = std::fs::read(path).expect("corpus file");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = client
        .post(gateway.url("/api/sources/file"))
        .multipart(form)
        .send()
        .await
        .expect("POST /api/sources/file");
    source_id(r).await
}

async fn ingest_text(client: &reqwest::Client, gateway: &Process, content: &str) -> String {
    let r = client
        .post(gateway.url("/api/sources/text"))
        .json(&json!({ "content": content }))
        .send()
        .await
        .expect("POST /api/sources/text");
    source_id(r).await
}

async fn source_id(r: reqwest::Response) -> String {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON answer");
    assert_eq!(status, 202, "ingest refused: {body}");
    body["source"]["id"].as_str().expect("source id").to_owned()
}

/// Per-source times from submission to `compiled`, measured by the client while polling.
struct Batch {
    wall: Duration,
    per_source: Vec<Duration>,
    peak_rss_mib: f64,
}

/// Waits until every source is final; panics if one fails, since a benchmark of failures
/// would be meaningless.
async fn wait_compiled(
    client: &reqwest::Client,
    gateway: &Process,
    submitted: &[(String, Instant)],
    started: Instant,
) -> Batch {
    let mut done: Vec<Option<Duration>> = vec![None; submitted.len()];
    let mut peak_rss_mib: f64 = 0.0;
    while done.iter().any(Option::is_none) {
        assert!(started.elapsed() < BATCH_LIMIT, "batch did not finish");
        for (slot, (id, at)) in done.iter_mut().zip(submitted) {
            if slot.is_some() {
                continue;
            }
            let source: Value = client
                .get(gateway.url(&format!("/api/sources/{id}")))
                .send()
                .await
                .expect("GET source")
                .json()
                .await
                .expect("source JSON");
            match source["status"].as_str() {
                Some("compiled") => *slot = Some(at.elapsed()),
                Some("failed") => panic!("source failed: {source}"),
                _ => {}
            }
        }
        peak_rss_mib = peak_rss_mib.max(gateway.memory_mib().0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Batch {
        wall: started.elapsed(),
        per_source: done.into_iter().flatten().collect(),
        peak_rss_mib,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn summarise(label: &str, batch: &mut Batch) -> String {
    batch.per_source.sort();
    let n = batch.per_source.len();
    format!(
        "| {label} | {n} | {} | {} | {} | {} | {:.2} | {:.0} MiB |",
        ms(batch.wall),
        ms(percentile(&batch.per_source, 0.5)),
        ms(percentile(&batch.per_source, 0.95)),
        ms(*batch.per_source.last().unwrap_or(&Duration::ZERO)),
        n as f64 / batch.wall.as_secs_f64(),
        batch.peak_rss_mib,
    )
}

async fn cold_start(client: &reqwest::Client) -> (Vec<Duration>, f64, f64) {
    let mut times = Vec::new();
    let (mut rss, mut hwm) = (0.0, 0.0);
    for _ in 0..COLD_START_RUNS {
        let env = TestEnv::with_backend(Backend::Sqlite).await;
        let launch = Launch {
            env: &env,
            llm: None,
            concurrency: 4,
        };
        let started = Instant::now();
        let gateway = launch.gateway(&["serve"]);
        times.push(wait_ready(client, &gateway, started).await);
        // Let start-up work (migrations, queue polling set-up) settle before measuring idle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        (rss, hwm) = gateway.memory_mib();
    }
    times.sort();
    (times, rss, hwm)
}

async fn offline_corpus(client: &reqwest::Client, corpus: &CorpusServer) -> (Batch, Batch) {
    let env = TestEnv::with_backend(Backend::Sqlite).await;
    let launch = Launch {
        env: &env,
        llm: None,
        concurrency: 4,
    };
    let gateway = launch.gateway(&["serve"]);
    wait_ready(client, &gateway, Instant::now()).await;
    let html = ingest_pages(client, &gateway, corpus).await;

    let started = Instant::now();
    let mut submitted = Vec::new();
    for file in TEXT_FILES {
        let id = ingest_file(client, &gateway, &corpus_dir().join(file)).await;
        submitted.push((id, Instant::now()));
    }
    let text = wait_compiled(client, &gateway, &submitted, started).await;
    (html, text)
}

/// Ingests the 15 corpus web pages by URL and waits until they are compiled.
async fn ingest_pages(client: &reqwest::Client, gateway: &Process, corpus: &CorpusServer) -> Batch {
    let started = Instant::now();
    let mut submitted = Vec::new();
    for page in HTML_PAGES {
        let id = ingest_url(client, gateway, &corpus.url(&format!("/corpus/{page}"))).await;
        submitted.push((id, Instant::now()));
    }
    wait_compiled(client, gateway, &submitted, started).await
}

/// Distinct short notes, each of which compiles in exactly one LLM call.
fn notes(count: usize) -> Vec<String> {
    const TOPICS: [&str; 8] = [
        "Bisect keeps a sorted list sorted by inserting with binary search",
        "A heap queue pops the smallest item first in logarithmic time",
        "A thread pool executor runs callables on a fixed set of worker threads",
        "The csv module reads and writes comma separated values with dialects",
        "hashlib exposes secure hash functions such as SHA-256 and BLAKE2",
        "apt-cache searches the package index without changing the system",
        "DHCP hands out addresses, routes and name servers to hosts on a network",
        "Backups need a tested restore procedure, not only a copy of the data",
    ];
    (0..count)
        .map(|i| {
            let topic = TOPICS[i % TOPICS.len()];
            format!(
                "# Note {i}: {topic}\n\n{topic}. This note (number {i}) records why it matters \
                 and where it applies. {topic}, which is worth remembering when designing \
                 systems that other people will maintain.\n"
            )
        })
        .collect()
}

async fn llm_throughput(
    client: &reqwest::Client,
    fake: &FakeLlm,
    concurrency: usize,
    count: usize,
) -> (Batch, usize) {
    let env = TestEnv::with_backend(Backend::Sqlite).await;
    let llm = format!("{}/v1", fake.url());
    let launch = Launch {
        env: &env,
        llm: Some(&llm),
        concurrency,
    };
    let gateway = launch.gateway(&["serve"]);
    wait_ready(client, &gateway, Instant::now()).await;
    compile_notes(client, &gateway, fake, count).await
}

/// Submits `count` notes and waits for them; returns the batch and the LLM calls it made.
async fn compile_notes(
    client: &reqwest::Client,
    gateway: &Process,
    fake: &FakeLlm,
    count: usize,
) -> (Batch, usize) {
    fake.clear_requests();
    let started = Instant::now();
    let mut submitted = Vec::new();
    for note in notes(count) {
        let id = ingest_text(client, gateway, &note).await;
        submitted.push((id, Instant::now()));
    }
    let batch = wait_compiled(client, gateway, &submitted, started).await;
    (batch, fake.request_count())
}

/// The production shape: one gateway that only enqueues and `workers` worker processes, on
/// PostgreSQL and Redis, each worker running one job at a time.
async fn worker_processes(
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
struct ReadLoad {
    requests: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

const READ_CLIENTS: usize = 32;
const READ_DURATION: Duration = Duration::from_secs(5);

async fn read_load(client: &reqwest::Client, urls: Vec<String>) -> ReadLoad {
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
async fn read_throughput(
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
    let list: Value = client
        .get(gateway.url("/api/articles?limit=100"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list JSON");
    let details: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["slug"].as_str())
        .map(|slug| gateway.url(&format!("/api/articles/{slug}")))
        .collect();
    assert!(!details.is_empty(), "no articles to read");
    let listing = read_load(client, vec![gateway.url("/api/articles?limit=20")]).await;
    let detail = read_load(client, details).await;
    (listing, detail)
}

fn read_row(label: &str, load: &ReadLoad) -> String {
    format!(
        "| {label} | {READ_CLIENTS} | {} | {:.0} | {} | {} |",
        load.requests,
        load.per_second,
        ms(load.p50),
        ms(load.p99)
    )
}

/// True when the PostgreSQL and Redis the production sections need answer.
async fn production_services_up() -> bool {
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

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` from other tooling is ignored.
    let client = reqwest::Client::new();
    let corpus = CorpusServer::start().await.expect("corpus server");

    let (starts, idle_rss, idle_hwm) = cold_start(&client).await;
    let (mut html, mut text) = offline_corpus(&client, &corpus).await;

    let fake = FakeLlm::start().await;
    fake.set_latency(Duration::from_millis(300));
    let (mut serial, serial_calls) = llm_throughput(&client, &fake, 1, 16).await;
    let (mut parallel, parallel_calls) = llm_throughput(&client, &fake, 4, 16).await;

    let production = if production_services_up().await {
        let (mut one, one_calls) = worker_processes(&client, &fake, 1).await;
        let (mut two, two_calls) = worker_processes(&client, &fake, 2).await;
        let pg = read_throughput(&client, &corpus, Backend::Postgres).await;
        let sqlite = read_throughput(&client, &corpus, Backend::Sqlite).await;
        Some((
            summarise(&format!("1 worker process ({one_calls} calls)"), &mut one),
            summarise(&format!("2 worker processes ({two_calls} calls)"), &mut two),
            pg,
            sqlite,
        ))
    } else {
        None
    };

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("## Results ({cores} cores, release build)\n");
    println!("### Start-up and idle memory\n");
    println!("| measure | value |\n|---|---|");
    println!(
        "| cold start to `/health/ready` (median of {COLD_START_RUNS}) | {} |",
        ms(percentile(&starts, 0.5))
    );
    println!(
        "| cold start, fastest / slowest | {} / {} |",
        ms(starts[0]),
        ms(starts[starts.len() - 1])
    );
    println!("| idle RSS after start | {idle_rss:.1} MiB |");
    println!("| peak RSS during start | {idle_hwm:.1} MiB |\n");
    println!("### Ingest → compiled\n");
    println!(
        "| batch | sources | wall | p50 | p95 | max | sources/s | peak RSS |\n|---|---|---|---|---|---|---|---|"
    );
    println!(
        "{}",
        summarise("offline, 15 corpus web pages by URL", &mut html)
    );
    println!(
        "{}",
        summarise("offline, 3 corpus licence texts by upload", &mut text)
    );
    println!(
        "{}",
        summarise(
            &format!("fake LLM 300 ms, concurrency 1 ({serial_calls} calls)"),
            &mut serial
        )
    );
    println!(
        "{}",
        summarise(
            &format!("fake LLM 300 ms, concurrency 4 ({parallel_calls} calls)"),
            &mut parallel
        )
    );
    match production {
        Some((one, two, pg, sqlite)) => {
            println!("\n### Production shape: PostgreSQL + Redis, gateway without a worker\n");
            println!(
                "16 notes through the fake LLM (300 ms per call), each worker process running one job at a time.\n"
            );
            println!(
                "| workers | sources | wall | p50 | p95 | max | sources/s | gateway peak RSS |\n|---|---|---|---|---|---|---|---|"
            );
            println!("{one}\n{two}");
            println!(
                "\n### Read throughput (15 compiled corpus pages, {READ_CLIENTS} concurrent clients, {} s each)\n",
                READ_DURATION.as_secs()
            );
            println!(
                "| endpoint | clients | requests | req/s | p50 | p99 |\n|---|---|---|---|---|---|"
            );
            println!(
                "{}",
                read_row("PostgreSQL: `GET /api/articles?limit=20`", &pg.0)
            );
            println!(
                "{}",
                read_row("PostgreSQL: `GET /api/articles/{slug}`", &pg.1)
            );
            println!(
                "{}",
                read_row("SQLite: `GET /api/articles?limit=20`", &sqlite.0)
            );
            println!(
                "{}",
                read_row("SQLite: `GET /api/articles/{slug}`", &sqlite.1)
            );
        }
        None => println!(
            "\nSKIPPED: the production sections need PostgreSQL and Redis (WIKIMIND_TEST_DATABASE_URL, WIKIMIND_TEST_REDIS_URL)."
        ),
    }
}
