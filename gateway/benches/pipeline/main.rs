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

mod api;
mod load;
mod process;
mod production;
mod stats;

use api::*;
use load::*;
use process::*;
use production::*;
use stats::*;

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

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` from other tooling is ignored.
    let client = reqwest::Client::new();
    let corpus = CorpusServer::start().await.expect("corpus server");
    // `-- load`: only the load run (`make bench-load`).
    if std::env::args().any(|a| a == "load") {
        let mut runs = vec![sqlite_shape(&client, &corpus).await];
        if production_services_up().await {
            runs.push(production_shape(&client, &corpus).await);
        } else {
            println!("PostgreSQL or Redis unreachable: the production shape is SKIPPED\n");
        }
        println!("{}", load_report(&runs));
        return;
    }

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
