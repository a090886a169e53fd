//! `wikimind add`: links, files and folders become sources; with `--wait`, a progress bar per
//! source until each is compiled or failed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{CliResult, Client, Failure};

/// Files a folder contributes: the kinds WikiMind reads.
const KINDS: [&str; 5] = ["md", "markdown", "txt", "html", "pdf"];
const POLL: Duration = Duration::from_millis(300);

/// One thing added and what became of it.
pub(crate) struct Added {
    pub(crate) item: String,
    pub(crate) outcome: Result<Value, Failure>,
}

fn is_link(item: &str) -> bool {
    item.starts_with("http://") || item.starts_with("https://")
}

/// The files under `dir` WikiMind reads, hidden folders (`.obsidian/`, `.git/`) skipped.
fn folder_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            folder_files(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| KINDS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Expands folders into their files; links and files stay as they are.
pub(crate) fn expand(items: &[String]) -> CliResult<Vec<String>> {
    let mut out = Vec::new();
    for item in items {
        let path = Path::new(item);
        if !is_link(item) && path.is_dir() {
            let mut files = Vec::new();
            folder_files(path, &mut files).map_err(|e| Failure::Local(format!("{item}: {e}")))?;
            out.extend(files.into_iter().map(|p| p.display().to_string()));
        } else {
            out.push(item.clone());
        }
    }
    Ok(out)
}

async fn add_one(client: &Client, item: &str) -> CliResult<Value> {
    if is_link(item) {
        return client
            .json(
                client
                    .request(Method::POST, "/api/sources/url")
                    .json(&json!({"url": item})),
            )
            .await;
    }
    let path = Path::new(item);
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Failure::Local(format!("{item}: {e}")))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("upload")
        .to_owned();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name),
    );
    client
        .json(
            client
                .request(Method::POST, "/api/sources/file")
                .multipart(form),
        )
        .await
}

/// Adds every item, one after another.
pub(crate) async fn add(client: &Client, items: &[String]) -> CliResult<Vec<Added>> {
    let mut added = Vec::new();
    for item in expand(items)? {
        let outcome = add_one(client, &item).await;
        if let Err(Failure::Unreachable(_)) = &outcome {
            return Err(outcome
                .err()
                .unwrap_or(Failure::Local("unreachable".into())));
        }
        added.push(Added { item, outcome });
    }
    Ok(added)
}

/// Statuses the wait ends at: done, failed, or waiting for the person (the budget to be
/// raised, or a go-ahead for a costly compile), which no amount of waiting here changes.
const SETTLED: [&str; 4] = ["compiled", "failed", "paused_budget", "awaiting_approval"];

/// Waits until each added source is settled (see [`SETTLED`]), a bar per source (on a
/// terminal); returns the sources as they ended.
pub(crate) async fn wait(client: &Client, added: &[Added], bars: bool) -> CliResult<Vec<Value>> {
    let multi = MultiProgress::new();
    if !bars {
        multi.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{bar:24} {percent:>3}% {prefix} · {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let mut pending: Vec<(String, ProgressBar)> = Vec::new();
    for a in added {
        if let Ok(reply) = &a.outcome
            && let Some(id) = reply["source"]["id"].as_str()
        {
            let bar = multi.add(ProgressBar::new(100));
            bar.set_style(style.clone());
            bar.set_prefix(a.item.clone());
            pending.push((id.to_owned(), bar));
        }
    }
    let mut finished = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for (id, bar) in pending {
            let source = match client.get(&format!("/api/sources/{id}")).await {
                Ok(source) => source,
                // Deleted meanwhile (by a person, or as a duplicate): nothing left to wait for.
                Err(Failure::Server { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
                    bar.finish_with_message("deleted");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let status = source["status"].as_str().unwrap_or("").to_owned();
            bar.set_message(status.clone());
            bar.set_position(progress(&status));
            if SETTLED.contains(&status.as_str()) {
                bar.finish();
                finished.push(source);
            } else {
                still.push((id, bar));
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(POLL).await;
        }
    }
    Ok(finished)
}

/// How far along a status is, for the bar.
fn progress(status: &str) -> u64 {
    match status {
        "pending" => 5,
        "fetching" => 20,
        "extracting" => 40,
        "compiling" => 70,
        "compiled" | "failed" | "paused_budget" | "awaiting_approval" => 100,
        _ => 50,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_gives_the_files_wikimind_reads_and_skips_hidden_ones() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("notes/.obsidian")).expect("dirs");
        std::fs::write(dir.path().join("notes/a.md"), "# A").expect("write");
        std::fs::write(dir.path().join("notes/b.PDF"), "%PDF").expect("write");
        std::fs::write(dir.path().join("notes/c.png"), "png").expect("write");
        std::fs::write(dir.path().join("notes/.obsidian/app.md"), "{}").expect("write");
        let items = expand(&[
            dir.path().join("notes").display().to_string(),
            "https://notes.test/page".to_owned(),
        ])
        .expect("expanded");
        let names: Vec<&str> = items
            .iter()
            .map(|i| i.rsplit('/').next().unwrap_or(i))
            .collect();
        assert_eq!(names, ["a.md", "b.PDF", "page"]);
    }
}
