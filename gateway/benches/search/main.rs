//! Search latency at scale: `GET /api/search` over wikis of 1,000, 10,000 and 100,000 articles, on
//! SQLite and on PostgreSQL.
//!
//! For each backend it starts the real gateway in this process on a fresh database, seeds it
//! with synthetic articles built from corpus sentences (see `seed.rs`) through
//! `save_article`, then sends about 200 queries one at a time through the router over
//! loopback HTTP and prints p50/p95/p99 latency, to be kept in `BENCHMARKS.md`. It asserts
//! nothing about time.
//!
//! Run with `make bench-search` (`cargo bench -p gateway --bench search`). Options after
//! `--`: `--sizes 1000,10000,100000`, `--queries 200`, `--backends sqlite,postgres`, and `--hybrid`
//! to measure hybrid ranking instead: the fake model server embeds every passage and each
//! question (trigram vectors, so the latency is WikiMind's own and the ranking means nothing),
//! and the recall of the database's nearest-passage search is measured against an exact
//! ranking (`common/embeddings.rs`). PostgreSQL is
//! `WIKIMIND_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`; a fresh
//! database is created and dropped) and is skipped, with a message, when unreachable.
//!
//! `seed --count N --data-dir DIR` only seeds: N articles into the SQLite wiki in DIR (or
//! the PostgreSQL database of `--database-url URL`), to look at a large wiki with
//! `WIKIMIND_DATA_DIR=DIR make dev`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use shared::config::{Secret, Settings};
use shared::db::Db;
use testkit::backend::{Backend, TestEnv};
use testkit::corpus_server::corpus_dir;

// Shared by the `eval` and `search` benches; each uses only part of it.
#[path = "../common/backends.rs"]
mod backends;
#[allow(dead_code)]
#[path = "../common/inproc.rs"]
mod inproc;

// Shared with the `eval` bench.
#[path = "../common/embeddings.rs"]
mod embeddings;

mod exact;
mod ingest;
mod queries;
mod seed;

use inproc::Gateway;
use queries::{Measured, Query, percentile};
use seed::SentencePool;

/// Articles written at once: SQLite serialises writers anyway; PostgreSQL overlaps the
/// round trips of a few transactions (the test env's pool has 5 connections).
const SEED_PARALLEL_SQLITE: usize = 1;
const SEED_PARALLEL_POSTGRES: usize = 4;

enum Command {
    Bench {
        sizes: Vec<usize>,
        queries: usize,
        backends: Vec<Backend>,
        hybrid: bool,
    },
    Seed {
        count: usize,
        data_dir: PathBuf,
        database_url: Option<String>,
    },
}

