//! Steps 4 to 7: the pipeline across processes, and the faults (a worker killed mid-compile,
//! Redis down during ingest, PostgreSQL restarted).

use super::*;

impl Harness {
    // -- step 4 --

    pub(crate) async fn pipeline(&mut self) -> anyhow::Result<()> {
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

    pub(crate) async fn jobs_by_worker(&self) -> anyhow::Result<BTreeMap<String, i64>> {
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

    pub(crate) async fn kill_worker_mid_compile(&mut self) -> anyhow::Result<()> {
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

    pub(crate) async fn redis_outage(&mut self) -> anyhow::Result<()> {
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

    pub(crate) async fn postgres_restart(&mut self) -> anyhow::Result<()> {
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
}
