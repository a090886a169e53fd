//! Importing a folder of notes or an Obsidian vault as a ZIP: one source per note, the vault's
//! own links kept; a hostile archive is refused whole and leaves nothing behind.

use std::io::{Cursor, Write};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with};

const LIMIT: Duration = Duration::from_secs(120);

/// A ZIP of `entries`, deflated.
fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

async fn import(app: &TestApp, zip: Vec<u8>) -> (u16, Value) {
    app.post_file_to("/api/sources/import", "vault.zip", zip)
        .await
}

#[tokio::test]
async fn a_vault_becomes_one_source_per_note_with_its_links_kept() {
    let app = spawn_app().await;
    let zip = archive(&[
        (
            "Garden/Compost.md",
            b"# Compost\n\nCompost turns kitchen scraps into soil over a season. It feeds the [[Raised beds]].",
        ),
        (
            "Garden/beds/Raised beds.md",
            b"Raised beds warm up early in spring and drain well after rain.",
        ),
        ("Garden/.obsidian/workspace.json", b"{}"),
        ("Garden/photo.png", b"\x89PNG\r\n"),
    ]);
    let (status, body) = import(&app, zip.clone()).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["added"], 2, "{body}");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items[0]["path"], "Garden/Compost.md");
    assert_eq!(items[1]["path"], "Garden/beds/Raised beds.md");
    let mut articles = Vec::new();
    for item in items {
        let id = item["source"]["id"].as_str().expect("id");
        let source = app.wait_for_source(id, LIMIT).await;
        assert_eq!(source["status"], "compiled", "{source}");
        articles.push(
            source["article_ids"][0]
                .as_str()
                .expect("article")
                .to_owned(),
        );
    }
    // The vault's own link is the wiki's: the compost page links to the raised beds page.
    let (_, compost) = app
        .get_json(&format!("/api/articles/{}", articles[0]))
        .await;
    assert!(
        compost["backlinks_out"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["article_id"] == articles[1].as_str())),
        "{compost}"
    );
    let (_, beds) = app
        .get_json(&format!("/api/articles/{}", articles[1]))
        .await;
    assert_eq!(beds["title"], "Raised beds", "named by its file: {beds}");

    // The same vault again adds nothing.
    let (status, again) = import(&app, zip).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["added"], 0);
    app.stop().await;
}

#[tokio::test]
async fn hostile_archives_are_refused_whole_and_leave_nothing() {
    let app = spawn_app_with(|s| s.ingest.max_upload_bytes = 64 * 1024).await;
    let escape = archive(&[
        ("notes/ok.md", b"# Fine\n\nA fine note."),
        ("../../etc/evil.md", b"# Evil"),
    ]);
    let (status, body) = import(&app, escape).await;
    assert_envelope(status, &body, 422);
    // A megabyte of zeros deflates to about a kilobyte: what it inflates to is what counts.
    let bomb = archive(&[
        ("ok.md", b"# Fine\n\nA fine note."),
        ("zeros.txt", &vec![b'0'; 1 << 20]),
    ]);
    assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
    let (status, body) = import(&app, bomb).await;
    assert_envelope(status, &body, 413);
    let (status, body) = import(&app, b"PK\x03\x04 not really a zip".to_vec()).await;
    assert_envelope(status, &body, 422);
    let (status, body) = import(&app, archive(&[("photo.jpg", b"\xff\xd8\xff")])).await;
    assert_envelope(status, &body, 422);
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 0, "nothing was stored");
    assert!(
        app.files().iter().all(|f| !f.starts_with("raw/")),
        "{:?}",
        app.files()
    );
    app.stop().await;
}