fn parse_args() -> anyhow::Result<Command> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` to every bench binary.
    args.retain(|a| a != "--bench");
    let seed = args.first().is_some_and(|a| a == "seed");
    let (mut sizes, mut queries, mut backends) = (
        vec![1_000, 10_000, 100_000],
        200,
        vec![Backend::Sqlite, Backend::Postgres],
    );
    let (mut count, mut data_dir, mut database_url) = (None, None, None);
    let mut hybrid = false;
    let mut it = args.into_iter().skip(usize::from(seed));
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context("--sizes 1000,10000")?;
                sizes.sort_unstable();
            }
            "--queries" => queries = value()?.parse().context("--queries N")?,
            "--backends" => {
                backends = backends::parse_backends(&value()?)?;
            }
            "--hybrid" => hybrid = true,
            "--count" => count = Some(value()?.parse().context("--count N")?),
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--database-url" => database_url = Some(value()?),
            other => bail!("unknown argument {other:?}"),
        }
    }
    if seed {
        return Ok(Command::Seed {
            count: count.context("seed needs --count N")?,
            data_dir: data_dir.context("seed needs --data-dir DIR")?,
            database_url,
        });
    }
    Ok(Command::Bench {
        sizes,
        queries,
        backends,
        hybrid,
    })
}

/// One measured wiki size on one backend.
struct Row {
    backend: &'static str,
    articles: usize,
    passages: i64,
    seed_time: Duration,
    seeded: usize,
    /// With `--hybrid`: time to embed the passages added, and how many.
    embedded: Option<(Duration, usize)>,
    /// With `--hybrid`: the database's nearest-passage search against an exact ranking.
    recall: Option<embeddings::Recall>,
    measured: Measured,
    /// Times to ingest one more note, sorted.
    ingest: Vec<Duration>,
}

/// The depths at which `--hybrid` measures the recall of nearest-passage search: a page of
/// results, and the passages a search fuses (`GET /api/search` reads 120).
const RECALL_AT: [usize; 2] = [10, 120];

/// Notes ingested at each size to time one more source.
const INGEST_PROBES: usize = 5;

/// Index passages in the database.
async fn passage_count(db: &Db) -> anyhow::Result<i64> {
    let sql = "select count(*) from search_chunks";
    let (n,): (i64,) = match db {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await?,
        Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await?,
    };
    Ok(n)
}

/// Seeds one backend up to each size in turn and measures search at each.
async fn bench_backend(
    backend: Backend,
    pool: &SentencePool,
    sizes: &[usize],
    queries: &[Query],
    hybrid: bool,
) -> anyhow::Result<Vec<Row>> {
    let env = TestEnv::with_backend(backend).await;
    let mut settings = env.settings();
    // Search touches neither the queue nor the event bus: no Redis needed.
    settings.redis = None;
    let fake = if hybrid {
        Some(testkit::fake_llm::FakeLlm::start().await)
    } else {
        None
    };
    if let Some(fake) = &fake {
        embeddings::use_fake_embeddings(&mut settings, fake);
    }
    // The embedded worker compiles the probe notes; seeding and search do not use it.
    let gateway = Gateway::start(settings.clone(), true).await?;
    let (name, parallel) = match backend {
        Backend::Sqlite => ("SQLite", SEED_PARALLEL_SQLITE),
        Backend::Postgres => ("PostgreSQL", SEED_PARALLEL_POSTGRES),
    };
    let mut rows = Vec::new();
    let empty_ingest = ingest::measure(&gateway, pool, 0, INGEST_PROBES).await?;
    rows.push(Row {
        backend: name,
        articles: 0,
        passages: 0,
        seed_time: Duration::ZERO,
        seeded: 0,
        embedded: None,
        recall: None,
        measured: Measured::default(),
        ingest: empty_ingest,
    });
    let mut seeded = 0;
    for &size in sizes {
        let seed_time = seed::seed(gateway.db(), pool, seeded, size, parallel).await?;
        let added = size - seeded;
        seeded = size;
        let embedded = if hybrid {
            Some(embeddings::embed_all(gateway.db(), &settings).await?)
        } else {
            None
        };
        gateway.analyse().await?;
        let recall = if hybrid {
            let texts: Vec<String> = queries.iter().map(|q| q.text.clone()).collect();
            Some(embeddings::measure(gateway.db(), &settings, &texts, &RECALL_AT).await?)
        } else {
            None
        };
        let measured = queries::measure(&gateway, queries).await?;
        let ingest = ingest::measure(&gateway, pool, size as u64, INGEST_PROBES).await?;
        eprintln!(
            "{name}: {size} articles ({added} seeded in {:.1} s), p50 {:.1} ms",
            seed_time.as_secs_f64(),
            percentile(&measured.all, 0.5).as_secs_f64() * 1000.0
        );
        rows.push(Row {
            backend: name,
            articles: size,
            passages: passage_count(gateway.db()).await?,
            seed_time,
            seeded: added,
            embedded,
            recall,
            measured,
            ingest,
        });
    }
    gateway.stop().await;
    Ok(rows)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn print_report(rows: &[Row], queries: &[Query], pool: &SentencePool, skipped: &[&str]) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let questions = queries.iter().filter(|q| q.question).count();
    let hybrid = rows.iter().any(|r| r.embedded.is_some());
    let ranking = if hybrid { "hybrid" } else { "full-text" };
    println!("## Search latency, {ranking} ranking ({cores} cores, release build)\n");
    println!(
        "{} queries ({questions} whole questions, {} of 1–4 keywords) one at a time, \
         `GET /api/search?limit=20` through the router over loopback, after 20 warm-up queries. \
         Articles built from {} sentences of {} corpus documents.\n",
        queries.len(),
        queries.len() - questions,
        pool.sentence_count(),
        pool.document_count()
    );
    println!(
        "| backend | articles | passages | p50 | p95 | p99 | max | questions p50 / p99 | keywords p50 / p99 | mean results | no result | in exhaustive top | first ties exhaustive first |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in rows.iter().filter(|r| r.articles > 0) {
        let m = &r.measured;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} | {:.1} | {} | {:.1}% | {}/{} |",
            r.backend,
            r.articles,
            r.passages,
            ms(percentile(&m.all, 0.5)),
            ms(percentile(&m.all, 0.95)),
            ms(percentile(&m.all, 0.99)),
            ms(m.all.last().copied().unwrap_or_default()),
            ms(percentile(&m.questions, 0.5)),
            ms(percentile(&m.questions, 0.99)),
            ms(percentile(&m.keywords, 0.5)),
            ms(percentile(&m.keywords, 0.99)),
            m.mean_results,
            m.empty.len(),
            m.agreement.overlap() * 100.0,
            m.agreement.same_first,
            m.agreement.queries,
        );
    }
    println!(
        "\n| backend | seeded up to | articles written | time | articles/s |\n|---|---|---|---|---|"
    );
    for r in rows.iter().filter(|r| r.articles > 0) {
        println!(
            "| {} | {} | {} | {:.1} s | {:.0} |",
            r.backend,
            r.articles,
            r.seeded,
            r.seed_time.as_secs_f64(),
            r.seeded as f64 / r.seed_time.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "\n### Ingesting one more source\n\n{INGEST_PROBES} notes of 12 corpus sentences each, posted one at a time \
         over HTTP and waited for until compiled (offline compiler, mentions linked both ways, concept pages, index).\n"
    );
    println!("| backend | articles before | p50 | max |\n|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.backend,
            r.articles,
            ms(percentile(&r.ingest, 0.5)),
            ms(r.ingest.last().copied().unwrap_or_default())
        );
    }
    if hybrid {
        println!(
            "\n| backend | embedded up to | passages embedded | time | passages/s |\n|---|---|---|---|---|"
        );
        for r in rows.iter().filter(|r| r.articles > 0) {
            let (took, n) = r.embedded.unwrap_or_default();
            println!(
                "| {} | {} | {} | {:.1} s | {:.0} |",
                r.backend,
                r.articles,
                n,
                took.as_secs_f64(),
                n as f64 / took.as_secs_f64().max(1e-9),
            );
        }
        println!(
            "\nNearest passages as the database finds them against an exact ranking of every vector \
             (the bench's queries; search mean is the database query alone):\n\n{}",
            embeddings::TABLE_HEADER
        );
        for r in rows.iter() {
            if let Some(recall) = &r.recall {
                let scale = format!("{} articles", r.articles);
                for line in embeddings::table_rows(r.backend, &scale, recall) {
                    println!("{line}");
                }
            }
        }
    }
    for r in rows.iter().filter(|r| !r.measured.empty.is_empty()) {
        println!(
            "\nNo result on {} at {} articles: {}",
            r.backend,
            r.articles,
            r.measured
                .empty
                .iter()
                .map(|q| format!("`{q}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for s in skipped {
        println!("\nSKIPPED: {s}");
    }
}

