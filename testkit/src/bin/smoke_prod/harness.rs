//! The run's state: the services, processes and clients it owns, the set-up and clean-up
//! steps, and the HTTP and database lookups the steps share.

use super::*;

mod steps;

pub(crate) struct Harness {
    pub(crate) config: Config,
    pub(crate) http: reqwest::Client,
    pub(crate) db_name: String,
    pub(crate) db_url: String,
    pub(crate) prefix: String,
    pub(crate) procs: Procs,
    pub(crate) port: u16,
    pub(crate) llm: Option<FakeLlm>,
    pub(crate) corpus: Option<CorpusServer>,
    pub(crate) events: Option<Events>,
    /// Set while this run has Redis shut down; Drop starts it again.
    pub(crate) redis_down: Arc<AtomicBool>,
    /// Set while PostgreSQL is being restarted; Drop makes sure it runs.
    pub(crate) pg_restarting: Arc<AtomicBool>,
    /// The database exists and has not been dropped yet.
    pub(crate) db_created: bool,
    pub(crate) next_worker: usize,
    pub(crate) notes: usize,
}

impl Harness {
    pub(crate) fn new(config: Config) -> Harness {
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

    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn llm(&self) -> &FakeLlm {
        self.llm.as_ref().expect("the fake LLM runs from step 3 on")
    }

    // -- step 1 --

    pub(crate) async fn prepare(&mut self) -> anyhow::Result<()> {
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

    pub(crate) async fn entrypoint(&mut self) -> anyhow::Result<()> {
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

    pub(crate) fn common_env(&self) -> Vec<(String, String)> {
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

    pub(crate) fn spawn(&self, label: &str, bin: &str, args: &[&str]) -> anyhow::Result<u32> {
        let env = self.common_env();
        let program = self.config.bin_dir.join(bin);
        let log = self.config.run_dir.join(format!("{label}.log"));
        self.procs
            .spawn(label, &program, args, &env, &self.config.run_dir, &log)
    }

    pub(crate) fn spawn_worker(&mut self) -> anyhow::Result<(String, u32)> {
        let label = format!("worker-{}", self.next_worker);
        self.next_worker += 1;
        let pid = self.spawn(&label, "worker", &[])?;
        println!("  started {label} (pid {pid})");
        Ok((label, pid))
    }

    pub(crate) async fn start_stack(&mut self) -> anyhow::Result<()> {
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

    pub(crate) async fn wait_heartbeat(
        &self,
        label: &str,
        pid: u32,
        limit: Duration,
    ) -> anyhow::Result<()> {
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

    pub(crate) async fn heartbeat_names(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let names = sqlx::query_scalar("select name from worker_heartbeats order by name")
            .fetch_all(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(names)
    }

    pub(crate) async fn wait_ready(&self, limit: Duration) -> anyhow::Result<Value> {
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
    pub(crate) fn replace_dead_workers(&mut self) -> anyhow::Result<()> {
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

    // -- step 8 --

    pub(crate) async fn shutdown(&mut self) -> anyhow::Result<()> {
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

    pub(crate) fn note_text(&mut self, topic: &str) -> String {
        self.notes += 1;
        format!(
            "Smoke note {} about {topic}. Lighthouses guide ships along dangerous coasts with a \
             rotating beam of light. Each lighthouse has its own pattern of flashes, so sailors \
             can tell which one they see at night. Many lighthouses are now automated, and their \
             keepers have left. The oldest known lighthouse stood at Alexandria in Egypt.",
            self.notes
        )
    }

    pub(crate) async fn ingest_note(&self, content: &str) -> anyhow::Result<String> {
        self.ingest("/api/sources/text", json!({ "content": content }))
            .await
    }

    pub(crate) async fn ingest(&self, path: &str, body: Value) -> anyhow::Result<String> {
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

    pub(crate) async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
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

    pub(crate) async fn wait_compiled(&self, id: &str, limit: Duration) -> anyhow::Result<Value> {
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

    /// The number of source articles (concept pages come and go with the concepts articles
    /// share, so they are not counted).
    pub(crate) async fn article_total(&self) -> anyhow::Result<i64> {
        let list = self
            .get_json("/api/articles?limit=1&page_type=source")
            .await?;
        list["total"]
            .as_i64()
            .ok_or_else(|| anyhow!("no total in {list}"))
    }

    // -- database helpers --

    pub(crate) async fn job_of(&self, source_id: &str) -> anyhow::Result<String> {
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

    pub(crate) async fn jobs_of(&self, source_id: &str) -> anyhow::Result<i64> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let n = sqlx::query_scalar("select count(*) from job_runs where source_id::text = $1")
            .bind(source_id)
            .fetch_one(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(n)
    }

    pub(crate) async fn job_row(&self, job_id: &str) -> anyhow::Result<(String, Option<String>)> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let row = sqlx::query_as("select status, worker from job_runs where id::text = $1")
            .bind(job_id)
            .fetch_one(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(row)
    }

    pub(crate) async fn job_statuses(&self, source_ids: &[String]) -> anyhow::Result<Vec<String>> {
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await?;
        let rows =
            sqlx::query_scalar("select status from job_runs where source_id::text = any($1)")
                .bind(source_ids)
                .fetch_all(&mut conn)
                .await?;
        let _ = conn.close().await;
        Ok(rows)
    }

    pub(crate) async fn job_rows(&self, source_ids: &[String]) -> anyhow::Result<String> {
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
pub(crate) type JobRow = (String, i32, Option<String>, Option<String>, Option<String>);
