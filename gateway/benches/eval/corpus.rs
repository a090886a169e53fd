//! The corpus as the wiki sees it: every document uploaded through the API and compiled,
//! then, per document, its source id, the articles compiled from it and its clean text.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::inproc::{Gateway, json_body};

/// One ingested document.
pub(crate) struct Document {
    /// Path under the corpus directory.
    pub(crate) path: String,
    pub(crate) source_id: String,
    /// Articles compiled from it (`GET /api/sources/{id}` `article_ids`).
    pub(crate) article_ids: HashSet<String>,
    /// The source's clean text as code points, the unit citation spans count in.
    pub(crate) text: Vec<char>,
}

/// Every ingested document, findable by path and by source id.
pub(crate) struct Corpus {
    pub(crate) documents: Vec<Document>,
    by_path: HashMap<String, usize>,
    by_source: HashMap<String, usize>,
    /// Upload of the first document until the last one is compiled.
    pub(crate) compile_wall: Duration,
}

impl Corpus {
    pub(crate) fn by_path(&self, path: &str) -> Option<&Document> {
        self.by_path.get(path).map(|&i| &self.documents[i])
    }

    pub(crate) fn by_source(&self, source_id: &str) -> Option<&Document> {
        self.by_source.get(source_id).map(|&i| &self.documents[i])
    }
}

/// The documents to ingest, as paths under `corpus`: every web page, licence text and PDF
/// (the 261-page one included: the offline compiler takes about a second over it).
pub(crate) fn documents(corpus: &Path) -> anyhow::Result<Vec<String>> {
    let mut paths = Vec::new();
    for dir in ["html/python", "html/debian-handbook", "text", "pdf"] {
        let entries = std::fs::read_dir(corpus.join(dir))
            .with_context(|| format!("listing {}", corpus.join(dir).display()))?;
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let path = format!("{dir}/{name}");
            let wanted = [".html", ".txt", ".pdf"]
                .iter()
                .any(|ext| name.ends_with(ext));
            if wanted {
                paths.push(path);
            }
        }
    }
    paths.sort();
    Ok(paths)
}

/// Uploads every document as a file, waits until all are compiled (a failure is an error:
/// scores over a partial corpus would mislead), then reads each one's articles and text.
pub(crate) async fn ingest(
    gateway: &Gateway,
    corpus: &Path,
    paths: &[String],
    limit: Duration,
) -> anyhow::Result<Corpus> {
    let started = Instant::now();
    let mut ids = Vec::new();
    for path in paths {
        ids.push(upload(gateway, &corpus.join(path)).await?);
    }
    let deadline = started + limit;
    for (path, id) in paths.iter().zip(&ids) {
        loop {
            let source = gateway.get_json(&format!("/api/sources/{id}"), &[]).await?;
            match source["status"].as_str() {
                Some("compiled") => break,
                Some("failed") => bail!("{path} failed to compile: {}", source["error"]),
                _ if Instant::now() > deadline => {
                    bail!("{path} still {} after {limit:?}", source["status"])
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
    let compile_wall = started.elapsed();

    let mut documents = Vec::new();
    for (path, id) in paths.iter().zip(ids) {
        let source = gateway.get_json(&format!("/api/sources/{id}"), &[]).await?;
        let article_ids = source["article_ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let text = gateway
            .client()
            .get(gateway.url(&format!("/api/sources/{id}/text")))
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("the text of {path}"))?
            .text()
            .await?;
        documents.push(Document {
            path: path.clone(),
            source_id: id,
            article_ids,
            text: text.chars().collect(),
        });
    }
    let by_path = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.path.clone(), i))
        .collect();
    let by_source = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.source_id.clone(), i))
        .collect();
    Ok(Corpus {
        documents,
        by_path,
        by_source,
        compile_wall,
    })
}

/// `POST /api/sources/file`; returns the new source's id.
async fn upload(gateway: &Gateway, path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("document")
        .to_owned();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.clone()),
    );
    let reply = gateway
        .client()
        .post(gateway.url("/api/sources/file"))
        .multipart(form)
        .send()
        .await
        .with_context(|| format!("uploading {name}"))?;
    let body = json_body(reply, &format!("uploading {name}")).await?;
    body["source"]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("uploading {name}: no source id in {body}"))
}
