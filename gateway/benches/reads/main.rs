//! Reads at the speed of the hardware: how many article lists, article pages and searches the
//! release gateway serves per second with 32 keep-alive connections, and how much of its CPU
//! each costs, beside a bare axum handler serving the very same bytes from memory (the
//! ceiling). The share of the ceiling is the figure `BENCHMARKS.md` keeps.
//!
//! For each backend and wiki size it seeds a fresh database with synthetic articles (the
//! `search` bench's generator), starts the release `gateway serve --with-worker` (as `make dev`
//! runs it) as a child process — one with its read cache on, one with it off — reads each
//! endpoint's answer once, serves those bytes from the ceiling process (this binary,
//! `ceiling --port P --body FILE`), and drives each with the load generator of `drive.rs`:
//! first the ceiling, then the gateways. With the cache on, the same request again is the
//! cached path (the wiki does not change during a run); with it off, every request reads the
//! database. It asserts nothing about time.
//!
//! Run with `make bench-reads` (`cargo bench -p gateway --bench reads`). Options after `--`:
//! `--sizes 50,10000`, `--seconds 5`, `--connections 32`, `--backends sqlite,postgres`,
//! `--endpoints list,detail,search`, `--caches on,off` (PostgreSQL is skipped, with a message,
//! when unreachable).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use testkit::backend::{Backend, TestEnv};
use testkit::corpus_server::corpus_dir;

#[path = "../common/backends.rs"]
mod backends;
#[allow(dead_code)]
#[path = "../pipeline/process.rs"]
mod process;
#[allow(dead_code)]
#[path = "../search/seed.rs"]
mod seed;

mod ceiling;
mod drive;

use process::{Launch, Process, free_port, wait_ready};

/// What the report compares, in this order: the Wiki screen's first page, one article, and a
/// search of two common words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Endpoint {
    List,
    Detail,
    Search,
}
const ENDPOINTS: [Endpoint; 3] = [Endpoint::List, Endpoint::Detail, Endpoint::Search];

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::List => "list",
            Endpoint::Detail => "detail",
            Endpoint::Search => "search",
        }
    }
}
const LIST_PATH: &str = "/api/articles?limit=50";
const SEARCH_PATH: &str = "/api/search?q=queue%20priority";

