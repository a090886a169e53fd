//! Text at the edges: NUL and other control characters are dropped alike on both dialects (a
//! NUL cannot be stored in PostgreSQL text at all), no response carries a database's own error
//! text, every title follows one rule, and any number of articles may share a title.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// Words that only a database's or driver's own error text would contain.
fn assert_no_database_text(body: &Value) {
    let text = body.to_string().to_lowercase();
    for leak in [
        "sqlx",
        "sqlite",
        "postgres",
        "invalid byte sequence",
        "0x00",
        "constraint",
        "syntax error",
    ] {
        assert!(!text.contains(leak), "the response leaks {leak:?}: {body}");
    }
}

#[tokio::test]
async fn nul_and_control_characters_are_dropped_and_the_note_compiles() {
    let app = spawn_app().await;
    let content = "# Lighthouse\u{0} keeping\n\nLighthouse keepers\u{0} tended the lamps of coastal \
                   towers\u{1} through the night.\u{0} They kept a log of passing ships.";
    let (status, body) = app
        .post_text(content, Some("Keepers\u{0} of the \u{202E}light"))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_no_database_text(&body);
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["source"]["title"], "Keepers of the light");

    let source = app.wait_for_source(&id, Duration::from_secs(60)).await;
    assert_eq!(source["status"], "compiled", "{source}");
    let text = app.source_text(&id).await;
    assert!(
        !text.contains('\u{0}') && !text.contains('\u{1}'),
        "{text:?}"
    );
    assert!(text.contains("Lighthouse keepers tended"), "{text:?}");

    let (_, articles) = app.get_json("/api/articles").await;
    let title = articles["items"][0]["title"].as_str().expect("title");
    assert!(!title.contains('\u{0}'), "{title:?}");

    // A question with a NUL is answered, not a 500.
    let (status, reply) = app
        .post_json(
            "/api/ask",
            &json!({"question": "What did lighthouse\u{0} keepers log?"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_no_database_text(&reply);
    let conversation = reply["conversation"]["id"].as_str().expect("id").to_owned();
    assert!(
        !reply["conversation"]["title"]
            .as_str()
            .unwrap_or("")
            .contains('\u{0}')
    );

    // Filing it back under a title with a NUL follows the same title rule.
    let (status, filed) = app
        .post_json(
            &format!("/api/conversations/{conversation}/file-back"),
            &json!({"title": "Keepers'\u{0} logs"}),
        )
        .await;
    assert_eq!(status, 200, "{filed}");
    assert_eq!(filed["article"]["title"], "Keepers' logs");
}

#[tokio::test]
async fn a_title_of_only_control_characters_counts_as_none_and_an_overlong_one_is_refused() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_text(
            "# From the heading\n\nA note whose title field held nothing printable.",
            Some("\u{0}\u{7}"),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["source"]["title"], "From the heading");

    let (status, body) = app
        .post_text("A note with a very long title.", Some(&"long ".repeat(100)))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("300"),
        "{body}"
    );
}

#[tokio::test]
async fn twenty_five_sources_with_the_same_title_all_compile_under_their_own_slugs() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let content = format!(
            "Note number {i} about harbour lights. Harbour light {i} shows a distinct pattern of \
             {} flashes so that sailors can tell it from its neighbours.",
            i + 2
        );
        let (status, body) = app.post_text(&content, Some("Harbour lights")).await;
        assert_eq!(status, 202, "{body}");
        ids.push(body["source"]["id"].as_str().expect("id").to_owned());
    }
    for id in &ids {
        let source = app.wait_for_source(id, Duration::from_secs(120)).await;
        assert_eq!(source["status"], "compiled", "{source}");
    }
    let (_, list) = app
        .get_json("/api/articles?limit=100&page_type=source")
        .await;
    let slugs: HashSet<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(slugs.len(), 25, "{slugs:?}");
    assert!(
        slugs.contains("harbour-lights") && slugs.contains("harbour-lights-25"),
        "{slugs:?}"
    );
}

#[tokio::test]
async fn an_address_holding_a_nul_is_refused_with_a_clear_error_on_every_route() {
    let app = spawn_app().await;
    let (status, body) = app.post_text("# Lamps\n\nLamps burn oil.", None).await;
    assert_eq!(status, 202, "{body}");
    for path in [
        "/api/articles?page_type=answer&q=lamp%00s",
        "/api/articles?q=%00",
        "/api/articles/lamp%00s",
        "/api/search?q=lamp%00",
        "/api/sources?q=lamp%00",
        "/api/concepts?q=lamp%00",
        "/api/graph?concept=lamp%00",
        "/wiki/lamp%00",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("NUL")),
            "{path}: {body}"
        );
        assert_no_database_text(&body);
    }
    // Nothing stored was touched: the note is still there, and the same search without the
    // NUL works.
    let (status, sources) = app.get_json("/api/sources").await;
    assert_eq!(status, 200);
    assert_eq!(sources["total"], 1, "{sources}");
    let (status, _) = app.get_json("/api/search?q=lamp").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn text_postgresql_cannot_hold_is_told_apart_from_a_server_fault() {
    let app = spawn_app().await;
    let filter = shared::db::articles::ArticleFilter {
        q: Some("lamp\u{0}".to_owned()),
        limit: 10,
        ..Default::default()
    };
    match (
        app.db.dialect(),
        shared::db::articles::list(&app.db, &filter).await,
    ) {
        // SQLite compares a NUL like any other character: nothing matches.
        ("sqlite", Ok((items, total))) => assert!(items.is_empty() && total == 0),
        ("postgres", Err(e)) => {
            assert!(e.is_unstorable_text(), "{e}");
            assert!(!e.is_out_of_space() && !e.is_read_only(), "{e}");
        }
        (dialect, other) => panic!("{dialect}: {other:?}"),
    }
    app.stop().await;
}
