//! Bad input is refused with the JSON envelope and leaves nothing behind.

use serde_json::json;

use crate::helpers::{assert_envelope, spawn_app};

#[tokio::test]
async fn empty_text_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (status, body) = app.post_text("   \n\t ", None).await;
    assert_envelope(status, &body, 422);
    assert!(
        app.files().iter().all(|f| !f.starts_with("raw/")),
        "{:?}",
        app.files()
    );
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn text_over_the_limit_is_refused_with_413() {
    let app = crate::helpers::spawn_app_with(|s| s.ingest.max_text_bytes = 1024).await;
    let (status, body) = app.post_text(&"word ".repeat(400), None).await;
    assert_envelope(status, &body, 413);
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn malformed_json_and_unknown_fields_are_refused() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/sources/text"))
        .header("content-type", "application/json")
        .body("{\"content\": ")
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.expect("json");
    assert_envelope(status, &body, 400);

    let (status, body) = app
        .post_json(
            "/api/sources/text",
            &json!({"content": "hello", "colour": "red"}),
        )
        .await;
    assert_envelope(status, &body, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{body}"
    );
}

#[tokio::test]
async fn non_http_and_private_urls_are_refused() {
    let app = crate::helpers::spawn_app_with(|s| s.ingest.allow_private_urls = false).await;
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:22/",
        "http://localhost:7842/",
        "http://[::ffff:127.0.0.1]:9/",
        "ftp://example.com/x",
        "not a url",
    ] {
        let (status, body) = app.post_url(url).await;
        assert_envelope(status, &body, 422);
    }
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 0);
    assert!(app.files().iter().all(|f| !f.starts_with("raw/")));
}

#[tokio::test]
async fn a_png_named_pdf_is_refused_as_unsupported() {
    let app = spawn_app().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    let (status, body) = app.post_file("paper.pdf", png).await;
    assert_envelope(status, &body, 415);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("PNG"),
        "{body}"
    );
    assert!(app.files().iter().all(|f| !f.starts_with("raw/")));
}

#[tokio::test]
async fn a_file_name_with_a_path_is_refused() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_file("../../x.md", b"# Escape\n\nsome text".to_vec())
        .await;
    assert_envelope(status, &body, 422);
    assert!(
        app.files().iter().all(|f| !f.starts_with("raw/")),
        "{:?}",
        app.files()
    );
    assert!(!app.data_dir.parent().expect("parent").join("x.md").exists());
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413() {
    let app = crate::helpers::spawn_app_with(|s| s.ingest.max_upload_bytes = 4096).await;
    let (status, body) = app
        .post_file("big.txt", "words ".repeat(2000).into_bytes())
        .await;
    assert_envelope(status, &body, 413);
}

#[tokio::test]
async fn unknown_api_paths_and_bad_ids_get_the_envelope() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/nope").await;
    assert_envelope(status, &body, 404);
    let (status, body) = app.get_json("/api/sources/not-an-id").await;
    assert_envelope(status, &body, 400);
    let (status, body) = app
        .get_json(&format!("/api/sources/{}", uuid::Uuid::now_v7()))
        .await;
    assert_envelope(status, &body, 404);
    let (status, body) = app.get_json("/api/sources?limit=0").await;
    assert_envelope(status, &body, 400);
    let (status, body) = app.get_json("/api/sources?status=bogus").await;
    assert_envelope(status, &body, 400);
}

#[tokio::test]
async fn the_request_id_is_echoed_and_put_in_errors() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/nope"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .expect("request");
    assert_eq!(r.headers()["x-request-id"], "trace-42");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["request_id"], "trace-42");
}