enum Args {
    Bench {
        sizes: Vec<usize>,
        seconds: u64,
        connections: usize,
        backends: Vec<Backend>,
        endpoints: Vec<Endpoint>,
        /// The gateway's read cache on, off, or each in turn.
        caches: Vec<bool>,
    },
    Ceiling {
        port: u16,
        body: PathBuf,
    },
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` to every bench binary.
    args.retain(|a| a != "--bench");
    let ceiling = args.first().is_some_and(|a| a == "ceiling");
    let (mut sizes, mut seconds, mut connections) = (vec![50, 10_000], 5, 32);
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    let mut endpoints = ENDPOINTS.to_vec();
    let mut caches = vec![true, false];
    let (mut port, mut body) = (None, None);
    let mut it = args.into_iter().skip(usize::from(ceiling));
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context("--sizes 50,10000")?;
            }
            "--seconds" => seconds = value()?.parse().context("--seconds N")?,
            "--connections" => connections = value()?.parse().context("--connections N")?,
            "--backends" => backends = backends::parse_backends(&value()?)?,
            "--endpoints" => {
                endpoints = value()?
                    .split(',')
                    .map(|e| {
                        ENDPOINTS
                            .into_iter()
                            .find(|known| known.name() == e)
                            .with_context(|| {
                                format!("unknown endpoint {e:?}: list, detail or search")
                            })
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--caches" => {
                caches = value()?
                    .split(',')
                    .map(|c| match c {
                        "on" => Ok(true),
                        "off" => Ok(false),
                        other => bail!("unknown read cache setting {other:?}: on or off"),
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--port" => port = Some(value()?.parse().context("--port N")?),
            "--body" => body = Some(PathBuf::from(value()?)),
            other => bail!("unknown argument {other:?}"),
        }
    }
    if sizes.contains(&0) {
        bail!("a wiki of 0 articles has no article to read");
    }
    if ceiling {
        return Ok(Args::Ceiling {
            port: port.context("ceiling needs --port")?,
            body: body.context("ceiling needs --body FILE")?,
        });
    }
    Ok(Args::Bench {
        sizes,
        seconds,
        connections,
        backends,
        endpoints,
        caches,
    })
}

/// One endpoint measured on one wiki.
struct Row {
    backend: &'static str,
    articles: usize,
    endpoint: &'static str,
    /// Whether the gateway's read cache was on.
    cache: bool,
    bytes: usize,
    gateway: drive::Run,
    ceiling: drive::Run,
}

/// Starts this binary as the ceiling server for `body` on `port`, and waits until it
/// accepts.
async fn start_ceiling(body: &Path, port: u16) -> anyhow::Result<Process> {
    let child = Command::new(std::env::current_exe()?)
        .args(["ceiling", "--port", &port.to_string(), "--body"])
        .arg(body)
        .stdout(Stdio::null())
        .spawn()
        .context("starting the ceiling server")?;
    let mut process = Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Some(status) = process.child.try_wait()? {
            bail!("the ceiling server exited: {status}");
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!("the ceiling server did not start");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(process)
}

/// Seeds `size` articles, starts the gateway, and measures every endpoint against it and
/// against the ceiling.
async fn measure(
    backend: Backend,
    size: usize,
    pool: &seed::SentencePool,
    seconds: u64,
    connections: usize,
    endpoints: &[Endpoint],
    caches: &[bool],
) -> anyhow::Result<Vec<Row>> {
    let env = TestEnv::with_backend(backend).await;
    let db = gateway::startup::connect_database(&env.settings()).await?;
    db.migrate().await?;
    let parallel = if backend == Backend::Postgres { 4 } else { 1 };
    let took = seed::seed(&db, pool, 0, size, parallel).await?;
    eprintln!(
        "{backend:?}: seeded {size} articles in {:.1} s",
        took.as_secs_f64()
    );
    if let shared::db::Db::Postgres(p) = &db {
        // As autovacuum would within a minute of the seeding: planner statistics and the
        // visibility map, without which a freshly filled table is read very differently.
        sqlx::query("vacuum analyze").execute(p).await?;
    }
    let keys = shared::db::articles::all_keys(&db).await?;
    db.close().await;
    let slug = keys[keys.len() / 2].slug.clone();

    let client = reqwest::Client::new();
    let launch = Launch {
        env: &env,
        llm: None,
        concurrency: 1,
    };
    // One gateway per read cache setting, side by side on the same database.
    let mut gateways = Vec::new();
    for &cache in caches {
        let megabytes = if cache { "32" } else { "0" };
        let gateway = launch.gateway_with(
            &["serve", "--with-worker"],
            &[("WIKIMIND_SERVER__READ_CACHE_MB", megabytes)],
        );
        let port: u16 = gateway
            .base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .context("the gateway's port")?;
        wait_ready(&client, &gateway, Instant::now()).await;
        gateways.push((cache, port, gateway));
    }
    let Some((_, _, first)) = gateways.first() else {
        bail!("--caches names no setting");
    };
    let duration = Duration::from_secs(seconds);
    let scratch = tempfile::tempdir()?;
    let mut rows = Vec::new();
    for &endpoint in endpoints {
        let path = match endpoint {
            Endpoint::List => LIST_PATH.to_owned(),
            Endpoint::Detail => format!("/api/articles/{slug}"),
            Endpoint::Search => SEARCH_PATH.to_owned(),
        };
        let answer = client.get(first.url(&path)).send().await?;
        if !answer.status().is_success() {
            bail!("{path}: {}", answer.status());
        }
        let body = answer.bytes().await?;
        let file = scratch.path().join(format!("{}.json", endpoint.name()));
        std::fs::write(&file, &body)?;
        let ceiling_port = free_port();
        let ceiling_process = start_ceiling(&file, ceiling_port).await?;
        let ceiling = drive::drive(
            ceiling_port,
            &path,
            connections,
            duration,
            ceiling_process.child.id(),
            body.len(),
        )
        .await?;
        drop(ceiling_process);
        for (cache, port, gateway) in &gateways {
            let measured = drive::drive(
                *port,
                &path,
                connections,
                duration,
                gateway.child.id(),
                body.len(),
            )
            .await
            .with_context(|| format!("{} on {backend:?} at {size} articles", endpoint.name()))?;
            rows.push(Row {
                backend: match backend {
                    Backend::Sqlite => "SQLite",
                    Backend::Postgres => "PostgreSQL",
                },
                articles: size,
                endpoint: endpoint.name(),
                cache: *cache,
                bytes: body.len(),
                gateway: measured,
                ceiling,
            });
        }
    }
    Ok(rows)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(rows: &[Row], seconds: u64, connections: usize) -> String {
    let mut out = format!(
        "### Reads: {connections} keep-alive connections for {seconds} s per endpoint, gateway beside a bare handler serving the same bytes\n\n\
         | backend | articles | endpoint | read cache | bytes | gateway req/s | gateway CPU per request | p50 / p99 | ceiling req/s | ceiling CPU per request | share of ceiling |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.0} | {} | {} / {} | {:.0} | {} | {:.1} % |\n",
            r.backend,
            r.articles,
            r.endpoint,
            if r.cache { "on" } else { "off" },
            r.bytes,
            r.gateway.per_second,
            ms(r.gateway.cpu_per_request),
            ms(r.gateway.p50),
            ms(r.gateway.p99),
            r.ceiling.per_second,
            ms(r.ceiling.cpu_per_request),
            100.0 * r.gateway.per_second / r.ceiling.per_second,
        ));
    }
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (sizes, seconds, connections, backend_list, endpoints, caches) = match parse_args()? {
        Args::Ceiling { port, body } => return ceiling::serve(port, &body).await,
        Args::Bench {
            sizes,
            seconds,
            connections,
            backends,
            endpoints,
            caches,
        } => (sizes, seconds, connections, backends, endpoints, caches),
    };
    let pool = seed::SentencePool::from_corpus(&corpus_dir())?;
    let mut rows = Vec::new();
    for backend in backend_list {
        if backend == Backend::Postgres && !backends::postgres_reachable().await {
            println!("PostgreSQL unreachable: its rows are skipped");
            continue;
        }
        for &size in &sizes {
            rows.extend(
                measure(
                    backend,
                    size,
                    &pool,
                    seconds,
                    connections,
                    &endpoints,
                    &caches,
                )
                .await?,
            );
        }
    }
    println!("{}", report(&rows, seconds, connections));
    Ok(())
}
