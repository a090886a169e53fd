//! `smoke-prod` (`make smoke-prod`): the production shape of WikiMind, as real processes, and
//! the faults it has to survive.
//!
//! It runs the release binaries (from the directory given as the first argument, else
//! `WIKIMIND_BIN_DIR`, else `target/release`) against the machine's PostgreSQL
//! (`WIKIMIND_TEST_DATABASE_URL`) and Redis (`WIKIMIND_TEST_REDIS_URL`), on a fresh database,
//! a unique Redis prefix and a temporary data directory, with a fake OpenAI-protocol LLM and a
//! corpus web server in this process. What it proves, one PASS/FAIL line per step:
//!
//! 1. a fresh database and Redis namespace can be prepared;
//! 2. the real `docker-entrypoint.sh` migrates a PostgreSQL `DATABASE_URL` (`gateway migrate`)
//!    and then execs its command;
//! 3. one `gateway serve --without-worker` and two `worker` processes start on the same
//!    database, queue and data directory, and the gateway reports ready (it sees the workers'
//!    heartbeats);
//! 4. web pages and a note ingested over HTTP are compiled by the workers into articles with
//!    claims, and the workers' progress crosses Redis pub/sub to a WebSocket client of the
//!    gateway;
//! 5. `kill -9` of the worker running a compile loses nothing: the job's lease runs out,
//!    another worker finishes it, and the source has exactly one article (one wiki file);
//!    three notes ingested right behind it (which the killed worker may hold too) compile
//!    once each as well;
//! 6. with Redis down, ingest still answers 202 (the jobs wait in the database outbox) and
//!    they compile once Redis is back, with its data gone (only when Redis is the default local
//!    server, since the step shuts it down and starts it again the way CI does);
//! 7. a PostgreSQL restart is survived by the running gateway and workers: readiness comes back
//!    and a new note compiles;
//! 8. everything is cleaned up: no child process left, the database dropped, the Redis keys of
//!    the prefix deleted.
//!
//! Every process's output goes to a file in the run directory printed at the start; the tail of
//! each is printed when a step fails. The exit status is non-zero when any step failed.
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use futures::StreamExt as _;
use serde_json::{Value, json};
use sqlx::Connection as _;
use testkit::corpus_server::CorpusServer;
use testkit::fake_llm::FakeLlm;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

mod events;
mod harness;
mod procs;
mod services;
mod util;

use events::Events;
use harness::Harness;
use procs::{Procs, free_port};
use services::*;
use util::*;

/// The Redis server step 6 may shut down and start again.
const LOCAL_REDIS: &str = "redis://127.0.0.1:6379";
/// How CI starts Redis (and so how step 6 starts it again).
const REDIS_SERVER_ARGS: &[&str] = &[
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
];
/// LLM latency of normal compiles: slow enough that progress is observable.
const NORMAL_LATENCY: Duration = Duration::from_millis(1500);
/// LLM latency while a worker is to be killed mid-compile.
const SLOW_LATENCY: Duration = Duration::from_secs(8);
/// Lines of each log printed when a step fails.
const LOG_TAIL: usize = 30;

#[tokio::main]
async fn main() -> ExitCode {
    let started = Instant::now();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("smoke-prod: {e:#}");
            return ExitCode::from(2);
        }
    };
    println!("smoke-prod: binaries from {}", config.bin_dir.display());
    println!("smoke-prod: run directory {}", config.run_dir.display());
    let mut harness = Harness::new(config);
    let mut report = Report::default();
    tokio::select! {
        () = run_steps(&mut harness, &mut report) => {}
        () = interrupted() => {
            report.record("interrupted", Err(anyhow!("stopped by a signal")), Duration::ZERO);
        }
    }
    // Step 8 runs on every path; the guard's Drop repeats whatever it could not do.
    let t = Instant::now();
    let cleanup = harness.shutdown().await;
    report.record(
        "8 cleanup (no process left, database dropped, keys deleted)",
        cleanup,
        t.elapsed(),
    );
    if report.failed() {
        print_log_tails(&harness.config.run_dir);
    } else {
        let _ = std::fs::remove_dir_all(harness.config.run_dir.join("data"));
    }
    drop(harness);
    report.summary(started.elapsed());
    if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

