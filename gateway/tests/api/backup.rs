//! Backup and restore through the `gateway backup` and `gateway restore` commands: a wiki
//! backed up on one database restores into the other dialect, and back, with the same
//! articles, claims, links and conversations; a damaged archive or a database that already
//! holds a wiki is refused without writing anything. The same restore through the API, into a
//! running WikiMind, is what `wikimind restore` does.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use testkit::backend::{Backend, TestEnv};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, start};
use crate::hybrid::CORPUS;
use crate::search::{ingest_corpus, search};

pub(crate) fn gateway(args: &[&str], env: &TestEnv) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gateway"));
    // Only the env's own database and queue: none inherited from the test run.
    for var in crate::helpers::INHERITED_SERVICE_VARS {
        command.env_remove(var);
    }
    command
        .args(args)
        .envs(env.process_env())
        .env("RUST_LOG", "warn")
        .output()
        .expect("the gateway binary runs")
}

pub(crate) fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn refused(output: &Output) -> String {
    assert!(!output.status.success(), "expected a refusal");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn other(backend: Backend) -> Backend {
    match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    }
}

/// Everything a reader sees of the wiki: every article in full (claims, links, backlinks,
/// concepts) and every conversation, in a stable order.
pub(crate) async fn wiki(app: &TestApp) -> Value {
    let (status, list) = app.get_json("/api/articles?limit=100").await;
    assert_eq!(status, 200, "{list}");
    let mut articles = Vec::new();
    for item in list["items"].as_array().expect("items") {
        let id = item["id"].as_str().expect("id");
        let (status, article) = app.get_json(&format!("/api/articles/{id}")).await;
        assert_eq!(status, 200, "{article}");
        articles.push(article);
    }
    articles.sort_by_key(|a| a["slug"].as_str().unwrap_or_default().to_owned());
    let (_, conversations) = app.get_json("/api/conversations").await;
    json!({"articles": articles, "conversations": conversations})
}

fn wiki_files(data_dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(data_dir.join("wiki"))
        .expect("wiki dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// The same wiki files, named and compared line by line so a difference is readable. The
/// index says when it was last generated, which a rewrite of the same index changes.
fn assert_same_files(left: &Path, right: &Path) {
    let (left, right) = (wiki_files(left), wiki_files(right));
    let names = |f: &[(String, String)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&left), names(&right));
    for ((name, a), (_, b)) in left.iter().zip(&right) {
        let differing: Vec<(&str, &str)> = a
            .lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y && !x.starts_with("generated: "))
            .collect();
        assert!(differing.is_empty(), "{name} differs: {differing:?}");
        assert_eq!(a.lines().count(), b.lines().count(), "{name}");
    }
}

