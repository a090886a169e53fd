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

struct Harness {
    config: Config,
    http: reqwest::Client,
    db_name: String,
    db_url: String,
    prefix: String,
    procs: Procs,
    port: u16,
    llm: Option<FakeLlm>,
    corpus: Option<CorpusServer>,
    events: Option<Events>,
    /// Set while this run has Redis shut down; Drop starts it again.
    redis_down: Arc<AtomicBool>,
    /// Set while PostgreSQL is being restarted; Drop makes sure it runs.
    pg_restarting: Arc<AtomicBool>,
    /// The database exists and has not been dropped yet.
    db_created: bool,
    next_worker: usize,
    notes: usize,
}

impl Harness {
    fn new(config: Config) -> Harness {
        let id = Uuid::new_v4().simple().to_string();
        Harness {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            db_name: format!("wmsmoke_{id}"),
            db_url: String::new(),
            prefix: format!("wmsmoke-{id}"),
            procs: Procs::default(),
            port: 0,
            llm: None,
            corpus: None,
            events: None,
            redis_down: Arc::default(),
            pg_restarting: Arc::default(),
            db_created: false,
            next_worker: 1,
            notes: 0,
            config,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn llm(&self) -> &FakeLlm {
        self.llm.as_ref().expect("the fake LLM runs from step 3 on")
    }

    // -- step 1 --

    async fn prepare(&mut self) -> anyhow::Result<()> {
        let admin = &self.config.admin_db_url;
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .with_context(|| format!("PostgreSQL at {admin} (WIKIMIND_TEST_DATABASE_URL)"))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "create database {}",
            self.db_name
        )))
        .execute(&mut conn)
        .await
        .context("create database")?;
        self.db_created = true;
        let _ = conn.close().await;
        let mut url = url::Url::parse(admin).context("WIKIMIND_TEST_DATABASE_URL")?;
        url.set_path(&format!("/{}", self.db_name));
        self.db_url = url.to_string();
        let pong = redis_cmd(&self.config.redis_url, redis::cmd("PING"))
            .await
            .with_context(|| {
                format!(
                    "Redis at {} (WIKIMIND_TEST_REDIS_URL)",
                    self.config.redis_url
                )
            })?;
        ensure!(pong == "PONG", "Redis answered {pong:?} to PING");
        println!(
            "  database {}, Redis prefix {}, data {}",
            self.db_name,
            self.prefix,
            self.config.data_dir().display()
        );
        Ok(())
    }

    // -- step 2 --

    async fn entrypoint(&mut self) -> anyhow::Result<()> {
        let script = self.config.repo_dir.join("docker-entrypoint.sh");
        let log_path = self.config.run_dir.join("entrypoint.log");
        let log = File::create(&log_path)?;
        let path = format!(
            "{}:{}",
            self.config.bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = tokio::process::Command::new(&script)
            .arg("true")
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.config.data_dir())
            .env("DATABASE_URL", &self.db_url)
            .env("WIKIMIND_DATA_DIR", self.config.data_dir())
            .env("WIKIMIND_LOG_FORMAT", "json")
            .env("WIKIMIND_MIGRATE_ATTEMPTS", "5")
            .env("WIKIMIND_MIGRATE_DELAY", "1")
            .current_dir(&self.config.run_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .status()
            .await
            .with_context(|| format!("running {}", script.display()))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        ensure!(
            status.success(),
            "`docker-entrypoint.sh true` exited with {status}:\n{output}"
        );
        ensure!(
            output.contains("migrations applied (postgres)"),
            "the entrypoint did not run `gateway migrate` on PostgreSQL; its output:\n{output}"
        );

        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "select table_name::text from information_schema.tables where table_schema = 'public'",
        )
        .fetch_all(&mut conn)
        .await?;
        let tables: BTreeSet<String> = tables.into_iter().collect();
        for t in [
            "sources",
            "articles",
            "job_runs",
            "worker_heartbeats",
            shared::db::MIGRATIONS_TABLE,
        ] {
            ensure!(
                tables.contains(t),
                "table {t} missing after migrate: {tables:?}"
            );
        }
        let applied: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select count(*) from {} where success",
            shared::db::MIGRATIONS_TABLE
        )))
        .fetch_one(&mut conn)
        .await?;
        let files = std::fs::read_dir(self.config.repo_dir.join("migrations/postgres"))?
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
            .count();
        ensure!(
            usize::try_from(applied).unwrap_or(0) == files,
            "{applied} migrations applied, {files} in migrations/postgres"
        );
        let _ = conn.close().await;
        println!("  {applied} migrations applied, {} tables", tables.len());
        Ok(())
    }

    // -- step 3 --

    fn common_env(&self) -> Vec<(String, String)> {
        let llm = self.llm();
        let data = self.config.data_dir().display().to_string();
        [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", data.clone()),
            ("WIKIMIND_DATA_DIR", data),
            ("WIKIMIND_SERVER__HOST", "127.0.0.1".to_owned()),
            ("WIKIMIND_SERVER__PORT", self.port.to_string()),
            ("WIKIMIND_DATABASE_URL", self.db_url.clone()),
            ("WIKIMIND_DATABASE__MAX_CONNECTIONS", "5".to_owned()),
            ("WIKIMIND_REDIS_URL", self.config.redis_url.clone()),
            ("WIKIMIND_REDIS__PREFIX", self.prefix.clone()),
            ("WIKIMIND_INGEST__ALLOW_PRIVATE_URLS", "true".to_owned()),
            ("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai".to_owned()),
            (
                "WIKIMIND_LLM__OPENAI__BASE_URL",
                format!("{}/v1", llm.url()),
            ),
            ("OPENAI_API_KEY", "x".to_owned()),
            ("WIKIMIND_LOG_FORMAT", "json".to_owned()),
            ("WIKIMIND_JOBS__CONCURRENCY", "2".to_owned()),
            ("RUST_LOG", "info".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn spawn(&self, label: &str, bin: &str, args: &[&str]) -> anyhow::Result<u32> {
        let env = self.common_env();
        let program = self.config.bin_dir.join(bin);
        let log = self.config.run_dir.join(format!("{label}.log"));
        self.procs
            .spawn(label, &program, args, &env, &self.config.run_dir, &log)
    }

    fn spawn_worker(&mut self) -> anyhow::Result<(String, u32)> {
        let label = format!("worker-{}", self.next_worker);
        self.next_worker += 1;
        let pid = self.spawn(&label, "worker", &[])?;
        println!("  started {label} (pid {pid})");
        Ok((label, pid))
    }

    async fn start_stack(&mut self) -> anyhow::Result<()> {
        let llm = FakeLlm::try_start()
            .await
            .context("starting the fake LLM")?;
        llm.set_latency(NORMAL_LATENCY);
        self.llm = Some(llm);
        self.corpus = Some(
            CorpusServer::start()
                .await
                .context("starting the corpus server")?,
        );
        self.port = free_port()?;
        let pid = self.spawn("gateway", "gateway", &["serve", "--without-worker"])?;
        println!("  started gateway (pid {pid}) on {}", self.base());
        let w1 = self.spawn_worker()?;
        let w2 = self.spawn_worker()?;

        let this = &*self;
        let health = format!("{}/health", this.base());
        let health = &health;
        wait_for(
            Duration::from_secs(30),
            "the gateway to answer /health",
            || async move {
                this.procs.check_alive()?;
                Ok(get_status(&this.http, health).await == Some(200))
            },
        )
        .await?;
        for (label, pid) in [&w1, &w2] {
            self.wait_heartbeat(label, *pid, Duration::from_secs(30))
                .await?;
        }
        let ready = self.wait_ready(Duration::from_secs(30)).await?;
        println!("  /health/ready: {}", ready["checks"]);
        // The gateway runs no worker: the only heartbeats are the two worker processes'.
        let names = self.heartbeat_names().await?;
        ensure!(
            names.len() == 2,
            "expected the heartbeats of 2 worker processes, found {names:?}"
        );
        Ok(())
    }

    async fn wait_heartbeat(&self, label: &str, pid: u32, limit: Duration) -> anyhow::Result<()> {
        wait_for(
            limit,
            &format!("a heartbeat of {label} (pid {pid})"),
            || async move {
                self.procs.check_alive()?;
                let names = self.heartbeat_names().await.unwrap_or_default();
                Ok(names.iter().any(|n| n.contains(&format!("-{pid}-"))))
            },
        )
        .await
    }

    async fn heartbeat_names(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let names = sqlx::query_scalar("select name from worker_heartbeats order by name")
            .fetch_all(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(names)
    }

    async fn wait_ready(&self, limit: Duration) -> anyhow::Result<Value> {
        let url = format!("{}/health/ready", self.base());
        let mut last = Value::Null;
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(r) = self.http.get(&url).send().await {
                let ok = r.status() == 200;
                last = r.json().await.unwrap_or(Value::Null);
                if ok {
                    return Ok(last);
                }
            }
            if Instant::now() > deadline {
                bail!("/health/ready not 200 within {limit:?}; last answer: {last}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Starts a worker for each worker process that exited on its own (the killed one of step
    /// 5 included), so that two are running.
    fn replace_dead_workers(&mut self) -> anyhow::Result<()> {
        for (label, status) in self.procs.reap() {
            println!("  note: {label} had exited ({status})");
        }
        if let Some(status) = self.procs.exit_status("gateway") {
            bail!("the gateway process is gone ({status}); the remaining steps need it");
        }
        while self.procs.running_workers() < 2 {
            self.spawn_worker()?;
        }
        Ok(())
    }

    // -- step 4 --

    async fn pipeline(&mut self) -> anyhow::Result<()> {
        let ws_url = format!("ws://127.0.0.1:{}/api/ws", self.port);
        let events = Events::connect(&ws_url).await?;
        self.events = Some(events);
        let corpus = self.corpus.as_ref().expect("corpus server");
        let pages = [
            "/corpus/html/python/json.html",
            "/corpus/html/python/heapq.html",
            "/corpus/html/python/bisect.html",
            "/corpus/html/debian-handbook/sect.apt-get.html",
        ];
        let mut ids = Vec::new();
        for page in pages {
            let url = corpus.url(page);
            let id = self
                .ingest("/api/sources/url", json!({ "url": url }))
                .await?;
            ids.push((page.to_owned(), id));
        }
        let note = self.note_text("the pipeline");
        ids.push(("a note".to_owned(), self.ingest_note(&note).await?));

        for (what, id) in &ids {
            let s = self
                .wait_compiled(id, Duration::from_secs(180))
                .await
                .with_context(|| format!("{what} ({id})"))?;
            let article_ids = article_ids(&s);
            ensure!(
                !article_ids.is_empty(),
                "{what}: compiled without an article: {s}"
            );
            for aid in &article_ids {
                let a = self.get_json(&format!("/api/articles/{aid}")).await?;
                let title = a["title"].as_str().unwrap_or_default();
                let claims = a["claims"].as_array().map_or(0, Vec::len);
                ensure!(
                    !title.is_empty(),
                    "article {aid} of {what} has no title: {a}"
                );
                ensure!(claims > 0, "article {aid} of {what} has no claims: {a}");
                ensure!(
                    a["provider"] == "openai",
                    "article {aid} of {what} was not compiled through the fake LLM: provider {}",
                    a["provider"]
                );
                println!("  {what}: \"{title}\", {claims} claims");
            }
        }
        ensure!(
            self.llm().request_count() >= ids.len(),
            "the fake LLM saw {} requests for {} sources",
            self.llm().request_count(),
            ids.len()
        );

        // Progress published by the worker processes reached this WebSocket client.
        let events = self.events.as_ref().expect("events");
        // Events published just before the last poll may still be on their way.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut missing = Vec::new();
        for (what, id) in &ids {
            let stages = events.progress_stages(id);
            if !stages.contains("compiling") {
                missing.push(format!("{what} ({id}): stages seen {stages:?}"));
            }
        }
        let counts = events.counts();
        println!("  WebSocket frames by type: {counts:?}");
        ensure!(
            missing.is_empty(),
            "no source.progress `compiling` event over /api/ws for: {}",
            missing.join("; ")
        );
        ensure!(
            counts.get("job.updated").copied().unwrap_or(0) > 0
                && counts.get("source.updated").copied().unwrap_or(0) > 0,
            "job.updated / source.updated events missing: {counts:?}"
        );

        // Which worker ran which job (informational: the queue decides).
        let by_worker = self.jobs_by_worker().await?;
        let pids: Vec<String> = by_worker
            .iter()
            .map(|(w, n)| {
                let label = self
                    .procs
                    .of_worker_name(w)
                    .map_or_else(|| w.clone(), |(l, _)| l);
                format!("{label}: {n}")
            })
            .collect();
        println!(
            "  jobs per worker: {} ({})",
            pids.join(", "),
            if by_worker.len() >= 2 {
                "both workers ran jobs"
            } else {
                "note: one worker took every job"
            }
        );
        self.procs.check_alive()
    }

    async fn jobs_by_worker(&self) -> anyhow::Result<BTreeMap<String, i64>> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let rows: Vec<(Option<String>, i64)> =
            sqlx::query_as("select worker, count(*) from job_runs group by worker")
                .fetch_all(&mut conn)
                .await?;
        let _ = conn.close().await;
        Ok(rows
            .into_iter()
            .map(|(w, n)| (w.unwrap_or_else(|| "(none)".to_owned()), n))
            .collect())
    }

    // -- step 5 --

    async fn kill_worker_mid_compile(&mut self) -> anyhow::Result<()> {
        let articles_before = self.article_total().await?;
        self.llm().set_latency(SLOW_LATENCY);
        let seen_before = self.llm().request_count();
        let marker = format!("kill-marker-{}", Uuid::new_v4().simple());
        let note = format!(
            "{} The tracking code {marker} identifies this note.",
            self.note_text("a killed worker")
        );
        let source_id = self.ingest_note(&note).await?;
        let job_id = self.job_of(&source_id).await?;
        // More notes right behind it: a worker may take them from the queue together, so the
        // killed one may also hold jobs it had not started.
        let mut sources = vec![source_id.clone()];
        for n in 0..3 {
            let note = self.note_text(&format!("a queue behind a killed worker ({n})"));
            sources.push(self.ingest_note(&note).await?);
        }

        // Wait until a worker has claimed the job and its compile request is at the LLM.
        let deadline = Instant::now() + Duration::from_secs(60);
        let holder = loop {
            let reached = self.llm().requests()[seen_before..]
                .iter()
                .any(|r| r.body.to_string().contains(&marker));
            let (status, worker) = self.job_row(&job_id).await?;
            if reached && status == "running" {
                break worker.unwrap_or_default();
            }
            ensure!(
                Instant::now() < deadline,
                "job {job_id} did not reach the LLM within 60 s (status {status})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (label, pid) = self
            .procs
            .of_worker_name(&holder)
            .ok_or_else(|| anyhow!("job {job_id} is held by {holder:?}, not one of our workers"))?;
        let states = self.job_rows(&sources).await?;
        let killed_at = Instant::now();
        self.procs.kill(&label)?;
        println!("  job {job_id} was running on {label} (pid {pid}): killed with SIGKILL");
        println!("  the 4 jobs at the kill: {states}");
        self.llm().set_latency(Duration::from_millis(300));

        for id in &sources {
            self.wait_compiled(id, Duration::from_secs(150))
                .await
                .with_context(|| format!("after the kill; jobs: {states}"))?;
        }
        println!(
            "  all 4 compiled {:.1} s after the kill",
            killed_at.elapsed().as_secs_f64()
        );
        let job = self.get_json(&format!("/api/jobs/{job_id}")).await?;
        ensure!(job["status"] == "succeeded", "job after the kill: {job}");
        let (_, finished_by) = self.job_row(&job_id).await?;
        println!(
            "  job {job_id}: {} after {} attempts, finished by {}",
            job["status"],
            job["attempts"],
            finished_by
                .as_deref()
                .and_then(|w| self.procs.of_worker_name(w))
                .map_or_else(|| format!("{finished_by:?}"), |(l, _)| l)
        );
        for id in &sources {
            let jobs = self.jobs_of(id).await?;
            ensure!(jobs == 1, "source {id} has {jobs} jobs");
            let s = self.get_json(&format!("/api/sources/{id}")).await?;
            let ids = article_ids(&s);
            ensure!(
                ids.len() == 1,
                "expected exactly one article, source {id} has {ids:?}"
            );
            let files = wiki_files_citing(&self.config.data_dir(), id)?;
            ensure!(
                files.len() == 1,
                "expected exactly one wiki file citing source {id}, found {files:?}"
            );
        }
        for row in self.job_statuses(&sources).await? {
            ensure!(row == "succeeded", "a job of the 4 notes is {row}");
        }
        let articles_after = self.article_total().await?;
        ensure!(
            articles_after == articles_before + 4,
            "the article count went from {articles_before} to {articles_after}, expected +4"
        );
        println!("  each of the 4 notes: one job succeeded, one article, one wiki file");
        self.llm().set_latency(NORMAL_LATENCY);

        // Two workers again.
        let (label, pid) = self.spawn_worker()?;
        self.wait_heartbeat(&label, pid, Duration::from_secs(30))
            .await?;
        self.procs.check_alive()
    }

    // -- step 6 --

    async fn redis_outage(&mut self) -> anyhow::Result<()> {
        let url = self.config.redis_url.clone();
        // The flag is set first, so an interruption anywhere below restarts Redis.
        self.redis_down.store(true, Ordering::SeqCst);
        let out = Command::new("redis-cli")
            .args(["-u", &url, "shutdown", "nosave"])
            .output()
            .context("running redis-cli")?;
        let url_ref = &url;
        wait_for(Duration::from_secs(15), "Redis to stop", || async move {
            Ok(redis_cmd(url_ref, redis::cmd("PING")).await.is_err())
        })
        .await
        .with_context(|| {
            format!(
                "`redis-cli shutdown nosave`: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
        println!("  Redis stopped");

        let mut ids = Vec::new();
        for n in 0..2 {
            let t = Instant::now();
            let note = self.note_text(&format!("a Redis outage ({n})"));
            let id = self.ingest_note(&note).await?;
            let ms = t.elapsed().as_millis();
            println!("  note {id} accepted in {ms} ms with Redis down");
            if ms > 5000 {
                println!(
                    "  WARN: the ingest request took {ms} ms with Redis down (see gateway.log)"
                );
            }
            ids.push(id);
        }
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let queued: i64 = sqlx::query_scalar(
            "select count(*) from job_runs where source_id::text = any($1) and status = 'queued'",
        )
        .bind(&ids)
        .fetch_one(&mut conn)
        .await?;
        let _ = conn.close().await;
        ensure!(
            queued == 2,
            "{queued} of the 2 jobs are queued in the outbox"
        );
        let ready = get_status(&self.http, &format!("{}/health/ready", self.base())).await;
        println!("  /health/ready with Redis down: {ready:?}");
        // Long enough for every process to notice the outage.
        tokio::time::sleep(Duration::from_secs(5)).await;

        start_redis(&url)?;
        self.redis_down.store(false, Ordering::SeqCst);
        let restarted_at = Instant::now();
        println!("  Redis started again (empty)");

        let mut failures = Vec::new();
        for id in &ids {
            match self.wait_compiled(id, Duration::from_secs(90)).await {
                Ok(_) => println!(
                    "  note {id} compiled {:.1} s after Redis came back",
                    restarted_at.elapsed().as_secs_f64()
                ),
                Err(e) => failures.push(format!("{e:#}")),
            }
        }
        if !failures.is_empty() {
            let jobs = self.job_rows(&ids).await.unwrap_or_default();
            bail!(
                "{}\n  their jobs: {jobs}\n  processes: {}",
                failures.join("\n"),
                self.procs.describe()
            );
        }
        self.wait_ready(Duration::from_secs(30)).await?;
        if let Some(events) = &self.events {
            let seen: Vec<_> = ids
                .iter()
                .map(|id| events.progress_stages(id).contains("compiling"))
                .collect();
            println!("  note: source.progress over /api/ws after the Redis restart: {seen:?}");
        }
        self.procs
            .check_alive()
            .context("a process exited during the Redis outage")
    }

    // -- step 7 --

    async fn postgres_restart(&mut self) -> anyhow::Result<()> {
        let version = postgres_version().ok_or_else(|| anyhow!("no PostgreSQL cluster"))?;
        self.pg_restarting.store(true, Ordering::SeqCst);
        let out = tokio::process::Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "restart"])
            .output()
            .await
            .context("running pg_ctlcluster")?;
        ensure!(
            out.status.success(),
            "pg_ctlcluster restart failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.pg_restarting.store(false, Ordering::SeqCst);
        let t = Instant::now();
        println!("  PostgreSQL {version}/main restarted");
        self.wait_ready(Duration::from_secs(30)).await?;
        println!(
            "  /health/ready 200 again after {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let note = self.note_text("a database restart");
        let id = self.ingest_note(&note).await?;
        self.wait_compiled(&id, Duration::from_secs(60)).await?;
        println!(
            "  a new note compiled {:.1} s after the restart",
            t.elapsed().as_secs_f64()
        );
        self.procs
            .check_alive()
            .context("a process exited after the PostgreSQL restart")
    }

    // -- step 8 --

    async fn shutdown(&mut self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if let Some(events) = self.events.take() {
            events.task.abort();
        }
        if let Err(e) = ensure_redis_running(&self.config.redis_url, &self.redis_down) {
            problems.push(format!("{e:#}"));
        }
        ensure_postgres_running(&self.pg_restarting);
        let left = self.procs.kill_all();
        if !left.is_empty() {
            problems.push(format!("processes that would not stop: {left:?}"));
        }
        self.llm = None;
        self.corpus = None;
        if self.db_created {
            match drop_database(&self.config.admin_db_url, &self.db_name).await {
                Ok(()) => self.db_created = false,
                Err(e) => problems.push(format!("dropping {}: {e:#}", self.db_name)),
            }
        }
        match delete_keys(&self.config.redis_url, &self.prefix).await {
            Ok(0) => {}
            Ok(n) => problems.push(format!("{n} keys of {} left in Redis", self.prefix)),
            Err(e) => problems.push(format!("deleting the Redis keys: {e:#}")),
        }
        ensure!(problems.is_empty(), "{}", problems.join("; "));
        Ok(())
    }

    // -- HTTP helpers --

    fn note_text(&mut self, topic: &str) -> String {
        self.notes += 1;
        format!(
            "Smoke note {} about {topic}. Lighthouses guide ships along dangerous coasts with a \
             rotating beam of light. Each lighthouse has its own pattern of flashes, so sailors \
             can tell which one they see at night. Many lighthouses are now automated, and their \
             keepers have left. The oldest known lighthouse stood at Alexandria in Egypt.",
            self.notes
        )
    }

    async fn ingest_note(&self, content: &str) -> anyhow::Result<String> {
        self.ingest("/api/sources/text", json!({ "content": content }))
            .await
    }

    async fn ingest(&self, path: &str, body: Value) -> anyhow::Result<String> {
        let r = self
            .http
            .post(format!("{}{path}", self.base()))
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        ensure!(
            status == 202,
            "POST {path} {body} answered {status}: {answer}"
        );
        answer["source"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST {path}: no source id in {answer}"))
    }

    async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
        let r = self
            .http
            .get(format!("{}{path}", self.base()))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let body: Value = r
            .json()
            .await
            .with_context(|| format!("GET {path}: body"))?;
        ensure!(status == 200, "GET {path} answered {status}: {body}");
        Ok(body)
    }

    async fn wait_compiled(&self, id: &str, limit: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let last = match self.get_json(&format!("/api/sources/{id}")).await {
                Ok(s) => {
                    if s["status"] == "compiled" {
                        return Ok(s);
                    }
                    if s["status"] == "failed" {
                        bail!("source {id} failed: {}", s["error"]);
                    }
                    s
                }
                Err(e) => json!(format!("{e:#}")),
            };
            if Instant::now() > deadline {
                bail!(
                    "source {id} not compiled within {limit:?}; last: status {} ({})",
                    last["status"],
                    last
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn article_total(&self) -> anyhow::Result<i64> {
        let list = self.get_json("/api/articles?limit=1").await?;
        list["total"]
            .as_i64()
            .ok_or_else(|| anyhow!("no total in {list}"))
    }

    // -- database helpers --

    async fn job_of(&self, source_id: &str) -> anyhow::Result<String> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let id: Uuid = sqlx::query_scalar(
            "select id from job_runs where source_id::text = $1 order by created_at limit 1",
        )
        .bind(source_id)
        .fetch_one(&mut conn)
        .await
        .with_context(|| format!("the job of source {source_id}"))?;
        let _ = conn.close().await;
        Ok(id.to_string())
    }

    async fn jobs_of(&self, source_id: &str) -> anyhow::Result<i64> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let n = sqlx::query_scalar("select count(*) from job_runs where source_id::text = $1")
            .bind(source_id)
            .fetch_one(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(n)
    }

    async fn job_row(&self, job_id: &str) -> anyhow::Result<(String, Option<String>)> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let row = sqlx::query_as("select status, worker from job_runs where id::text = $1")
            .bind(job_id)
            .fetch_one(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(row)
    }

    async fn job_statuses(&self, source_ids: &[String]) -> anyhow::Result<Vec<String>> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let rows =
            sqlx::query_scalar("select status from job_runs where source_id::text = any($1)")
                .bind(source_ids)
                .fetch_all(&mut conn)
                .await?;
        let _ = conn.close().await;
        Ok(rows)
    }

    async fn job_rows(&self, source_ids: &[String]) -> anyhow::Result<String> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let rows: Vec<JobRow> = sqlx::query_as(
            "select status, attempts, worker, dispatched_at::text, error from job_runs \
                 where source_id::text = any($1)",
        )
        .bind(source_ids)
        .fetch_all(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(format!(
            "(status, attempts, worker, dispatched_at, error) {rows:?}"
        ))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(events) = self.events.take() {
            events.task.abort();
        }
        let _ = ensure_redis_running(&self.config.redis_url, &self.redis_down);
        ensure_postgres_running(&self.pg_restarting);
        self.procs.kill_all();
        if !self.db_created {
            return;
        }
        // Drop may run on the runtime's thread (a panic unwinding): clean up on a thread with
        // a runtime of its own.
        let admin = self.config.admin_db_url.clone();
        let name = self.db_name.clone();
        let redis_url = self.config.redis_url.clone();
        let prefix = self.prefix.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let _ = drop_database(&admin, &name).await;
                let _ = delete_keys(&redis_url, &prefix).await;
            });
        });
        let _ = cleanup.join();
    }
}

/// `(status, attempts, worker, dispatched_at, error)` of a job row.
type JobRow = (String, i32, Option<String>, Option<String>, Option<String>);

// ---- child processes -----------------------------------------------------------------------

struct Proc {
    label: String,
    child: Child,
    /// Killed on purpose by this run.
    killed: bool,
    /// Exited (the status is recorded).
    exited: Option<String>,
}

#[derive(Default)]
struct Procs {
    list: Mutex<Vec<Proc>>,
}

impl Procs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Proc>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn spawn(
        &self,
        label: &str,
        program: &Path,
        args: &[&str],
        env: &[(String, String)],
        cwd: &Path,
        log: &Path,
    ) -> anyhow::Result<u32> {
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let pid = child.id();
        self.lock().push(Proc {
            label: label.to_owned(),
            child,
            killed: false,
            exited: None,
        });
        Ok(pid)
    }

    /// The process whose PID is in a worker name `wikimind-worker-<host>-<pid>-<random>`.
    fn of_worker_name(&self, name: &str) -> Option<(String, u32)> {
        self.lock()
            .iter()
            .find(|p| name.contains(&format!("-{}-", p.child.id())))
            .map(|p| (p.label.clone(), p.child.id()))
    }

    /// SIGKILL, as `kill -9`.
    fn kill(&self, label: &str) -> anyhow::Result<()> {
        let mut list = self.lock();
        let p = list
            .iter_mut()
            .find(|p| p.label == label)
            .ok_or_else(|| anyhow!("no process {label}"))?;
        p.child.kill().with_context(|| format!("kill -9 {label}"))?;
        let status = p.child.wait()?;
        p.killed = true;
        p.exited = Some(status.to_string());
        Ok(())
    }

    /// Records processes that exited; returns those that exited since the last look.
    fn reap(&self) -> Vec<(String, String)> {
        let mut dead = Vec::new();
        for p in self.lock().iter_mut() {
            if p.exited.is_some() {
                continue;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                p.exited = Some(status.to_string());
                dead.push((p.label.clone(), status.to_string()));
            }
        }
        dead
    }

    /// Fails when a process exited without being killed by this run.
    fn check_alive(&self) -> anyhow::Result<()> {
        self.reap();
        let dead: Vec<String> = self
            .lock()
            .iter()
            .filter(|p| !p.killed)
            .filter_map(|p| {
                p.exited
                    .as_ref()
                    .map(|s| format!("{} exited on its own ({s})", p.label))
            })
            .collect();
        ensure!(dead.is_empty(), "{}", dead.join("; "));
        Ok(())
    }

    fn exit_status(&self, label: &str) -> Option<String> {
        self.reap();
        self.lock()
            .iter()
            .find(|p| p.label == label)
            .and_then(|p| p.exited.clone())
    }

    fn running_workers(&self) -> usize {
        self.reap();
        self.lock()
            .iter()
            .filter(|p| p.label.starts_with("worker") && p.exited.is_none())
            .count()
    }

    fn describe(&self) -> String {
        self.reap();
        self.lock()
            .iter()
            .map(|p| {
                format!(
                    "{} (pid {}): {}",
                    p.label,
                    p.child.id(),
                    p.exited.as_deref().unwrap_or("running")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Kills every process still running; returns those that could not be reaped.
    fn kill_all(&self) -> Vec<String> {
        let mut left = Vec::new();
        for p in self.lock().iter_mut() {
            if p.exited.is_some() {
                continue;
            }
            let _ = p.child.kill();
            match p.child.wait() {
                Ok(status) => p.exited = Some(status.to_string()),
                Err(e) => left.push(format!("{} (pid {}): {e}", p.label, p.child.id())),
            }
        }
        left
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

// ---- the WebSocket client ------------------------------------------------------------------

/// Every frame received on `/api/ws`, reconnecting if the connection drops.
struct Events {
    frames: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Events {
    async fn connect(url: &str) -> anyhow::Result<Events> {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        // The server greets first: once the hello is here, the subscription exists.
        let hello = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no hello frame on /api/ws")?;
        let first = match hello {
            Some(Ok(Message::Text(t))) => serde_json::from_str::<Value>(&t).unwrap_or_default(),
            other => bail!("unexpected first frame on /api/ws: {other:?}"),
        };
        ensure!(first["type"] == "hello", "first frame: {first}");
        let frames = Arc::new(Mutex::new(vec![first]));
        let sink = frames.clone();
        let url = url.to_owned();
        let task = tokio::spawn(async move {
            let mut socket = Some(socket);
            loop {
                if let Some(mut s) = socket.take() {
                    while let Some(Ok(msg)) = s.next().await {
                        if let Message::Text(t) = msg
                            && let Ok(v) = serde_json::from_str::<Value>(&t)
                        {
                            sink.lock().unwrap_or_else(|p| p.into_inner()).push(v);
                        }
                    }
                    sink.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(json!({"type": "(disconnected)"}));
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Ok((s, _)) = tokio_tungstenite::connect_async(&url).await {
                    socket = Some(s);
                }
            }
        });
        Ok(Events { frames, task })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.frames.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn progress_stages(&self, source_id: &str) -> BTreeSet<String> {
        self.lock()
            .iter()
            .filter(|f| f["type"] == "source.progress" && f["source_id"] == source_id)
            .filter_map(|f| f["stage"].as_str().map(str::to_owned))
            .collect()
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for f in self.lock().iter() {
            let kind = f["type"].as_str().unwrap_or("?").to_owned();
            *counts.entry(kind).or_insert(0) += 1;
        }
        counts
    }
}

// ---- services ------------------------------------------------------------------------------

async fn redis_cmd(url: &str, cmd: redis::Cmd) -> anyhow::Result<String> {
    let client = redis::Client::open(url)?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(3),
        client.get_multiplexed_async_connection(),
    )
    .await
    .context("connecting to Redis timed out")??;
    let answer: String = cmd.query_async(&mut conn).await?;
    Ok(answer)
}

fn redis_ping_sync(url: &str) -> bool {
    Command::new("redis-cli")
        .args(["-u", url, "ping"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG")
}

/// Starts Redis the way CI does and waits for it to answer.
fn start_redis(url: &str) -> anyhow::Result<()> {
    let status = Command::new("redis-server")
        .args(REDIS_SERVER_ARGS)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running redis-server")?;
    ensure!(status.success(), "redis-server exited with {status}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !redis_ping_sync(url) {
        ensure!(
            Instant::now() < deadline,
            "Redis did not answer after a restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Starts Redis again if this run stopped it.
fn ensure_redis_running(url: &str, down: &AtomicBool) -> anyhow::Result<()> {
    if !down.load(Ordering::SeqCst) {
        return Ok(());
    }
    if !redis_ping_sync(url) {
        eprintln!("smoke-prod: starting Redis again");
        start_redis(url)?;
    }
    down.store(false, Ordering::SeqCst);
    Ok(())
}

/// The PostgreSQL version directory under `/etc/postgresql`, as `$(ls /etc/postgresql)`.
fn postgres_version() -> Option<String> {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    versions.sort();
    versions.pop()
}

/// Starts the cluster if a restart by this run left it stopped.
fn ensure_postgres_running(restarting: &AtomicBool) {
    if !restarting.swap(false, Ordering::SeqCst) {
        return;
    }
    if let Some(version) = postgres_version() {
        eprintln!("smoke-prod: making sure PostgreSQL {version}/main runs");
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status();
    }
}

async fn drop_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {name} with (force)"
    )))
    .execute(&mut conn)
    .await?;
    let left: i64 = sqlx::query_scalar("select count(*) from pg_database where datname = $1")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    ensure!(left == 0, "the database is still there");
    Ok(())
}

/// Deletes the keys of `prefix`; returns how many are left afterwards.
async fn delete_keys(url: &str, prefix: &str) -> anyhow::Result<usize> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let pattern = format!("{prefix}:*");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await?;
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await?;
    }
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await?;
    Ok(left.len())
}

// ---- small helpers -------------------------------------------------------------------------

async fn get_status(http: &reqwest::Client, url: &str) -> Option<u16> {
    http.get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Polls `check` until it returns true, fails, or `limit` passes.
async fn wait_for<F, Fut>(limit: Duration, what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn article_ids(source: &Value) -> Vec<String> {
    source["article_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The wiki files whose frontmatter lists `source_id` among their sources.
fn wiki_files_citing(data: &Path, source_id: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(data.join("wiki"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let Some(front) = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split("\n---\n").next())
        else {
            continue;
        };
        if front.contains(source_id) {
            found.push(path);
        }
    }
    Ok(found)
}

fn print_log_tails(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    let mut logs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(LOG_TAIL);
        println!(
            "---- {} (last {} lines) ----",
            log.display(),
            lines.len() - from
        );
        for line in &lines[from..] {
            let cut: String = line.chars().take(600).collect();
            println!("{cut}");
        }
    }
    println!("---- end of logs ----");
}

#[derive(Default)]
struct Report {
    lines: Vec<(String, &'static str, String)>,
}

impl Report {
    fn record(&mut self, name: &str, result: anyhow::Result<()>, took: Duration) {
        let secs = took.as_secs_f64();
        match result {
            Ok(()) => {
                println!("PASS  {name} ({secs:.1} s)");
                self.lines
                    .push((name.to_owned(), "PASS", format!("{secs:.1} s")));
            }
            Err(e) => {
                println!("FAIL  {name} ({secs:.1} s): {e:#}");
                self.lines.push((name.to_owned(), "FAIL", format!("{e:#}")));
            }
        }
    }

    fn skip(&mut self, name: &str, why: &str) {
        println!("SKIP  {name}: {why}");
        self.lines.push((name.to_owned(), "SKIP", why.to_owned()));
    }

    fn failed(&self) -> bool {
        self.lines.iter().any(|(_, r, _)| *r == "FAIL")
    }

    fn summary(&self, took: Duration) {
        println!("==== smoke-prod summary ({:.0} s) ====", took.as_secs_f64());
        for (name, result, detail) in &self.lines {
            let detail: String = detail
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            println!("{result}  {name}  [{detail}]");
        }
        println!(
            "{}",
            if self.failed() {
                "smoke-prod: FAIL"
            } else {
                "smoke-prod: PASS"
            }
        );
    }
}
