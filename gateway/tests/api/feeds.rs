//! Feeds: a subscription to an RSS feed on loopback is polled by the worker; each item becomes
//! one source (its page, or its own content when it has no page or the page is gone), never
//! twice; a feed answered 304 adds nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_envelope, spawn_app};

const LIMIT: Duration = Duration::from_secs(60);

/// A feed and its pages on loopback; the feed answers conditional GETs by its `ETag`.
#[derive(Clone)]
struct FeedServer {
    items: Arc<Mutex<Vec<String>>>,
    not_modified: Arc<AtomicUsize>,
    address: Arc<Mutex<String>>,
}

impl FeedServer {
    async fn start() -> FeedServer {
        let server = FeedServer {
            items: Arc::default(),
            not_modified: Arc::default(),
            address: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        *server.address.lock().expect("lock") = listener.local_addr().expect("addr").to_string();
        let app = axum::Router::new()
            .route("/feed.xml", axum::routing::get(feed))
            .route("/page.html", axum::routing::get(not_a_feed))
            .route("/posts/{name}", axum::routing::get(post))
            .with_state(server.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address.lock().expect("lock"))
    }

    fn add_item(&self, item: String) {
        self.items.lock().expect("lock").push(item);
    }
}

fn linked(server: &FeedServer, guid: &str, title: &str, path: &str, content: &str) -> String {
    format!(
        "<item><guid>{guid}</guid><title>{title}</title><link>{}</link>\
         <description>{content}</description></item>",
        server.url(path)
    )
}

async fn feed(State(s): State<FeedServer>, headers: HeaderMap) -> Response {
    let items = s.items.lock().expect("lock").clone();
    let etag = format!("\"items-{}\"", items.len());
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        s.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    // Feeds list the newest item first.
    let body: String = items.iter().rev().cloned().collect();
    let xml = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour notes</title>\
         <link>{}</link><description>Notes</description>{body}</channel></rss>",
        s.url("/")
    );
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_owned()),
            (header::ETAG, etag),
        ],
        xml,
    )
        .into_response()
}

async fn not_a_feed() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body><p>Just a page.</p></body></html>",
    )
        .into_response()
}

async fn post(Path(name): Path<String>) -> Response {
    let text = match name.as_str() {
        "tides.html" => {
            "High tide at the harbour comes at six in the morning. The harbour master posts \
             the tide tables on the quay every Monday."
        }
        "lamps.html" => {
            "The lighthouse lamp burned whale oil until the keepers changed it for paraffin. \
             Each wick was trimmed at dusk and again at midnight."
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>{name}</title></head><body><p>{text}</p></body></html>"),
    )
        .into_response()
}

async fn sources(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get_json("/api/sources?limit=100").await;
    list["items"].as_array().cloned().unwrap_or_default()
}

/// Waits until `n` sources exist and none is still in the pipeline.
async fn settled_sources(app: &TestApp, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let items = sources(app).await;
        let done = items
            .iter()
            .all(|s| matches!(s["status"].as_str(), Some("compiled" | "failed")));
        if items.len() == n && done {
            return items;
        }
        assert!(items.len() <= n, "more sources than items: {items:#?}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} sources: {items:#?}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn feed_row(app: &TestApp, id: &str) -> Value {
    let (_, list) = app.get_json("/api/feeds").await;
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|f| f["id"] == id).cloned())
        .unwrap_or_else(|| panic!("feed {id} in {list}"))
}