#[tokio::test]
async fn a_backup_restores_into_the_other_dialect_and_back() {
    let app = spawn_app().await;
    ingest_corpus(&app, &CORPUS).await;
    let (status, answer) = app
        .post_json(
            "/api/ask",
            &json!({"question": "How does heapq keep a priority queue?"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let before = wiki(&app).await;
    let articles = before["articles"].as_array().expect("articles").len();
    assert!(articles >= 3, "{before}");
    // The index is rewritten in the background; the backup should hold the settled one.
    app.index_containing(&format!("**{articles} articles**"))
        .await;
    assert!(
        before["articles"]
            .as_array()
            .expect("articles")
            .iter()
            .any(|a| !a["claims"].as_array().is_none_or(Vec::is_empty)),
        "claims to compare"
    );

    let archives = tempfile::tempdir().expect("temporary directory");
    let first = archives.path().join("first.zip");
    let first_arg = first.to_str().expect("utf-8 path");
    let stdout = succeeded(&gateway(&["backup", "--output", first_arg], app.env()));
    assert!(stdout.contains("backed up"), "{stdout}");

    // Into the other dialect.
    let there = TestEnv::with_backend(other(Backend::selected())).await;
    let stdout = succeeded(&gateway(&["restore", first_arg], &there));
    assert!(stdout.contains("restored"), "{stdout}");
    let restored = start(there.settings(), true).await;
    assert_eq!(wiki(&restored).await, before);
    assert_same_files(&restored.data_dir, &app.data_dir);
    let reply = search(&restored, "heapq priority queue").await;
    assert!(
        !reply["results"].as_array().expect("results").is_empty(),
        "{reply}"
    );

    // A database that holds a wiki is never written over.
    let output = gateway(&["restore", first_arg], &there);
    assert!(refused(&output).contains("restore into an empty"));

    // And back, from the restored copy.
    let second = archives.path().join("second.zip");
    let second_arg = second.to_str().expect("utf-8 path");
    succeeded(&gateway(&["backup", "--output", second_arg], &there));
    let back = TestEnv::new().await;
    succeeded(&gateway(&["restore", second_arg], &back));
    let returned = start(back.settings(), true).await;
    assert_eq!(wiki(&returned).await, before);

    restored.stop().await;
    returned.stop().await;
    app.stop().await;
}

/// A copy of the ZIP `archive` whose entry `name` has `from` replaced by `to`.
fn with_entry_changed(archive: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("archive");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut changed = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let entry_name = entry.name().expect("name").into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read");
        if entry_name == name {
            let text = String::from_utf8(content).expect("text");
            assert!(text.contains(from), "{name} lacks {from}");
            content = text.replacen(from, to, 1).into_bytes();
            changed = true;
        }
        out.start_file(entry_name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&content).expect("write");
    }
    assert!(changed, "no entry {name}");
    out.finish().expect("finish").into_inner()
}

/// An app with one compiled note, and its backup (`good.zip` in a directory of its own).
async fn backed_up_note() -> (TestApp, tempfile::TempDir, std::path::PathBuf) {
    let app = spawn_app().await;
    app.compiled_note(
        "# Otters\n\nSea otters hold hands while they sleep so they do not drift apart.",
    )
    .await;
    let archives = tempfile::tempdir().expect("temporary directory");
    let good = archives.path().join("good.zip");
    succeeded(&gateway(
        &["backup", "--output", good.to_str().expect("path")],
        app.env(),
    ));
    (app, archives, good)
}

#[tokio::test]
async fn a_damaged_archive_is_refused_and_nothing_is_written() {
    let (app, archives, good) = backed_up_note().await;
    let bytes = std::fs::read(&good).expect("archive");

    // One word changed inside the articles' rows (the manifest left as it was), the archive
    // cut short, and something else entirely.
    let flipped = with_entry_changed(&bytes, "database/articles.jsonl", "Otters", "Others");
    let cut = bytes[..bytes.len() / 2].to_vec();
    for (name, damaged) in [
        ("flipped.zip", flipped),
        ("cut.zip", cut),
        ("text.zip", b"not an archive".to_vec()),
    ] {
        let path = archives.path().join(name);
        std::fs::write(&path, damaged).expect("write");
        let target = TestEnv::new().await;
        let stderr = refused(&gateway(
            &["restore", path.to_str().expect("path")],
            &target,
        ));
        assert!(
            stderr.contains("not a WikiMind backup that can be restored"),
            "{name}: {stderr}"
        );
        let untouched = start(target.settings(), false).await;
        let (_, list) = untouched.get_json("/api/articles").await;
        assert_eq!(list["total"], 0, "{name}: {list}");
        assert!(wiki_files(&untouched.data_dir).is_empty(), "{name}");
        untouched.stop().await;
    }
    app.stop().await;
}

#[tokio::test]
async fn every_column_of_the_schema_is_backed_up_or_left_out_on_purpose() {
    let app = spawn_app().await;
    let (unnamed, missing) = shared::db::backup::uncovered_columns(&app.db)
        .await
        .expect("schema read");
    assert!(
        unnamed.is_empty(),
        "columns no backup holds (add them to shared::db::backup::TABLES): {unnamed:?}"
    );
    assert!(missing.is_empty(), "columns the schema lacks: {missing:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_daily_backup_is_written_on_the_first_run_of_a_day_and_settings_show_it() {
    // Either day, should the test run across midnight (UTC).
    let days = [
        chrono::Utc::now().date_naive(),
        chrono::Utc::now()
            .date_naive()
            .succ_opt()
            .expect("tomorrow"),
    ];
    let app = spawn_app_with(|s| s.daily_backups = true).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let backups = loop {
        let (_, settings) = app.get_json("/api/settings").await;
        if !settings["backups"]["last"].is_null() {
            break settings["backups"].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{settings}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(backups["daily"], true);
    assert_eq!(backups["count"], 1);
    let names: Vec<String> = days
        .iter()
        .map(|d| format!("daily-{}.zip", d.format("%Y-%m-%d")))
        .collect();
    assert!(
        names.iter().any(|n| backups["last"]["name"] == n.as_str()),
        "{backups}"
    );
    let archive = app
        .data_dir
        .join("backups")
        .join(backups["last"]["name"].as_str().expect("name"));
    let manifest = shared::backup::verify(&archive).expect("a whole archive");
    assert_eq!(manifest.format, "wikimind-backup");
    app.stop().await;
}

#[tokio::test]
async fn the_vault_downloads_as_one_zip_and_other_formats_are_refused() {
    let app = spawn_app().await;
    let id = app
        .compiled_note(
            "# Otters\n\nSea otters hold hands while they sleep so they do not drift apart.",
        )
        .await;
    let (_, article) = app.get_json(&format!("/api/articles/{id}")).await;
    app.index_containing("Otters").await;
    let response = app.get("/api/export?format=obsidian").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/zip"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("disposition")
            .starts_with("attachment; filename=\"wikimind-vault-")
    );
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    let names: Vec<String> = (0..zip.len())
        .map(|i| {
            zip.by_index(i)
                .expect("entry")
                .name()
                .expect("name")
                .into_owned()
        })
        .collect();
    let slug = article["slug"].as_str().expect("slug");
    assert!(names.contains(&format!("{slug}.md")), "{names:?}");
    assert!(names.contains(&"index.md".to_owned()), "{names:?}");
    let (status, body) = app.get_json("/api/export?format=pdf").await;
    crate::helpers::assert_envelope(status, &body, 400);
    app.stop().await;
}

/// Like [`with_entry_changed`], with the manifest vouching for the changed entry: damage only
/// a restore part way through can find.
fn with_entry_changed_and_vouched(archive: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    use sha2::Digest;
    use std::io::Read;
    let changed = with_entry_changed(archive, name, from, to);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&changed)).expect("archive");
    let mut content = Vec::new();
    zip.by_name(name)
        .expect("entry")
        .read_to_end(&mut content)
        .expect("read");
    let mut manifest_text = String::new();
    zip.by_name("manifest.json")
        .expect("manifest")
        .read_to_string(&mut manifest_text)
        .expect("read");
    let mut manifest: Value = serde_json::from_str(&manifest_text).expect("json");
    for entry in manifest["entries"].as_array_mut().expect("entries") {
        if entry["path"] == name {
            entry["bytes"] = json!(content.len());
            entry["sha256"] = json!(hex::encode(sha2::Sha256::digest(&content)));
        }
    }
    with_entry_changed(
        &changed,
        "manifest.json",
        &manifest_text,
        &serde_json::to_string_pretty(&manifest).expect("json"),
    )
}

#[tokio::test]
async fn a_restore_that_fails_part_way_leaves_nothing_and_a_wiki_is_never_written_over() {
    let (app, archives, good) = backed_up_note().await;
    let good_arg = good.to_str().expect("path");

    // A row no database takes, found only once the sources before it are written.
    let bad = archives.path().join("bad-row.zip");
    let bytes = std::fs::read(&good).expect("archive");
    std::fs::write(
        &bad,
        with_entry_changed_and_vouched(&bytes, "database/articles.jsonl", "[\"", "[\"not-a-uuid"),
    )
    .expect("write");
    let target = TestEnv::new().await;
    let stderr = refused(&gateway(&["restore", bad.to_str().expect("path")], &target));
    assert!(stderr.contains("articles"), "{stderr}");
    let leftovers: Vec<String> = std::fs::read_dir(target.data_dir())
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    {
        let untouched = start(target.settings(), false).await;
        let (_, sources) = untouched.get_json("/api/sources").await;
        assert_eq!(sources["total"], 0, "{sources}");
        assert!(wiki_files(&untouched.data_dir).is_empty());
        assert_eq!(
            std::fs::read_dir(target.data_dir().join("raw"))
                .expect("raw")
                .count(),
            0
        );
        untouched.stop().await;
    }

    // The same target takes the good archive; emptied of its files, its database still holds
    // the wiki, and a second restore is refused.
    succeeded(&gateway(&["restore", good_arg], &target));
    for dir in ["raw", "wiki"] {
        let path = target.data_dir().join(dir);
        std::fs::remove_dir_all(&path).expect("remove");
        std::fs::create_dir_all(&path).expect("create");
    }
    let stderr = refused(&gateway(&["restore", good_arg], &target));
    assert!(
        stderr.contains("already holds a wiki (its sources have rows)"),
        "{stderr}"
    );
    app.stop().await;
}

/// A new WikiMind on `settings`, running and with an empty wiki — once it has written its
/// (empty) index.md, as every running WikiMind does at once, so that a restore over the API
/// meets what it meets in use.
pub(crate) async fn running_and_empty(settings: shared::config::Settings) -> TestApp {
    let app = start(settings, true).await;
    let index = app.data_dir.join("wiki/index.md");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !index.exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new WikiMind wrote no index.md"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app
}

/// Sends `bytes` to `POST /api/backups/restore` as `content_type`.
pub(crate) async fn send_archive(
    app: &TestApp,
    bytes: Vec<u8>,
    content_type: &str,
) -> (u16, Value) {
    let reply = app
        .client
        .post(app.url("/api/backups/restore"))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("the request is answered");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_archive_sent_over_the_api_restores_only_into_an_empty_wiki_and_only_whole() {
    let (app, archives, good) = backed_up_note().await;
    let bytes = std::fs::read(&good).expect("archive");
    let before = wiki(&app).await;

    // Over a wiki that holds something, and a body that is not an archive at all: each refused
    // with its own status, and nothing stored changes.
    let (status, body) = send_archive(&app, bytes.clone(), "application/zip").await;
    crate::helpers::assert_envelope(status, &body, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("restore into an empty")),
        "{body}"
    );
    let (status, body) = send_archive(&app, bytes.clone(), "text/plain").await;
    crate::helpers::assert_envelope(status, &body, 415);
    assert_eq!(wiki(&app).await, before);
    // The uploads were not left behind.
    let backups: Vec<String> = std::fs::read_dir(app.data_dir.join("backups"))
        .map(|d| {
            d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(backups.iter().all(|n| !n.ends_with(".part")), "{backups:?}");

    // Into a new WikiMind on the other database, running: the same wiki, searchable at once.
    let there = TestEnv::with_backend(other(Backend::selected())).await;
    let restored = running_and_empty(there.settings()).await;
    // A damaged archive first: refused, and the new WikiMind stays empty.
    let flipped = with_entry_changed(&bytes, "database/articles.jsonl", "Otters", "Others");
    let (status, body) = send_archive(&restored, flipped, "application/zip").await;
    crate::helpers::assert_envelope(status, &body, 422);
    let (_, list) = restored.get_json("/api/articles").await;
    assert_eq!(list["total"], 0, "{list}");
    let (status, body) = send_archive(&restored, bytes, "application/octet-stream").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dialect"], app.db.dialect(), "{body}");
    assert!(body["rows"].as_u64().is_some_and(|n| n > 0), "{body}");
    assert_eq!(wiki(&restored).await, before);
    // index.md is written again from the restored database.
    app.index_containing("otters").await;
    restored.index_containing("otters").await;
    assert_same_files(&restored.data_dir, &app.data_dir);
    let reply = search(&restored, "otters hold hands").await;
    assert!(
        reply["results"][0]["article"]["title"] == "Otters",
        "{reply}"
    );
    drop(archives);
    restored.stop().await;
    app.stop().await;
}
