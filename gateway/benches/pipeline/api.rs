//! Ingesting through the HTTP API and waiting until sources are compiled.

use super::*;

pub(crate) async fn ingest_url(client: &reqwest::Client, gateway: &Process, url: &str) -> String {
    let r = client
        .post(gateway.url("/api/sources/url"))
        .json(&json!({ "url": url }))
        .send()
        .await
        .expect("POST /api/sources/url");
    source_id(r).await
}

pub(crate) async fn ingest_file(
    client: &reqwest::Client,
    gateway: &Process,
    path: &Path,
) -> String {
    let bytes = std::fs::read(path).expect("corpus file");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = client
        .post(gateway.url("/api/sources/file"))
        .multipart(form)
        .send()
        .await
        .expect("POST /api/sources/file");
    source_id(r).await
}

pub(crate) async fn ingest_text(
    client: &reqwest::Client,
    gateway: &Process,
    content: &str,
) -> String {
    let r = client
        .post(gateway.url("/api/sources/text"))
        .json(&json!({ "content": content }))
        .send()
        .await
        .expect("POST /api/sources/text");
    source_id(r).await
}

pub(crate) async fn source_id(r: reqwest::Response) -> String {
    let status = r.status();
    let body: Value = r.json().await.expect("JSON answer");
    assert_eq!(status, 202, "ingest refused: {body}");
    body["source"]["id"].as_str().expect("source id").to_owned()
}

/// Per-source times from submission to `compiled`, measured by the client while polling.
pub(crate) struct Batch {
    pub(crate) wall: Duration,
    pub(crate) per_source: Vec<Duration>,
    pub(crate) peak_rss_mib: f64,
}

/// Waits until every source is final; panics if one fails, since a benchmark of failures
/// would be meaningless.
pub(crate) async fn wait_compiled(
    client: &reqwest::Client,
    gateway: &Process,
    submitted: &[(String, Instant)],
    started: Instant,
) -> Batch {
    let mut done: Vec<Option<Duration>> = vec![None; submitted.len()];
    let mut peak_rss_mib: f64 = 0.0;
    while done.iter().any(Option::is_none) {
        assert!(started.elapsed() < BATCH_LIMIT, "batch did not finish");
        for (slot, (id, at)) in done.iter_mut().zip(submitted) {
            if slot.is_some() {
                continue;
            }
            let source: Value = client
                .get(gateway.url(&format!("/api/sources/{id}")))
                .send()
                .await
                .expect("GET source")
                .json()
                .await
                .expect("source JSON");
            match source["status"].as_str() {
                Some("compiled") => *slot = Some(at.elapsed()),
                Some("failed") => panic!("source failed: {source}"),
                _ => {}
            }
        }
        peak_rss_mib = peak_rss_mib.max(gateway.memory_mib().0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Batch {
        wall: started.elapsed(),
        per_source: done.into_iter().flatten().collect(),
        peak_rss_mib,
    }
}

/// The slugs of the first 100 compiled articles; there must be some.
pub(crate) async fn article_slugs(client: &reqwest::Client, gateway: &Process) -> Vec<String> {
    let list: Value = client
        .get(gateway.url("/api/articles?limit=100"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list JSON");
    let slugs: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["slug"].as_str().map(str::to_owned))
        .collect();
    assert!(!slugs.is_empty(), "no articles to read");
    slugs
}
