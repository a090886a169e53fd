//! Archives moving between the command line and the server: a backup made there and saved
//! here, an archive sent there and restored, the vault downloaded.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::Method;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::client::{CliResult, Client, Failure};

/// Makes a backup on the server and saves it to `output` (by default under the archive's own
/// name, here); returns the server's description of it and where it was saved.
pub(crate) async fn backup(
    client: &Client,
    output: Option<&Path>,
    bars: bool,
) -> CliResult<(Value, PathBuf)> {
    let made = client
        .json(client.request(Method::POST, "/api/backups"))
        .await?;
    // Only a plain file name is taken from the server, here and in the URL.
    let name = made["name"]
        .as_str()
        .filter(|n| Path::new(n).file_name() == Some(std::ffi::OsStr::new(n)))
        .ok_or_else(|| Failure::Local("the server named no archive".to_owned()))?;
    let output = output.map_or_else(|| PathBuf::from(name), Path::to_owned);
    download(
        client,
        &format!("/api/backups/{}", crate::urlencoding(name)),
        &output,
        bars,
    )
    .await?;
    Ok((made, output))
}

/// Sends the archive at `path` to the server, which restores it into its empty wiki; returns
/// what it restored.
pub(crate) async fn restore(client: &Client, path: &Path, bars: bool) -> CliResult<Value> {
    let local = |e: std::io::Error| Failure::Local(format!("{}: {e}", path.display()));
    let file = tokio::fs::File::open(path).await.map_err(local)?;
    let size = file.metadata().await.map_err(local)?.len();
    let bar = bar(Some(size), bars, "sending");
    let counted = bar.clone();
    let body = tokio_util::io::ReaderStream::new(file).inspect(move |chunk| {
        if let Ok(chunk) = chunk {
            counted.inc(chunk.len() as u64);
        }
    });
    let request = client
        .request(Method::POST, "/api/backups/restore")
        .header(reqwest::header::CONTENT_TYPE, "application/zip")
        .header(reqwest::header::CONTENT_LENGTH, size)
        .body(reqwest::Body::wrap_stream(body));
    let reply = client.json(request).await;
    bar.finish_and_clear();
    reply
}

/// Saves a download to `output`, streamed, written aside and renamed into place.
pub(crate) async fn download(
    client: &Client,
    path: &str,
    output: &Path,
    bars: bool,
) -> CliResult<()> {
    let response = client.send(client.request(Method::GET, path)).await?;
    let bar = bar(response.content_length(), bars, "receiving");
    let partial = output.with_extension("partial");
    let local = |e: std::io::Error| Failure::Local(format!("{}: {e}", output.display()));
    let mut file = tokio::fs::File::create(&partial).await.map_err(local)?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Failure::Local(format!("the download broke: {e}")))?;
        file.write_all(&chunk).await.map_err(local)?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    file.sync_all().await.map_err(local)?;
    tokio::fs::rename(&partial, output).await.map_err(local)?;
    Ok(())
}

/// A byte counter on standard error, drawn only when asked and on a terminal.
fn bar(total: Option<u64>, bars: bool, what: &str) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
    if !bars || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let template = match total {
        Some(_) => "{bar:24} {bytes}/{total_bytes} {prefix} ({eta} left)",
        None => "{spinner} {bytes} {prefix}",
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(what.to_owned());
    bar
}
