//! Retrieval evaluation: how well search finds, and answers cite, the document that answers
//! a question.
//!
//! Starts the real gateway in this process on a fresh SQLite data directory with the offline
//! compiler (no language model), uploads the corpus (`testdata/corpus`: the documents the
//! questions name and all the others as distractors), waits until it is compiled, then for
//! each question of `testdata/eval/questions.json`:
//! - `GET /api/search` — the rank of the first article compiled from the answering document
//!   (recall@1, recall@5, MRR over the first 20 results);
//! - `POST /api/ask` — whether each citation's quote is the cited source's text at its span,
//!   and whether the citations include the answering document.
//!
//! Run with `make eval` (`cargo bench -p gateway --bench eval`). Options after `--`:
//! `--questions PATH` reads another question set; `--dump-texts DIR` writes each source's clean
//! text there, to check questions against what the wiki actually holds; `--postgres` runs on a
//! fresh PostgreSQL database (`WIKIMIND_TEST_DATABASE_URL`) instead, to compare the two
//! indexes; `--fake-llm` compiles and answers through the fake model server (the OpenAI wire
//! protocol on loopback) instead of offline, and counts the model calls each source cost
//! (concept pages included); `--embeddings` makes search hybrid, the fake server embedding
//! every passage and question (trigram vectors), and measures the recall of the database's
//! nearest-passage search against an exact ranking. It prints a markdown report and asserts
//! nothing: it measures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use shared::config::{Secret, Settings};
use shared::llm::ProviderKind;
use testkit::backend::{Backend, TestEnv};
use testkit::corpus_server::corpus_dir;
use testkit::fake_llm::FakeLlm;

// Shared by the `eval` and `search` benches; each uses only part of it.
#[path = "../common/embeddings.rs"]
mod embeddings;
#[allow(dead_code)]
#[path = "../common/inproc.rs"]
mod inproc;

mod corpus;
mod network;
mod questions;
mod score;

use inproc::{Gateway, json_body};
use score::{Expected, Outcome, SEARCH_DEPTH};

/// How long ingesting and compiling the corpus may take before the run gives up.
const COMPILE_LIMIT: Duration = Duration::from_secs(900);

struct Args {
    questions: PathBuf,
    dump_texts: Option<PathBuf>,
    postgres: bool,
    fake_llm: bool,
    embeddings: bool,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut args = Args {
            questions: questions::default_path(),
            dump_texts: None,
            postgres: false,
            fake_llm: false,
            embeddings: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every bench binary.
                "--bench" => {}
                "--questions" => args.questions = it.next().context("--questions PATH")?.into(),
                "--postgres" => args.postgres = true,
                "--fake-llm" => args.fake_llm = true,
                "--embeddings" => args.embeddings = true,
                "--dump-texts" => {
                    args.dump_texts = Some(it.next().context("--dump-texts DIR")?.into())
                }
                other => bail!(
                    "unknown argument {other:?} (expected --questions PATH, --dump-texts DIR, --postgres, --fake-llm, --embeddings)"
                ),
            }
        }
        Ok(args)
    }
}

/// `POST path` with a JSON body; a non-2xx status is an error carrying the reply.
async fn post_json(gateway: &Gateway, path: &str, body: &Value) -> anyhow::Result<Value> {
    let reply = gateway
        .client()
        .post(gateway.url(path))
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {path}"))?;
    json_body(reply, &format!("POST {path}")).await
}

