//! `raw/` and `wiki/` in an S3-compatible bucket (`WIKIMIND_STORAGE__URL`), against a real
//! S3-protocol server on loopback (`s3s-fs`, see [`testkit::s3_server`]): every file the wiki
//! writes goes to the bucket and nothing to the data directory's `raw/` or `wiki/`; reads,
//! deletion, the vault export, backups and restores go through it; a machine appending to
//! the log while another does keeps both entries; and a bucket that does not answer is said by
//! readiness and refuses an ingest without storing anything.

use std::io::Read as _;
use std::time::Duration;

use shared::storage::Storage;
use testkit::s3_server::S3Server;

use crate::backup::send_archive;
use crate::helpers::{TestApp, assert_envelope, spawn_app_with};

/// Files under the data directory's `raw/` and `wiki/`.
fn local_files(app: &TestApp) -> Vec<String> {
    app.files()
        .into_iter()
        .filter(|f| f.starts_with("raw/") || f.starts_with("wiki/"))
        .collect()
}

async fn app_on(server: &S3Server, prefix: &str) -> TestApp {
    let bucket = server.bucket(prefix);
    spawn_app_with(move |s| s.bucket = Some(bucket)).await
}

async fn article_slug(app: &TestApp, article_id: &str) -> String {
    let (status, article) = app.get_json(&format!("/api/articles/{article_id}")).await;
    assert_eq!(status, 200, "{article}");
    article["slug"].as_str().expect("slug").to_owned()
}

/// Waits for the bucket to hold `key` under `prefix` (the index is written off the
/// request's path).
async fn eventually_holds(server: &S3Server, prefix: &str, key: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !server.objects(prefix).iter().any(|k| k == key) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{key} never reached the bucket: {:?}",
            server.objects(prefix)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_wikis_files_live_in_the_bucket_and_leave_it_with_their_source() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let prefix = "team/wiki";
    let app = app_on(&server, prefix).await;

    let note = "# Heap queues\n\nThe heapq module keeps the smallest item first. \
                Pushing and popping take logarithmic time.";
    let article_id = app.compiled_note(note).await;
    let (_, sources) = app.get_json("/api/sources").await;
    let source_id = sources["items"][0]["id"]
        .as_str()
        .expect("source")
        .to_owned();
    let slug = article_slug(&app, &article_id).await;

    for key in [
        format!("raw/{source_id}/original.md"),
        format!("raw/{source_id}/text.md"),
        format!("wiki/{slug}.md"),
        "wiki/log.md".to_owned(),
        "wiki/index.md".to_owned(),
    ] {
        eventually_holds(&server, prefix, &key).await;
    }
    assert_eq!(
        local_files(&app),
        Vec::<String>::new(),
        "nothing in the data directory"
    );
    assert!(!app.data_dir.join("raw").exists() && !app.data_dir.join("wiki").exists());
    let stored = std::fs::read_to_string(server.object_file(prefix, &format!("wiki/{slug}.md")))
        .expect("the article's object");
    assert!(stored.contains("heapq"), "{stored}");

    // Read back through the API from the bucket.
    assert!(
        app.source_text(&source_id)
            .await
            .contains("smallest item first")
    );
    let original = app.get(&format!("/api/sources/{source_id}/original")).await;
    assert_eq!(original.status(), 200);
    assert_eq!(original.text().await.expect("original"), note);
    let (_, detail) = app.get_json(&format!("/api/sources/{source_id}")).await;
    assert!(
        detail["estimate"].is_object(),
        "estimated from the text's size: {detail}"
    );

    // Readiness writes to the bucket and says where the files are.
    let (status, ready) = app.get_json("/health/ready").await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(
        ready["checks"]["storage"]["detail"]["files"], "s3://wikimind-test/team/wiki",
        "{ready}"
    );

    // The vault export reads the bucket's wiki/.
    let vault = app.get("/api/export?format=obsidian").await;
    assert_eq!(vault.status(), 200);
    let bytes = vault.bytes().await.expect("zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut text = String::new();
    zip.by_name(&format!("{slug}.md"))
        .expect("the article in the vault")
        .read_to_string(&mut text)
        .expect("read");
    assert_eq!(text, stored);

    // Deleting the source removes its files and its article's from the bucket.
    let (status, body) = app
        .delete_json(&format!("/api/sources/{source_id}?cascade=true"))
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let left: Vec<String> = server
        .objects(prefix)
        .into_iter()
        .filter(|k| k.starts_with("raw/") || k == &format!("wiki/{slug}.md"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "removed from the bucket");
}

#[tokio::test]
async fn a_backup_of_a_bucket_restores_into_another_prefix() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let app = app_on(&server, "first").await;
    let article_id = app
        .compiled_note("# Bisect\n\nThe bisect module finds insertion points in sorted lists.")
        .await;
    let slug = article_slug(&app, &article_id).await;
    let (status, made) = app.post_json("/api/backups", &serde_json::json!({})).await;
    assert_eq!(status, 201, "{made}");
    let name = made["name"].as_str().expect("name");
    let archive = app
        .get(&format!("/api/backups/{name}"))
        .await
        .bytes()
        .await
        .expect("the archive");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.to_vec())).expect("zip");
    assert!(
        zip.by_name(&format!("files/wiki/{slug}.md")).is_ok(),
        "the bucket's files are in the archive"
    );

    let restored = app_on(&server, "second").await;
    let (status, body) =
        send_archive(&restored, archive.to_vec(), "application/octet-stream").await;
    assert_eq!(status, 200, "{body}");
    let (status, article) = restored.get_json(&format!("/api/articles/{slug}")).await;
    assert_eq!(status, 200, "{article}");
    assert_eq!(
        std::fs::read(server.object_file("second", &format!("wiki/{slug}.md"))).expect("restored"),
        std::fs::read(server.object_file("first", &format!("wiki/{slug}.md"))).expect("original"),
    );
    assert_eq!(local_files(&restored), Vec::<String>::new());

    // The same archive again: the prefix now holds a wiki, and nothing is written.
    let again = app_on(&server, "second").await;
    let before = server.objects("second");
    let (status, body) = send_archive(&again, archive.to_vec(), "application/octet-stream").await;
    assert_envelope(status, &body, 409);
    assert_eq!(server.objects("second"), before);
}

