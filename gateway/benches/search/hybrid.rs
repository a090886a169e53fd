//! `--hybrid`: the same measurement with an embedding provider configured, so every query also
//! embeds the question and scans the passage vectors. The provider is the fake LLM server on
//! loopback (OpenAI wire format, trigram vectors of 256 dimensions): the latency measured is
//! WikiMind's (the HTTP round trip, the exact scan, the fusion), not a real model's, and the
//! ranking quality of trigram vectors means nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use shared::config::{EmbeddingProvider, EmbeddingSettings, Secret, Settings};
use shared::db::Db;
use shared::llm::NullCostRecorder;
use testkit::fake_llm::{EMBEDDING_DIMENSIONS, FakeLlm};

/// Points the settings' embedding provider at the fake server.
pub(crate) fn configure(settings: &mut Settings, fake: &FakeLlm) {
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

/// Memory the gateway's vector index needs for `vectors` passages, in MiB.
pub(crate) fn index_mib(vectors: usize) -> f64 {
    (vectors * EMBEDDING_DIMENSIONS * 4) as f64 / (1024.0 * 1024.0)
}