/// Compiles and answers through the fake model server, as an OpenAI-compatible provider.
fn use_fake_model(settings: &mut Settings, fake: &FakeLlm) {
    settings.llm.default_provider = Some(ProviderKind::Openai);
    settings.llm.openai.base_url = Some(format!("{}/v1", fake.url()));
    settings.llm.openai.api_key = Some(Secret::new("eval"));
    settings.llm.openai.enabled = Some(true);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let corpus_dir = corpus_dir();
    let questions = questions::load(&args.questions, &corpus_dir)?;
    let paths = corpus::documents(&corpus_dir)?;

    let (backend, backend_name) = if args.postgres {
        (Backend::Postgres, "PostgreSQL")
    } else {
        (Backend::Sqlite, "SQLite")
    };
    let env = TestEnv::with_backend(backend).await;
    let mut settings = env.settings();
    // The queue then lives in the data directory: the evaluation needs no Redis.
    settings.redis = None;
    let fake = if args.fake_llm || args.embeddings {
        Some(FakeLlm::start().await)
    } else {
        None
    };
    if let Some(fake) = fake.as_ref().filter(|_| args.fake_llm) {
        use_fake_model(&mut settings, fake);
    }
    if let Some(fake) = fake.as_ref().filter(|_| args.embeddings) {
        embeddings::use_fake_embeddings(&mut settings, fake);
    }
    let compiler = match (args.fake_llm, args.embeddings) {
        (true, false) => "fake model (OpenAI protocol)",
        (true, true) => "fake model (OpenAI protocol), hybrid search (fake embeddings)",
        (false, false) => "offline compiler",
        (false, true) => "offline compiler, hybrid search (fake embeddings)",
    };
    let wiki_dir = settings.data_dir.join("wiki");
    let gateway = Gateway::start(settings.clone(), true).await?;
    let corpus = corpus::ingest(&gateway, &corpus_dir, &paths, COMPILE_LIMIT).await?;
    if args.embeddings {
        // What the worker's passes left (a compile does not wait for a pass already running).
        embeddings::embed_all(gateway.db(), &settings).await?;
    }
    gateway.analyse().await?;
    // Every model call so far was made to compile the corpus: the sources' own (one per part
    // of a long one), the concept hierarchy's and the concept pages'.
    let calls =
        fake.as_ref()
            .filter(|_| args.fake_llm)
            .map_or(network::ModelCalls::default(), |f| {
                // The compile system prompt's first clause (no character JSON escapes) tells them apart.
                let opening = shared::compile::COMPILE_SYSTEM_PROMPT
                    .split(':')
                    .next()
                    .unwrap_or_default();
                let requests = f.requests();
                let count = |prompt: &str| {
                    requests
                        .iter()
                        .filter(|r| r.body.to_string().contains(prompt))
                        .count()
                };
                let compile = count(opening);
                let hierarchy = count(shared::wiki::HIERARCHY_SYSTEM_PROMPT);
                network::ModelCalls {
                    compile,
                    hierarchy,
                    other: requests.len() - compile - hierarchy,
                }
            });
    if let Some(dir) = &args.dump_texts {
        std::fs::create_dir_all(dir)?;
        for d in &corpus.documents {
            let name = d.path.replace('/', "__") + ".txt";
            std::fs::write(dir.join(name), d.text.iter().collect::<String>())?;
        }
    }

    let depth = SEARCH_DEPTH.to_string();
    let (mut search_time, mut ask_time) = (Duration::ZERO, Duration::ZERO);
    let mut outcomes = Vec::new();
    for q in &questions {
        let expected = Expected::new(q, &corpus)?;
        let started = Instant::now();
        let reply = gateway
            .get_json("/api/search", &[("q", &q.question), ("limit", &depth)])
            .await?;
        search_time += started.elapsed();
        let (rank, top) = score::rank(&reply, &expected);

        let started = Instant::now();
        let asked = post_json(&gateway, "/api/ask", &json!({ "question": q.question })).await?;
        ask_time += started.elapsed();
        let turn = &asked["turn"];
        outcomes.push(Outcome {
            question: q.question.clone(),
            answer: q.answer.clone(),
            rank,
            top,
            mode: turn["mode"].as_str().unwrap_or("?").to_owned(),
            cited: score::citations(turn, &expected, &corpus),
        });
    }
    let python: std::collections::HashSet<String> = corpus
        .documents
        .iter()
        .filter(|d| d.path.starts_with("html/python"))
        .flat_map(|d| d.article_ids.iter().cloned())
        .collect();
    let network = network::measure(&gateway, &wiki_dir, &python).await?;
    let recall = if args.embeddings {
        let texts: Vec<String> = questions.iter().map(|q| q.question.clone()).collect();
        Some(embeddings::measure(gateway.db(), &settings, &texts, &[5, 20, 120]).await?)
    } else {
        None
    };
    gateway.stop().await;

    let n = questions.len().max(1) as u32;
    let articles: usize = corpus.documents.iter().map(|d| d.article_ids.len()).sum();
    println!(
        "## Retrieval evaluation: {} questions over {} corpus documents ({articles} articles), {backend_name}, {compiler}\n",
        questions.len(),
        corpus.documents.len()
    );
    println!(
        "Corpus uploaded and compiled in {:.1} s; mean `GET /api/search` {:.1} ms, mean `POST /api/ask` {:.1} ms.\n",
        corpus.compile_wall.as_secs_f64(),
        (search_time / n).as_secs_f64() * 1000.0,
        (ask_time / n).as_secs_f64() * 1000.0,
    );
    score::report(&outcomes);
    network::report(&network, corpus.documents.len(), calls);
    if let Some(recall) = recall {
        println!(
            "\n### Nearest passages against an exact ranking\n\n{}",
            embeddings::TABLE_HEADER
        );
        for line in embeddings::table_rows(backend_name, "eval corpus", &recall) {
            println!("{line}");
        }
    }
    Ok(())
}
