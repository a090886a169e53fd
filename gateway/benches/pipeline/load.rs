//! Load: 200 concurrent clients for 60 s mixing reads and writes, on both shapes — SQLite with
//! the embedded worker (`make dev`), and PostgreSQL + Redis with a gateway and two worker
//! processes (production). Every request must succeed; the report gives requests per second,
//! latency percentiles, errors, and the gateway's memory before and after.
//!
//! Run with `make bench-load`. It prints a markdown section for `BENCHMARKS.md`.

use super::*;

pub(crate) const LOAD_CLIENTS: usize = 200;
pub(crate) const LOAD_DURATION: Duration = Duration::from_secs(60);

/// What one shape did under load.
pub(crate) struct LoadRun {
    pub(crate) shape: &'static str,
    pub(crate) requests: usize,
    pub(crate) writes: usize,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) per_second: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    /// The new notes' own latency: each waits for the database's one writer.
    pub(crate) write_p50: Duration,
    pub(crate) write_p99: Duration,
    pub(crate) rss_before: f64,
    pub(crate) rss_after: f64,
    pub(crate) peak: f64,
}

/// One request of the mix, chosen by the client's request counter: of every 20, 8 list
/// articles, 6 read one, 4 search and 2 add a note (which is then compiled in the background).
fn request(
    client: &reqwest::Client,
    base: &str,
    slugs: &[String],
    n: usize,
) -> (reqwest::RequestBuilder, bool) {
    let url = |path: &str| format!("{base}{path}");
    const QUERIES: [&str; 5] = [
        "thread",
        "queue priority",
        "apt cache",
        "json encoder",
        "backup",
    ];
    match n % 20 {
        0..=7 => (client.get(url("/api/articles?limit=20")), false),
        8..=13 => (
            client.get(url(&format!("/api/articles/{}", slugs[n % slugs.len()]))),
            false,
        ),
        14..=17 => (
            client.get(url(&format!(
                "/api/search?q={}",
                QUERIES[n % QUERIES.len()]
            ))),
            false,
        ),
        _ => (
            client.post(url("/api/sources/text")).json(&json!({
                "content": format!(
                    "Load note {n} {}. A harbour light flashes {} times every {} seconds so that \
                     sailors can tell it from its neighbours along the coast.",
                    uuid::Uuid::new_v4(),
                    n % 7 + 1,
                    n % 11 + 5
                )
            })),
            true,
        ),
    }
}

/// Drives the mix against `gateway` for [`LOAD_DURATION`].
async fn drive(gateway: &Process, slugs: Vec<String>, shape: &'static str) -> LoadRun {
    let (rss_before, _) = gateway.memory_mib();
    let started = Instant::now();
    let tasks: Vec<_> = (0..LOAD_CLIENTS)
        .map(|c| {
            // Each client its own connections from an address of its own, as 200 browsers on
            // 200 machines would have: from one address they would share the gateway's
            // per-client cap of connections, which is there to stop one client taking them all.
            let client = reqwest::Client::builder()
                .local_address(client_address(c))
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client");
            let slugs = slugs.clone();
            let base = gateway.base.clone();
            tokio::spawn(async move {
                let (mut times, mut writes, mut errors, mut first_error) = (Vec::new(), 0, 0, None);
                let mut write_times = Vec::new();
                let mut n = c * 7;
                while started.elapsed() < LOAD_DURATION {
                    let (req, write) = request(&client, &base, &slugs, n);
                    let at = Instant::now();
                    let outcome = match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            r.bytes().await.map(|_| ()).map_err(|e| e.to_string())
                        }
                        Ok(r) => Err(format!(
                            "{} {}",
                            r.status(),
                            r.text().await.unwrap_or_default()
                        )),
                        Err(e) => Err(e.to_string()),
                    };
                    let took = at.elapsed();
                    times.push(took);
                    if write {
                        write_times.push(took);
                    }
                    if let Err(e) = outcome {
                        errors += 1;
                        first_error.get_or_insert(e);
                    } else if write {
                        writes += 1;
                    }
                    n += 1;
                }
                (times, write_times, writes, errors, first_error)
            })
        })
        .collect();
    let (mut all, mut all_writes, mut writes, mut errors, mut first_error) =
        (Vec::new(), Vec::new(), 0, 0, None);
    for t in tasks {
        let (times, write_times, w, e, first) = t.await.expect("client task");
        all.extend(times);
        all_writes.extend(write_times);
        writes += w;
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    let wall = started.elapsed();
    let (rss_after, peak) = gateway.memory_mib();
    all.sort();
    all_writes.sort();
    LoadRun {
        shape,
        requests: all.len(),
        writes,
        errors,
        first_error,
        per_second: all.len() as f64 / wall.as_secs_f64(),
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
        write_p50: percentile(&all_writes, 0.5),
        write_p99: percentile(&all_writes, 0.99),
        rss_before,
        rss_after,
        peak,
    }
}