async fn run_steps(h: &mut Harness, report: &mut Report) {
    let steps_1_to_3 = [
        "1 fresh database, Redis prefix and data directory",
        "2 docker-entrypoint.sh migrates PostgreSQL and execs its command",
        "3 gateway --without-worker + 2 workers start and report ready",
    ];
    for (i, name) in steps_1_to_3.iter().enumerate() {
        let t = Instant::now();
        let result = match i {
            0 => with_limit(60, h.prepare()).await,
            1 => with_limit(120, h.entrypoint()).await,
            _ => with_limit(120, h.start_stack()).await,
        };
        let ok = result.is_ok();
        report.record(name, result, t.elapsed());
        if !ok {
            print_log_tails(&h.config.run_dir);
            for rest in &steps_1_to_3[i + 1..] {
                report.skip(rest, "an earlier step failed");
            }
            report.skip("4-7", "the stack did not start");
            return;
        }
    }

    let later: [(&str, u64); 4] = [
        (
            "4 ingest 4 pages + 1 note over HTTP, compiled by the workers, progress over /api/ws",
            300,
        ),
        (
            "5 kill -9 of the worker mid-compile: the job completes once, one article",
            240,
        ),
        (
            "6 Redis down during ingest (202, outbox), restarted empty: the notes compile",
            240,
        ),
        (
            "7 PostgreSQL restarted: ready again without a restart, a new note compiles",
            180,
        ),
    ];
    for (i, (name, limit)) in later.into_iter().enumerate() {
        let t = Instant::now();
        if i > 0
            && let Err(e) = h.replace_dead_workers()
        {
            report.record(name, Err(e), t.elapsed());
            continue;
        }
        let result = match i {
            0 => with_limit(limit, h.pipeline()).await,
            1 => with_limit(limit, h.kill_worker_mid_compile()).await,
            2 => {
                if h.config.redis_url.trim_end_matches('/') != LOCAL_REDIS {
                    report.skip(
                        name,
                        &format!(
                            "Redis is {}, not the default local server",
                            h.config.redis_url
                        ),
                    );
                    continue;
                }
                let r = with_limit(limit, h.redis_outage()).await;
                // Whatever happened above, Redis is running again before anything else.
                if let Err(e) = ensure_redis_running(&h.config.redis_url, &h.redis_down) {
                    r.and(Err(e))
                } else {
                    r
                }
            }
            _ => match postgres_version() {
                None => {
                    report.skip(name, "no cluster under /etc/postgresql");
                    continue;
                }
                Some(_) => {
                    let r = with_limit(limit, h.postgres_restart()).await;
                    ensure_postgres_running(&h.pg_restarting);
                    r
                }
            },
        };
        let ok = result.is_ok();
        report.record(name, result, t.elapsed());
        if !ok {
            print_log_tails(&h.config.run_dir);
        }
    }
}

async fn with_limit<F>(secs: u64, step: F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    match tokio::time::timeout(Duration::from_secs(secs), step).await {
        Ok(r) => r,
        Err(_) => Err(anyhow!("the step did not finish within {secs} s")),
    }
}

// ---- configuration ------------------------------------------------------------------------

struct Config {
    bin_dir: PathBuf,
    repo_dir: PathBuf,
    admin_db_url: String,
    redis_url: String,
    run_dir: PathBuf,
}

impl Config {
    fn from_env() -> anyhow::Result<Config> {
        let bin_dir = std::env::args()
            .nth(1)
            .or_else(|| std::env::var("WIKIMIND_BIN_DIR").ok())
            .unwrap_or_else(|| "target/release".to_owned());
        let bin_dir = std::fs::canonicalize(&bin_dir).with_context(|| {
            format!("binary directory {bin_dir} (argument or WIKIMIND_BIN_DIR)")
        })?;
        for bin in ["gateway", "worker"] {
            ensure!(
                bin_dir.join(bin).is_file(),
                "{} is missing: build with `cargo build --release --bin gateway --bin worker`",
                bin_dir.join(bin).display()
            );
        }
        let repo_dir = std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .context("the repository directory")?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let run_dir = std::env::temp_dir().join(format!(
            "wikimind-smoke-prod-{stamp}-{}",
            &Uuid::new_v4().simple().to_string()[..6]
        ));
        std::fs::create_dir_all(run_dir.join("data")).context("creating the run directory")?;
        Ok(Config {
            bin_dir,
            repo_dir,
            admin_db_url: testkit::backend::admin_database_url(),
            redis_url: testkit::backend::redis_url(),
            run_dir,
        })
    }

    fn data_dir(&self) -> PathBuf {
        self.run_dir.join("data")
    }
}

// ---- the harness: services, processes and what to undo -------------------------------------
