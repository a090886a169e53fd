//! Embeddings in the benches: the fake model server as the provider (trigram counts, 256
//! dimensions), a pass that embeds every passage, and the recall of the database's
//! nearest-passage search (sqlite-vec, pgvector's HNSW index, or the exact scan, whichever the
//! database offers) against an exact ranking made here from every stored vector: for each
//! question, the share of its true `k` nearest passages the database returned. An approximate
//! index loses recall; an exact search has 1.0 up to ties (the reference being the same exact
//! ranking, for the exact paths this checks agreement, not quality).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use shared::config::{EmbeddingProvider, EmbeddingSettings, Secret, Settings};
use shared::db::Db;
use shared::embed::vector;
use shared::llm::NullCostRecorder;
use testkit::fake_llm::FakeLlm;

/// Points the settings' embedding provider at the fake server.
pub(crate) fn use_fake_embeddings(settings: &mut Settings, fake: &FakeLlm) {
    settings.embeddings = Some(EmbeddingSettings {
        provider: EmbeddingProvider::Openai,
        model: "text-embedding-3-small".to_owned(),
        base_url: Some(format!("{}/v1", fake.url())),
        api_key: Some(Secret::new("bench")),
        dimensions: None,
        min_similarity: 0.45,
    });
}

/// Embeds every passage without a vector; returns the time taken and how many were embedded.
pub(crate) async fn embed_all(db: &Db, settings: &Settings) -> anyhow::Result<(Duration, usize)> {
    let embedder = shared::embed::from_settings(settings, Arc::new(NullCostRecorder))?
        .context("no embedding provider configured")?;
    let started = Instant::now();
    let report = shared::embed::index_pending(db, &embedder, &settings.llm.budget, None).await?;
    Ok((started.elapsed(), report.embedded))
}

/// Recall of the database's search over a question set.
pub(crate) struct Recall {
    /// How the database finds nearest passages (`/health/ready`'s `vectors` check).
    pub(crate) index: String,
    pub(crate) questions: usize,
    pub(crate) vectors: usize,
    /// `(k, mean recall at k)`, for each `k` asked.
    pub(crate) at: Vec<(usize, f64)>,
    /// Mean time of one database search for the largest `k` (the question embedded already).
    pub(crate) search_mean: Duration,
}

/// Measures recall at each of `ks` over `questions`, with the embedding model of `settings`.
pub(crate) async fn measure(
    db: &Db,
    settings: &Settings,
    questions: &[String],
    ks: &[usize],
) -> anyhow::Result<Recall> {
    let embedder = shared::embed::from_settings(settings, Arc::new(NullCostRecorder))?
        .context("no embedding provider configured")?;
    let model = embedder.model_id();
    let stored = every_vector(db, &model).await?;
    let deepest = ks.iter().copied().max().unwrap_or(10);
    let mut sums = vec![0.0; ks.len()];
    let mut search_time = Duration::ZERO;
    for q in questions {
        let query = embedder.embed_query(q).await?;
        let mut exact: Vec<(i64, f32)> = stored
            .iter()
            .map(|(id, v)| (*id, vector::dot(&query, v)))
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Each depth is its own search, as a caller asking for k gets it (an approximate
        // index searches wider for a larger k).
        for (sum, &k) in sums.iter_mut().zip(ks) {
            let started = Instant::now();
            let found = shared::db::vectors::nearest(db, &model, &query, k).await?;
            if k == deepest {
                search_time += started.elapsed();
            }
            let truth: HashSet<i64> = exact.iter().take(k).map(|(id, _)| *id).collect();
            let hits = found.iter().filter(|(id, _)| truth.contains(id)).count();
            *sum += hits as f64 / truth.len().max(1) as f64;
        }
    }
    let n = questions.len().max(1);
    let index = serde_json::to_value(shared::db::vectors::search_path(db).await?)?;
    Ok(Recall {
        index: index["index"].as_str().unwrap_or("?").to_owned(),
        questions: questions.len(),
        vectors: stored.len(),
        at: ks
            .iter()
            .copied()
            .zip(sums.iter().map(|s| s / n as f64))
            .collect(),
        search_mean: search_time / u32::try_from(n).unwrap_or(u32::MAX),
    })
}

/// Every stored vector of `model`, read here (not through the product's search).
async fn every_vector(db: &Db, model: &str) -> anyhow::Result<Vec<(i64, Vec<f32>)>> {
    Ok(match db {
        Db::Sqlite(p) => {
            let rows: Vec<(i64, Vec<u8>)> =
                sqlx::query_as("select chunk_id, vector from search_vectors where model = $1")
                    .bind(model)
                    .fetch_all(p)
                    .await?;
            rows.into_iter()
                .filter_map(|(id, blob)| vector::from_blob(&blob).map(|v| (id, v)))
                .collect()
        }
        Db::Postgres(p) => {
            sqlx::query_as("select chunk_id, vector from search_vectors where model = $1")
                .bind(model)
                .fetch_all(p)
                .await?
        }
    })
}

/// The report's table rows, one per `k`.
pub(crate) fn table_rows(backend: &str, scale: &str, r: &Recall) -> Vec<String> {
    r.at.iter()
        .map(|(k, recall)| {
            format!(
                "| {backend} | {scale} | {} | {} | {} | {k} | {recall:.3} | {:.1} ms |",
                r.index,
                r.vectors,
                r.questions,
                r.search_mean.as_secs_f64() * 1000.0
            )
        })
        .collect()
}

/// The header of [`table_rows`]' table.
pub(crate) const TABLE_HEADER: &str = "| backend | wiki | vector search | vectors | questions | k | recall@k | search mean |\n|---|---|---|---|---|---|---|---|";
