//! The queries the benchmark sends, and the latency of `GET /api/search` over them.

use std::time::{Duration, Instant};

use serde::Deserialize;
use shared::search::STOPWORDS;

use uuid::Uuid;

use crate::exact::{self, Agreement};
use crate::inproc::Gateway;
use crate::seed::{Rng, SentencePool};

/// Results asked for per query: the web app's default page of results.
const LIMIT: &str = "20";
/// Queries sent before measuring, so caches and connections are warm as in a running wiki.
const WARM_UP: usize = 20;

#[derive(Deserialize)]
struct QuestionFile {
    questions: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    question: String,
}

/// One query sent.
pub(crate) struct Query {
    pub(crate) text: String,
    /// A whole question (from the evaluation) rather than a few keywords.
    pub(crate) question: bool,
}

/// `count` queries: the evaluation's questions (long, natural ones), then keyword queries of
/// one to four content words of a random corpus sentence, the way people type into a search
/// box.
pub(crate) fn build(pool: &SentencePool, count: usize) -> anyhow::Result<Vec<Query>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/eval/questions.json");
    let file: QuestionFile = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let mut queries: Vec<Query> = file
        .questions
        .into_iter()
        .map(|q| Query {
            text: q.question,
            question: true,
        })
        .take(count)
        .collect();
    let mut rng = Rng::new(0x5EA2C4);
    while queries.len() < count {
        // Words a person would search for: no stopwords, picked anywhere in the sentence.
        let words: Vec<String> = pool
            .sentence(&mut rng)
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
            .collect();
        let mut query: Vec<&str> = Vec::new();
        for _ in 0..rng.range(1, 4).min(words.len()) {
            let w = words[rng.range(0, words.len() - 1)].as_str();
            if !query.contains(&w) {
                query.push(w);
            }
        }
        if !query.is_empty() {
            queries.push(Query {
                text: query.join(" "),
                question: false,
            });
        }
    }
    Ok(queries)
}

/// Latency of one pass over the queries, one at a time; latencies sorted.
#[derive(Default)]
pub(crate) struct Measured {
    pub(crate) all: Vec<Duration>,
    pub(crate) questions: Vec<Duration>,
    pub(crate) keywords: Vec<Duration>,
    pub(crate) mean_results: f64,
    /// Queries that found nothing.
    pub(crate) empty: Vec<String>,
    /// How far the results agree with the exhaustive ranking.
    pub(crate) agreement: Agreement,
}

/// Sends every query once through the real router over loopback HTTP, after a warm-up.
pub(crate) async fn measure(gateway: &Gateway, queries: &[Query]) -> anyhow::Result<Measured> {
    for q in queries.iter().take(WARM_UP) {
        gateway
            .get_json("/api/search", &[("q", &q.text), ("limit", LIMIT)])
            .await?;
    }
    let (mut questions, mut keywords) = (Vec::new(), Vec::new());
    let (mut results, mut empty) = (0, Vec::new());
    let mut agreement = Agreement::default();
    for q in queries {
        let started = Instant::now();
        let reply = gateway
            .get_json("/api/search", &[("q", &q.text), ("limit", LIMIT)])
            .await?;
        let took = started.elapsed();
        if q.question {
            questions.push(took);
        } else {
            keywords.push(took);
        }
        let got: Vec<Uuid> = reply["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["article"]["id"].as_str()?.parse().ok())
            .collect();
        agreement.add(&got, &exact::ranking(gateway.db(), &q.text).await?);
        let n = got.len();
        results += n;
        if n == 0 {
            empty.push(q.text.clone());
        }
    }
    let mut all = [questions.as_slice(), keywords.as_slice()].concat();
    for v in [&mut all, &mut questions, &mut keywords] {
        v.sort();
    }
    Ok(Measured {
        all,
        questions,
        keywords,
        mean_results: results as f64 / queries.len().max(1) as f64,
        empty,
        agreement,
    })
}

/// The `p` quantile (0–1) of sorted durations, nearest rank.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
