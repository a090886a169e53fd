//! Health's stale check: a URL source is looked at again on the workers' poll with a
//! conditional GET; when what it serves changes, its page is found stale, and the fix fetches
//! and compiles it again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::helpers::{TestApp, spawn_app_with};
use crate::wiki_health::{open_of, run_health};

const TIDES_AT_SIX: &str = "<html><head><title>Harbour tides</title></head><body>\
    <h1>Harbour tides</h1><p>High tide at the harbour comes at six in the morning. \
    The harbour master posts the tide tables on the quay every Monday.</p></body></html>";
const TIDES_AT_SEVEN: &str = "<html><head><title>Harbour tides</title></head><body>\
    <h1>Harbour tides</h1><p>High tide at the harbour comes at seven in the morning. \
    The harbour master posts the tide tables on the quay every Monday.</p></body></html>";

/// A page on loopback that answers conditional GETs as a web server does: its `ETag` names
/// its content, and a request naming the current one gets 304.
#[derive(Clone)]
struct Upstream {
    page: Arc<Mutex<(String, u32)>>,
    not_modified: Arc<AtomicUsize>,
    address: String,
}

impl Upstream {
    async fn start(html: &str) -> Upstream {
        let upstream = Upstream {
            page: Arc::new(Mutex::new((html.to_owned(), 1))),
            not_modified: Arc::new(AtomicUsize::new(0)),
            address: String::new(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let app = axum::Router::new()
            .route("/tides", axum::routing::get(serve))
            .with_state(upstream.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Upstream {
            address,
            ..upstream
        }
    }

    fn url(&self) -> String {
        format!("http://{}/tides", self.address)
    }

    fn publish(&self, html: &str) {
        let mut page = self.page.lock().expect("lock");
        *page = (html.to_owned(), page.1 + 1);
    }
}

async fn serve(State(up): State<Upstream>, headers: HeaderMap) -> Response {
    let (html, version) = up.page.lock().expect("lock").clone();
    let etag = format!("\"v{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        up.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::ETAG, etag),
        ],
        html,
    )
        .into_response()
}

/// Runs Health until it finds a stale page (the poll runs on its own schedule).
async fn stale_finding(app: &TestApp) -> shared::db::health::FindingRow {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let outcome = run_health(app).await;
        if let Some(found) = open_of(&outcome, "stale").first() {
            return (*found).clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no stale page found: {:#?}",
            outcome.findings
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_url_whose_content_changes_is_found_stale_after_a_poll_and_refreshed() {
    let upstream = Upstream::start(TIDES_AT_SIX).await;
    let app = spawn_app_with(|s| s.health.source_poll = Some(Duration::from_secs(1))).await;
    let (status, body) = app.post_url(&upstream.url()).await;
    assert_eq!(status, 202, "{body}");
    let source_id = body["source"]["id"].as_str().expect("id").to_owned();
    let source = app
        .wait_for_source(&source_id, Duration::from_secs(60))
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    let article: shared::domain::ArticleId = source["article_ids"][0]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("article");

    // While nothing changes, the poll asks with the page's ETag and is told so.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while upstream.not_modified.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no conditional GET");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let unchanged = run_health(&app).await;
    assert!(
        open_of(&unchanged, "stale").is_empty(),
        "{:#?}",
        unchanged.findings
    );

    upstream.publish(TIDES_AT_SEVEN);
    let stale = stale_finding(&app).await;
    assert_eq!(stale.article_ids, [article]);
    assert_eq!(stale.severity, "warning");
    assert_eq!(stale.fix.as_deref(), Some("recompile"));
    assert_eq!(stale.detail["url"], upstream.url());
    // Until it is compiled again, the page still says what was compiled.
    assert!(
        app.source_text(&source_id)
            .await
            .contains("six in the morning")
    );

    let (_, before) = app.get_json(&format!("/api/articles/{article}")).await;
    let fix = format!("/api/health/findings/{}/fix", stale.id);
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["kind"], "refresh_source", "{body}");
    app.article_after(&article.to_string(), &before).await;
    assert!(
        app.source_text(&source_id)
            .await
            .contains("seven in the morning")
    );
    let after = run_health(&app).await;
    assert!(open_of(&after, "stale").is_empty(), "{:#?}", after.findings);
    app.stop().await;
}

#[tokio::test]
async fn a_note_is_never_fetched_again() {
    let app = spawn_app_with(|s| s.health.source_poll = Some(Duration::from_secs(1))).await;
    let note = app
        .compiled_note("# Knots\n\nA bowline makes a fixed loop at the end of a line.")
        .await;
    let (_, page) = app.get_json(&format!("/api/articles/{note}")).await;
    let source = page["sources"][0]["id"].as_str().expect("source");
    let err = shared::recompile::queue(
        &app.db,
        source.parse().expect("id"),
        shared::recompile::Recompile::Refetch,
    )
    .await
    .expect_err("a note has no URL");
    assert!(matches!(err, shared::recompile::RecompileError::NotAUrl));
    app.stop().await;
}