/// Waits until the feed's last poll is after `after` (an RFC 3339 time, or null).
async fn polled_after(app: &TestApp, id: &str, after: &Value) -> Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let feed = feed_row(app, id).await;
        if !feed["last_polled_at"].is_null() && feed["last_polled_at"] != *after {
            return feed;
        }
        assert!(tokio::time::Instant::now() < deadline, "{feed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn each_feed_item_becomes_one_source_and_an_unchanged_feed_adds_none() {
    let server = FeedServer::start().await;
    server.add_item(linked(
        &server,
        "t1",
        "Harbour tides",
        "/posts/tides.html",
        "Tides.",
    ));
    server.add_item(linked(
        &server,
        "l1",
        "Lamps",
        "/posts/lamps.html",
        "Lamps.",
    ));
    server.add_item(
        "<item><guid>n1</guid><title>Fog bell</title><description>&lt;p&gt;The fog bell \
         rang every thirty seconds while the fog lay on the harbour mouth.&lt;/p&gt;\
         </description></item>"
            .to_owned(),
    );
    let app = spawn_app().await;
    let (status, feed) = app
        .post_json("/api/feeds", &json!({"url": server.url("/feed.xml")}))
        .await;
    assert_eq!(status, 201, "{feed}");
    let id = feed["id"].as_str().expect("id").to_owned();
    assert_eq!(feed["poll_secs"], 3600, "hourly by default: {feed}");

    let three = settled_sources(&app, 3).await;
    assert!(
        three.iter().all(|s| s["status"] == "compiled"),
        "{three:#?}"
    );
    let urls: Vec<&str> = three.iter().filter_map(|s| s["url"].as_str()).collect();
    assert_eq!(urls.len(), 2, "two items link to pages: {three:#?}");
    assert!(three.iter().any(|s| s["kind"] == "html"), "{three:#?}");
    let row = polled_after(&app, &id, &Value::Null).await;
    assert_eq!(row["title"], "Harbour notes", "{row}");
    assert_eq!(row["item_count"], 3, "{row}");

    // A fourth item whose page is gone: its own content is compiled instead.
    server.add_item(linked(
        &server,
        "g1",
        "Keepers",
        "/posts/gone.html",
        "The keepers kept a log of every ship that passed the light at night.",
    ));
    let before = row["last_polled_at"].clone();
    let (status, body) = app
        .post_json(&format!("/api/feeds/{id}/poll"), &json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    let row = polled_after(&app, &id, &before).await;
    let four = settled_sources(&app, 4).await;
    let gone = four
        .iter()
        .find(|s| {
            s["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/posts/gone.html"))
        })
        .expect("the fourth item's source");
    assert_eq!(gone["status"], "compiled", "{gone}");
    let text = app.source_text(gone["id"].as_str().expect("id")).await;
    assert!(text.contains("kept a log"), "{text}");

    // Unchanged: the server answers 304, and nothing is added.
    let before = row["last_polled_at"].clone();
    app.post_json(&format!("/api/feeds/{id}/poll"), &json!({}))
        .await;
    let row = polled_after(&app, &id, &before).await;
    assert!(server.not_modified.load(Ordering::SeqCst) >= 1, "{row}");
    assert!(row["last_error"].is_null(), "{row}");
    assert_eq!(sources(&app).await.len(), 4);
    assert_eq!(row["item_count"], 4, "{row}");
    app.stop().await;
}

#[tokio::test]
async fn bad_subscriptions_are_refused_and_a_page_that_is_no_feed_says_so() {
    let server = FeedServer::start().await;
    let app = spawn_app().await;
    for bad in [
        json!({"url": "not a url"}),
        json!({"url": "ftp://127.0.0.1/feed"}),
        json!({"url": server.url("/feed.xml"), "poll_minutes": 1}),
        json!({"feed": "x"}),
    ] {
        let (status, body) = app.post_json("/api/feeds", &bad).await;
        assert!((400..500).contains(&status), "{bad}: {status} {body}");
        assert!(body["error"].is_object(), "{body}");
    }
    let (status, page) = app
        .post_json("/api/feeds", &json!({"url": server.url("/page.html")}))
        .await;
    assert_eq!(status, 201, "{page}");
    let id = page["id"].as_str().expect("id");
    let (status, body) = app
        .post_json("/api/feeds", &json!({"url": server.url("/page.html")}))
        .await;
    assert_envelope(status, &body, 409);
    let row = polled_after(&app, id, &Value::Null).await;
    assert!(
        row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not a feed")),
        "{row}"
    );
    assert!(sources(&app).await.is_empty());

    let missing = uuid::Uuid::now_v7();
    let (status, body) = app
        .post_json(&format!("/api/feeds/{missing}/poll"), &json!({}))
        .await;
    assert_envelope(status, &body, 404);
    let (status, body) = app.delete_json(&format!("/api/feeds/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deleted"], id, "{body}");
    let (status, body) = app.delete_json(&format!("/api/feeds/{id}")).await;
    assert_envelope(status, &body, 404);
    let (_, list) = app.get_json("/api/feeds").await;
    assert_eq!(list["total"], 0, "{list}");
    app.stop().await;
}