/// The address client `c` connects from: one of loopback's own (127.0.0.2 onwards), so the
/// traffic stays on this machine.
fn client_address(c: usize) -> std::net::IpAddr {
    let c = u32::try_from(c).expect("a few hundred clients");
    std::net::IpAddr::V4(std::net::Ipv4Addr::from(
        u32::from(std::net::Ipv4Addr::new(127, 0, 0, 2)) + c,
    ))
}

/// SQLite with the embedded worker, seeded with the 15 corpus pages (offline compiler).
pub(crate) async fn sqlite_shape(client: &reqwest::Client, corpus: &CorpusServer) -> LoadRun {
    let env = TestEnv::with_backend(Backend::Sqlite).await;
    let launch = Launch {
        env: &env,
        llm: None,
        concurrency: 2,
    };
    let gateway = launch.gateway(&["serve", "--with-worker"]);
    wait_ready(client, &gateway, Instant::now()).await;
    ingest_pages(client, &gateway, corpus).await;
    let slugs = article_slugs(client, &gateway).await;
    drive(&gateway, slugs, "SQLite, embedded worker").await
}

/// PostgreSQL and Redis, a gateway without a worker and two worker processes.
pub(crate) async fn production_shape(client: &reqwest::Client, corpus: &CorpusServer) -> LoadRun {
    let env = TestEnv::with_backend(Backend::Postgres).await;
    let launch = Launch {
        env: &env,
        llm: None,
        concurrency: 1,
    };
    let gateway = launch.gateway(&["serve", "--without-worker"]);
    let _workers: Vec<Process> = (0..2).map(|_| launch.worker()).collect();
    wait_ready(client, &gateway, Instant::now()).await;
    ingest_pages(client, &gateway, corpus).await;
    let slugs = article_slugs(client, &gateway).await;
    drive(&gateway, slugs, "PostgreSQL + Redis, 2 worker processes").await
}

/// The report's table.
pub(crate) fn load_report(runs: &[LoadRun]) -> String {
    let mut out = format!(
        "### Load: {LOAD_CLIENTS} concurrent clients for {} s (of every 20 requests: 8 article lists, 6 article reads, 4 searches, 2 new notes)\n\n\
         | shape | requests | req/s | notes added | errors | p50 | p99 | new notes p50 / p99 | gateway RSS before → after (peak) |\n|---|---|---|---|---|---|---|---|---|\n",
        LOAD_DURATION.as_secs()
    );
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} / {} | {:.0} → {:.0} MiB ({:.0}) |\n",
            r.shape,
            r.requests,
            r.per_second,
            r.writes,
            r.errors,
            ms(r.p50),
            ms(r.p99),
            ms(r.write_p50),
            ms(r.write_p99),
            r.rss_before,
            r.rss_after,
            r.peak
        ));
        if let Some(e) = &r.first_error {
            out.push_str(&format!(
                "\nfirst error ({}): {}\n",
                r.shape,
                e.chars().take(300).collect::<String>()
            ));
        }
    }
    out
}
