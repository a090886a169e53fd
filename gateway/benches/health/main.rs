//! Health at scale: the time of a Health run over wikis of 1,000 and 10,000 articles, on
//! SQLite and on PostgreSQL, and what a second run over the unchanged wiki costs.
//!
//! For each backend it starts the real gateway (with its worker) in this process on a fresh
//! database, seeds it with the search benchmark's synthetic articles (corpus sentences, four
//! to six claims and four concepts each), then starts runs through `POST /api/health/runs`
//! and waits for the worker to complete them; a run's time is from a worker taking it to its
//! findings stored. With a model (the default: the fake LLM server
//! on loopback, OpenAI protocol), it also counts the contradiction requests each run makes:
//! the second run over an unchanged wiki asks only about pairs the first left for later.
//! `--offline` measures the offline check instead. It prints a table for `BENCHMARKS.md` and
//! asserts nothing about time.
//!
//! Run with `make bench-health` (`cargo bench -p gateway --bench health`); options after
//! `--`: `--sizes 1000,10000`, `--backends sqlite,postgres`, `--offline`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use shared::config::Secret;
use shared::llm::ProviderKind;
use testkit::backend::{Backend, TestEnv};
use testkit::corpus_server::corpus_dir;
use testkit::fake_llm::FakeLlm;

#[path = "../common/backends.rs"]
mod backends;
#[allow(dead_code)]
#[path = "../common/inproc.rs"]
mod inproc;
#[allow(dead_code)]
#[path = "../search/seed.rs"]
mod seed;

use inproc::{Gateway, json_body};
use seed::SentencePool;

/// Longest wait for one run.
const RUN_LIMIT: Duration = Duration::from_secs(1_800);

struct Options {
    sizes: Vec<usize>,
    backends: Vec<Backend>,
    offline: bool,
}

fn parse_args() -> anyhow::Result<Options> {
    let mut options = Options {
        sizes: vec![1_000, 10_000],
        backends: vec![Backend::Sqlite, Backend::Postgres],
        offline: false,
    };
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                options.sizes = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context("--sizes 1000,10000")?;
                options.sizes.sort_unstable();
            }
            "--backends" => {
                options.backends = backends::parse_backends(&value()?)?;
            }
            "--offline" => options.offline = true,
            other => bail!("unknown argument {other:?}"),
        }
    }
    Ok(options)
}

/// One completed run.
struct Run {
    time: Duration,
    score: i64,
    findings: usize,
    contradictions: usize,
    model_requests: usize,
    /// Pairs with a verdict kept after the run: each run adds pairs never judged before.
    pairs_judged: i64,
}

/// Pairs of pages with a kept verdict.
async fn pairs_judged(db: &shared::db::Db) -> anyhow::Result<i64> {
    let sql = "select count(*) from contradiction_verdicts";
    let (n,): (i64,) = match db {
        shared::db::Db::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await?,
        shared::db::Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await?,
    };
    Ok(n)
}

/// Contradiction requests the fake model has answered so far.
fn lint_requests(fake: Option<&FakeLlm>) -> usize {
    fake.map_or(0, |f| {
        f.requests()
            .iter()
            .filter(|r| r.body.to_string().contains("Pairs to check"))
            .count()
    })
}

/// `finished_at - started_at` of a run as the API shows it.
fn run_duration(run: &serde_json::Value) -> anyhow::Result<Duration> {
    let at = |field: &str| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        let text = run[field]
            .as_str()
            .with_context(|| format!("the run's {field}"))?;
        Ok(chrono::DateTime::parse_from_rfc3339(text)?.with_timezone(&chrono::Utc))
    };
    Ok((at("finished_at")? - at("started_at")?)
        .to_std()
        .unwrap_or_default())
}

