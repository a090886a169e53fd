//! End-to-end benchmark of the real release `gateway` binary: cold start, idle memory,
//! ingest → compiled time on the corpus with the offline compiler, and compile throughput
//! through an OpenAI-compatible server with 300 ms of latency per call.
//!
//! Run with `make bench` (`cargo bench -p gateway --bench pipeline`). It prints a markdown
//! report for `BENCHMARKS.md`; it asserts nothing about time, because timing depends on the
//! machine.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
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

/// A gateway process with its own data directory; killed when dropped.
struct Gateway {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Starts `gateway serve` on a free port with a fresh data directory. `llm` is the
    /// OpenAI-compatible base URL to compile through, or `None` for the offline compiler.
    fn spawn(llm: Option<&str>, concurrency: usize) -> Gateway {
        let data = tempfile::tempdir().expect("temporary data dir");
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gateway"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", data.path())
            .env("WIKIMIND_DATA_DIR", data.path())
            .env("WIKIMIND_SERVER__PORT", port.to_string())
            .env("WIKIMIND_INGEST__ALLOW_PRIVATE_URLS", "true")
            .env("WIKIMIND_JOBS__CONCURRENCY", concurrency.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(base) = llm {
            cmd.env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
                .env("WIKIMIND_LLM__OPENAI__BASE_URL", base)
                .env("OPENAI_API_KEY", "bench-key");
        }
        let child = cmd.spawn().expect("spawn the release gateway binary");
        Gateway {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _data: data,
        }
    }

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
async fn wait_ready(client: &reqwest::Client, gateway: &Gateway, started: Instant) -> Duration {
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

async fn ingest_url(client: &reqwest::Client, gateway: &Gateway, url: &str) -> String {
    let r = client
        .post(gateway.url("/api/sources/url"))
        .json(&json!({ "url": url }))
        .send()
        .await
        .expect("POST /api/sources/url");
    source_id(r).await
}

async fn ingest_file(client: &reqwest::Client, gateway: &Gateway, path: &Path) -> String {
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

async fn ingest_text(client: &reqwest::Client, gateway: &Gateway, content: &str) -> String {
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
    gateway: &Gateway,
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
        let started = Instant::now();
        let gateway = Gateway::spawn(None, 4);
        times.push(wait_ready(client, &gateway, started).await);
        // Let start-up work (migrations, queue polling set-up) settle before measuring idle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        (rss, hwm) = gateway.memory_mib();
    }
    times.sort();
    (times, rss, hwm)
}

async fn offline_corpus(client: &reqwest::Client, corpus: &CorpusServer) -> (Batch, Batch) {
    let gateway = Gateway::spawn(None, 4);
    wait_ready(client, &gateway, Instant::now()).await;

    let started = Instant::now();
    let mut submitted = Vec::new();
    for page in HTML_PAGES {
        let id = ingest_url(client, &gateway, &corpus.url(&format!("/corpus/{page}"))).await;
        submitted.push((id, Instant::now()));
    }
    let html = wait_compiled(client, &gateway, &submitted, started).await;

    let started = Instant::now();
    let mut submitted = Vec::new();
    for file in TEXT_FILES {
        let id = ingest_file(client, &gateway, &corpus_dir().join(file)).await;
        submitted.push((id, Instant::now()));
    }
    let text = wait_compiled(client, &gateway, &submitted, started).await;
    (html, text)
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
    let gateway = Gateway::spawn(Some(&format!("{}/v1", fake.url())), concurrency);
    wait_ready(client, &gateway, Instant::now()).await;
    fake.clear_requests();
    let started = Instant::now();
    let mut submitted = Vec::new();
    for note in notes(count) {
        let id = ingest_text(client, &gateway, &note).await;
        submitted.push((id, Instant::now()));
    }
    let batch = wait_compiled(client, &gateway, &submitted, started).await;
    (batch, fake.request_count())
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
}
