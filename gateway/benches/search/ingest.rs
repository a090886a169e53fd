//! The time to ingest one more source into a wiki of a given size: a note of corpus sentences
//! posted over HTTP and waited for until it is compiled (extraction, the offline compiler,
//! links found from its mentions and to it from the articles that mention it, concept pages,
//! the search index). Relinking goes through the search index, never a scan of every article,
//! so this time should not grow with the wiki.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::inproc::{Gateway, json_body};
use crate::seed::{Rng, SentencePool};

/// Sentences in each note.
const NOTE_SENTENCES: usize = 12;
/// How long one note may take before the run gives up.
const LIMIT: Duration = Duration::from_secs(120);

/// Ingests `notes` notes one after another and returns each one's time from the request to
/// `compiled`, sorted. `round` keeps the notes of different rounds different.
pub(crate) async fn measure(
    gateway: &Gateway,
    pool: &SentencePool,
    round: u64,
    notes: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(notes);
    for i in 0..notes {
        let mut rng = Rng::new(0x001A_6E57 ^ (round << 16) ^ i as u64);
        let text: Vec<&str> = (0..NOTE_SENTENCES)
            .map(|_| pool.sentence(&mut rng))
            .collect();
        let started = Instant::now();
        let reply = gateway
            .client()
            .post(gateway.url("/api/sources/text"))
            .json(&json!({
                "title": format!("Ingest probe {round}.{i}"),
                "content": text.join(" "),
            }))
            .send()
            .await
            .context("POST /api/sources/text")?;
        let body = json_body(reply, "POST /api/sources/text").await?;
        let id = body["source"]["id"]
            .as_str()
            .context("the reply names no source")?
            .to_owned();
        loop {
            let source = gateway.get_json(&format!("/api/sources/{id}"), &[]).await?;
            match source["status"].as_str() {
                Some("compiled") => break,
                Some("failed") => bail!("the probe note failed: {source}"),
                _ if started.elapsed() > LIMIT => bail!("the probe note took over {LIMIT:?}"),
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        times.push(started.elapsed());
    }
    times.sort_unstable();
    Ok(times)
}