/// `seed`: writes `count` articles into an existing (or new) wiki.
async fn seed_only(
    count: usize,
    data_dir: PathBuf,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let mut settings = Settings::for_data_dir(&data_dir);
    if let Some(url) = database_url {
        settings.database.url = Secret::new(url);
    }
    let db = gateway::startup::connect_database(&settings).await?;
    // PostgreSQL is migrated by `gateway migrate`; doing it here makes a fresh database usable.
    db.migrate().await.context("applying migrations")?;
    let pool = SentencePool::from_corpus(&corpus_dir())?;
    // Continue the numbering, so seeding twice adds articles instead of clashing on slugs.
    let existing = shared::db::articles::all_keys(&db).await?.len();
    let parallel = if settings.uses_postgres() {
        SEED_PARALLEL_POSTGRES
    } else {
        SEED_PARALLEL_SQLITE
    };
    let took = seed::seed(&db, &pool, existing, existing + count, parallel).await?;
    println!(
        "seeded {count} articles into {} in {:.1} s ({} in all)",
        data_dir.display(),
        took.as_secs_f64(),
        existing + count
    );
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (sizes, query_count, backends, hybrid) = match parse_args()? {
        Command::Seed {
            count,
            data_dir,
            database_url,
        } => return seed_only(count, data_dir, database_url).await,
        Command::Bench {
            sizes,
            queries,
            backends,
            hybrid,
        } => (sizes, queries, backends, hybrid),
    };
    let pool = SentencePool::from_corpus(&corpus_dir())?;
    let queries = queries::build(&pool, query_count)?;
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for backend in backends {
        if backend == Backend::Postgres && !backends::postgres_reachable().await {
            skipped.push(
                "PostgreSQL is not reachable (WIKIMIND_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).",
            );
            continue;
        }
        rows.extend(bench_backend(backend, &pool, &sizes, &queries, hybrid).await?);
    }
    print_report(&rows, &queries, &pool, &skipped);
    Ok(())
}
