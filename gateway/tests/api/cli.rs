//! The `wikimind` command line against a running WikiMind: a folder added (and compiled), a
//! question answered with citations, search, the article list, status, and a backup made
//! through the API that `wikimind restore` brings into a new WikiMind on the other dialect
//! with the same wiki. Exit codes tell
//! scripts what happened.

use std::process::Output;

use tokio::process::Command;

use serde_json::{Value, json};
use testkit::backend::{Backend, TestEnv};
use testkit::fake_llm::FakeLlm;

use crate::backup::{other, running_and_empty, succeeded, wiki};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Runs the command line without blocking the runtime the application serves on; one that
/// hangs fails the test instead of stalling the run.
async fn wikimind(app: &TestApp, args: &[&str]) -> Output {
    let run = Command::new(env!("CARGO_BIN_EXE_wikimind"))
        .args(args)
        .env("WIKIMIND_URL", &app.address)
        .env_remove("WIKIMIND_TOKEN")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(300), run)
        .await
        .unwrap_or_else(|_| panic!("wikimind {args:?} did not finish"))
        .expect("the wikimind binary runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[tokio::test]
async fn a_folder_added_asked_searched_and_backed_up_from_the_command_line() {
    // Anthropic, once a key is saved below, is served on loopback: nothing leaves the machine.
    let fake = FakeLlm::start().await;
    let fake_url = fake.url();
    let app = spawn_app_with({
        let url = fake_url.clone();
        move |s| s.llm.anthropic.base_url = Some(url)
    })
    .await;
    let notes = tempfile::tempdir().expect("folder");
    std::fs::create_dir_all(notes.path().join("vault/.obsidian")).expect("dirs");
    std::fs::write(
        notes.path().join("vault/otters.md"),
        "# Otters\n\nSea otters hold hands while they sleep so they do not drift apart. \
         An otter eats about a quarter of its weight in food every day.",
    )
    .expect("write");
    std::fs::write(
        notes.path().join("vault/kelp.md"),
        "# Kelp\n\nKelp forests grow along cold rocky coasts. Sea urchins graze kelp \
         when otters are scarce, so otters keep the forests standing.",
    )
    .expect("write");
    std::fs::write(notes.path().join("vault/.obsidian/app.md"), "{}").expect("write");
    let folder = notes.path().join("vault").display().to_string();

    let added = wikimind(&app, &["add", &folder]).await;
    let stdout = succeeded(&added);
    assert!(stdout.contains("2 of 2 compiled"), "{stdout}");

    let list = wikimind(&app, &["--json", "articles"]).await;
    assert!(list.status.success());
    // Two pages from the notes, and the concept page they share.
    let total = json_of(&list)["total"].as_i64().expect("total");
    assert!(total >= 2, "{total}");

    let answer = wikimind(
        &app,
        &["ask", "Why do sea otters hold hands while they sleep?"],
    )
    .await;
    let stdout = succeeded(&answer);
    assert!(stdout.contains("[1] Otters"), "{stdout}");
    let answer = wikimind(&app, &["--json", "ask", "How much does an otter eat?"]).await;
    let reply = json_of(&answer);
    assert!(
        !reply["turn"]["citations"]
            .as_array()
            .expect("citations")
            .is_empty(),
        "{reply}"
    );

    let found = wikimind(&app, &["search", "kelp forests"]).await;
    assert!(succeeded(&found).contains("Kelp (kelp)"));

    let status = wikimind(&app, &["status"]).await;
    let stdout = succeeded(&status);
    assert!(
        stdout.contains(&format!("articles: {total}, sources: 2")),
        "{stdout}"
    );

    // A provider key saved in Settings (sealed with this data directory's secret key)...
    let (status, view) = app
        .put_json(
            "/api/settings/providers/anthropic",
            &json!({"api_key": "sk-ant-carried-0123456789"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");

    // ...and the wiki, backed up from the command line, restore into a new WikiMind on the
    // other database, running, with the same wiki and a key it can still open.
    app.index_containing(&format!("**{total} articles**")).await;
    let before = wiki(&app).await;
    let archives = tempfile::tempdir().expect("dir");
    let archive = archives.path().join("from-the-cli.zip");
    let archive_arg = archive.to_str().expect("path");
    succeeded(&wikimind(&app, &["backup", "--output", archive_arg]).await);
    let there = TestEnv::with_backend(other(Backend::selected())).await;
    let mut settings = there.settings();
    settings.llm.anthropic.base_url = Some(fake_url);
    let restored = running_and_empty(settings).await;
    let stdout = succeeded(&wikimind(&restored, &["restore", archive_arg]).await);
    assert!(stdout.contains("restored"), "{stdout}");
    assert_eq!(wiki(&restored).await, before);
    let (_, view) = restored.get_json("/api/settings").await;
    let anthropic = view["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["kind"] == "anthropic"))
        .expect("listed");
    assert_eq!(anthropic["key"], "settings", "{view}");
    // A second restore would write over a wiki: refused, and said so.
    let again = wikimind(&restored, &["restore", archive_arg]).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("restore into an empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    restored.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn exit_codes_tell_a_refusal_from_an_unreachable_server() {
    let app = spawn_app().await;
    let missing = wikimind(&app, &["add", "/nonexistent/notes.md"]).await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("refused /nonexistent/notes.md"));

    let empty = wikimind(&app, &["ask", "   "]).await;
    assert_eq!(
        empty.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );

    let usage = wikimind(&app, &["add"]).await;
    assert_eq!(usage.status.code(), Some(2));

    let nowhere = Command::new(env!("CARGO_BIN_EXE_wikimind"))
        .args(["--url", "http://127.0.0.1:9", "status"])
        .output()
        .await
        .expect("runs");
    assert_eq!(nowhere.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("cannot reach WikiMind"));
    app.stop().await;
}