/// An HTTP proxy in front of the S3 server that holds the first `PUT` of an object whose key
/// ends with `suffix` until the test releases it, so a test can make another machine write
/// between a machine's read and its write.
struct HoldingProxy {
    endpoint: String,
    held: Option<tokio::sync::oneshot::Receiver<()>>,
    release: Option<tokio::sync::oneshot::Sender<()>>,
}

type Hold = (
    tokio::sync::oneshot::Sender<()>,
    tokio::sync::oneshot::Receiver<()>,
);

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    suffix: &'static str,
    client: reqwest::Client,
    hold: std::sync::Arc<std::sync::Mutex<Option<Hold>>>,
}

async fn forward(
    axum::extract::State(state): axum::extract::State<ProxyState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    if parts.method == axum::http::Method::PUT && parts.uri.path().ends_with(state.suffix) {
        let hold = state.hold.lock().expect("hold").take();
        if let Some((held, release)) = hold {
            let _ = held.send(());
            let _ = release.await;
        }
    }
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("body");
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    // Every header as sent, the host included: the request is signed over them.
    let mut headers = parts.headers.clone();
    headers.remove(axum::http::header::CONNECTION);
    headers.remove(axum::http::header::TRANSFER_ENCODING);
    let answer = state
        .client
        .request(parts.method, format!("{}{path}", state.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("the S3 server answers");
    let mut response = axum::response::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != axum::http::header::TRANSFER_ENCODING && name != axum::http::header::CONNECTION {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.expect("the answer's body");
    response
        .body(axum::body::Body::from(bytes))
        .expect("response")
}

impl HoldingProxy {
    async fn start(upstream: String, suffix: &'static str) -> HoldingProxy {
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel();
        let state = ProxyState {
            upstream,
            suffix,
            client: reqwest::Client::new(),
            hold: std::sync::Arc::new(std::sync::Mutex::new(Some((held_tx, release_rx)))),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new().fallback(forward).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        HoldingProxy {
            endpoint,
            held: Some(held_rx),
            release: Some(release_tx),
        }
    }
}

#[tokio::test]
async fn a_log_entry_written_by_another_machine_meanwhile_is_kept() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let mut proxy = HoldingProxy::start(server.endpoint(), "/wiki/log.md").await;
    let direct = server.bucket("shared");
    let mut through_proxy = server.bucket("shared");
    for (name, value) in &mut through_proxy.options {
        if name == "AWS_ENDPOINT_URL" {
            *value = shared::config::Secret::new(proxy.endpoint.clone());
        }
    }
    let (one, two) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let first = Storage::open_with(one.path(), Some(&through_proxy)).expect("storage");
    let second = Storage::open_with(two.path(), Some(&direct)).expect("storage");
    second.append_log("## two 1").await.expect("append");

    // The first machine has read the log and is writing it back with its entry...
    let appending = tokio::spawn({
        let first = first.clone();
        async move { first.append_log("## one 1").await }
    });
    proxy
        .held
        .take()
        .expect("held")
        .await
        .expect("the first machine's write reached the proxy");
    // ...when the second appends: the first's write names a log that is no longer there.
    second.append_log("## two 2").await.expect("append");
    let _ = proxy.release.take().expect("release").send(());
    appending.await.expect("task").expect("append");

    let log = String::from_utf8(
        second
            .read("wiki/log.md")
            .await
            .expect("read")
            .expect("the log"),
    )
    .expect("utf-8");
    assert_eq!(
        log, "# Activity Log\n\n## two 1\n## two 2\n## one 1\n",
        "every entry kept, once"
    );
}

#[tokio::test]
async fn a_bucket_that_does_not_answer_is_said_and_loses_nothing() {
    // A loopback port nobody listens on: the bucket is unreachable.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let bucket = shared::config::BucketSettings {
        url: "s3://wikimind-test".to_owned(),
        prefix: String::new(),
        options: [
            ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "key".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "secret".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), shared::config::Secret::new(v)))
        .collect(),
    };
    let app = spawn_app_with(move |s| s.bucket = Some(bucket)).await;
    let (status, ready) = app.get_json("/health/ready").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["checks"]["storage"]["ok"], false, "{ready}");

    let (status, body) = app
        .post_text("# Lost?\n\nNothing may be half stored.", None)
        .await;
    assert_envelope(status, &body, 503);
    let (_, sources) = app.get_json("/api/sources").await;
    assert_eq!(
        sources["items"].as_array().map(Vec::len),
        Some(0),
        "{sources}"
    );
}