/// Starts a run through the API and waits for the worker to complete it.
async fn run_once(gateway: &Gateway, fake: Option<&FakeLlm>) -> anyhow::Result<Run> {
    let asked_before = lint_requests(fake);
    let started = Instant::now();
    let reply = gateway
        .client()
        .post(gateway.url("/api/health/runs"))
        .send()
        .await
        .context("POST /api/health/runs")?;
    let run = json_body(reply, "POST /api/health/runs").await?;
    let id = run["id"].as_str().context("the run's id")?.to_owned();
    let time = loop {
        let history = gateway
            .get_json("/api/health/history", &[("limit", "5")])
            .await?;
        let this = history["items"]
            .as_array()
            .and_then(|runs| runs.iter().find(|r| r["id"] == id.as_str()).cloned());
        match this
            .as_ref()
            .map(|r| r["status"].as_str().unwrap_or_default())
        {
            // The run's own time, from the worker taking it to its findings stored (a worker
            // looks for waiting runs every second; that wait is not the run's).
            Some("complete") => break run_duration(this.as_ref().context("the run")?)?,
            Some("failed") => bail!("the run failed: {history}"),
            _ if started.elapsed() > RUN_LIMIT => bail!("the run did not finish: {history}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let report = gateway.get_json("/api/health", &[]).await?;
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    Ok(Run {
        time,
        score: report["score"].as_i64().unwrap_or_default(),
        findings,
        contradictions: report["counts_by_kind"]["contradiction"]
            .as_u64()
            .unwrap_or(0) as usize,
        model_requests: lint_requests(fake) - asked_before,
        pairs_judged: pairs_judged(gateway.db()).await?,
    })
}

struct Row {
    backend: &'static str,
    articles: usize,
    first: Run,
    second: Run,
}

async fn bench_backend(
    backend: Backend,
    pool: &SentencePool,
    options: &Options,
) -> anyhow::Result<Vec<Row>> {
    let env = TestEnv::with_backend(backend).await;
    let mut settings = env.settings();
    settings.redis = None;
    settings.health.schedule = None;
    let fake = if options.offline {
        None
    } else {
        let fake = FakeLlm::start().await;
        settings.llm.default_provider = Some(ProviderKind::Openai);
        settings.llm.openai.base_url = Some(format!("{}/v1", fake.url()));
        settings.llm.openai.api_key = Some(Secret::new("bench"));
        settings.llm.openai.enabled = Some(true);
        Some(fake)
    };
    let gateway = Gateway::start(settings, true).await?;
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let mut rows = Vec::new();
    let mut seeded = 0;
    for &size in &options.sizes {
        let parallel = if backend == Backend::Postgres { 4 } else { 1 };
        seed::seed(gateway.db(), pool, seeded, size, parallel).await?;
        seeded = size;
        let first = run_once(&gateway, fake.as_ref()).await?;
        let second = run_once(&gateway, fake.as_ref()).await?;
        eprintln!(
            "{name}: {size} articles, run {:.1} s then {:.1} s",
            first.time.as_secs_f64(),
            second.time.as_secs_f64()
        );
        rows.push(Row {
            backend: name,
            articles: size,
            first,
            second,
        });
    }
    gateway.stop().await;
    Ok(rows)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = parse_args()?;
    let pool = SentencePool::from_corpus(&corpus_dir())?;
    let mut rows = Vec::new();
    for &backend in &options.backends {
        if backend == Backend::Postgres && !backends::postgres_reachable().await {
            eprintln!("PostgreSQL is unreachable: skipped");
            continue;
        }
        rows.extend(bench_backend(backend, &pool, &options).await?);
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nHealth runs ({}; {cores} cores):\n",
        if options.offline {
            "offline: the figures rule"
        } else {
            "with a model: the fake LLM server on loopback"
        }
    );
    println!(
        "| backend | articles | first run | findings (contradictions) | model requests | pairs judged | second run, nothing changed | model requests | pairs judged | score |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.2} s | {} ({}) | {} | {} | {:.2} s | {} | {} | {} |",
            r.backend,
            r.articles,
            r.first.time.as_secs_f64(),
            r.first.findings,
            r.first.contradictions,
            r.first.model_requests,
            r.first.pairs_judged,
            r.second.time.as_secs_f64(),
            r.second.model_requests,
            r.second.pairs_judged,
            r.second.score,
        );
    }
    Ok(())
}
