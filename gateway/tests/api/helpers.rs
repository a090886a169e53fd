//! `spawn_app()` and the `TestApp` handle used by every black-box test.

use std::path::PathBuf;
use std::time::Duration;

use gateway::{Application, ServeOptions};
use reqwest::multipart;
use serde_json::Value;
use shared::config::Settings;
use shared::db::Db;
use testkit::backend::TestEnv;
use tokio::sync::oneshot;

/// A running application.
pub(crate) struct TestApp {
    pub(crate) address: String,
    pub(crate) client: reqwest::Client,
    pub(crate) db: Db,
    /// The application's event bus, to watch what it announces.
    pub(crate) bus: shared::events::SharedBus,
    pub(crate) data_dir: PathBuf,
    env: Option<TestEnv>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Where a spawned binary would find a database or queue of the test run's own environment;
/// removed, so it uses only its env's (see [`TestEnv::process_env`]).
pub(crate) const INHERITED_SERVICE_VARS: [&str; 4] = [
    "WIKIMIND_DATABASE_URL",
    "DATABASE_URL",
    "WIKIMIND_REDIS_URL",
    "REDIS_URL",
];

/// Whether a third-party tool a test checks the server with is here. With `CI=true` it must
/// be (a missing one fails the run); otherwise the test is skipped with a message.
pub(crate) fn tool_available(found: bool, what: &str, install: &str) -> bool {
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "{what} is not installed ({install})"
    );
    if !found {
        eprintln!("SKIPPED: {what} is not installed ({install}); the test was not run");
    }
    found
}

/// The Python that can import `modules` (third-party clients the tests check the server
/// with; `pip install -r gateway/tests/requirements.txt`).
pub(crate) async fn python_with(modules: &[&str]) -> Option<&'static str> {
    let found = tokio::process::Command::new("python3")
        .args(["-c", &format!("import {}", modules.join(", "))])
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    tool_available(
        found,
        &format!("a python3 that imports {}", modules.join(", ")),
        "pip install -r gateway/tests/requirements.txt",
    )
    .then_some("python3")
}

/// Runs `program` with `args`, `input` on its standard input; its output, whatever its status.
pub(crate) async fn run_with_input(
    program: &str,
    args: &[&str],
    input: &[u8],
) -> std::process::Output {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).await.expect("write");
    drop(stdin);
    child.wait_with_output().await.expect("output")
}

/// Starts the application with default test settings.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application, with the embedded worker, after `configure` adjusts its settings.
/// The backend follows `WIKIMIND_TEST_BACKEND` (see [`testkit::backend`]).
pub(crate) async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let env = TestEnv::new().await;
    let mut settings = env.settings();
    configure(&mut settings);
    let mut app = start(settings, true).await;
    app.env = Some(env);
    app
}

/// Starts an application on existing settings (to restart on the same data directory).
pub(crate) async fn start(settings: Settings, with_worker: bool) -> TestApp {
    // Once per test binary, kept for its life (the trace test runs the gateway binary).
    static TELEMETRY: std::sync::OnceLock<shared::telemetry::Telemetry> =
        std::sync::OnceLock::new();
    TELEMETRY.get_or_init(|| shared::telemetry::init("test", &settings.telemetry));
    let data_dir = settings.data_dir.clone();
    let app = Application::build(settings, ServeOptions { with_worker })
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let bus = app.state().bus.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        bus,
        data_dir,
        env: None,
        stop: Some(stop),
        handle: Some(handle),
    }
}

impl TestApp {
    /// The env the application runs on (its database, queue and data directory).
    pub(crate) fn env(&self) -> &TestEnv {
        self.env
            .as_ref()
            .expect("an app started by spawn_app owns its env")
    }

    /// Stops the application gracefully and waits for it; returns its env, if it owns one.
    pub(crate) async fn stop(mut self) -> Option<TestEnv> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), handle).await;
        }
        self.env.take()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub(crate) async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send_json(reqwest::Method::POST, path, Some(body))
            .await
    }

    pub(crate) async fn put_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send_json(reqwest::Method::PUT, path, Some(body)).await
    }

    pub(crate) async fn delete_json(&self, path: &str) -> (u16, Value) {
        self.send_json(reqwest::Method::DELETE, path, None).await
    }

    /// Sends a request with an optional JSON body; the reply's status and JSON (or null).
    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        let r = request.send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn post_text(&self, content: &str, title: Option<&str>) -> (u16, Value) {
        let mut body = serde_json::json!({"content": content});
        if let Some(t) = title {
            body["title"] = t.into();
        }
        self.post_json("/api/sources/text", &body).await
    }

    pub(crate) async fn post_url(&self, url: &str) -> (u16, Value) {
        self.post_json("/api/sources/url", &serde_json::json!({"url": url}))
            .await
    }

    pub(crate) async fn post_file(&self, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.post_file_to("/api/sources/file", name, bytes).await
    }

    /// Uploads `bytes` as the multipart field `file` named `name` to `path`.
    pub(crate) async fn post_file_to(
        &self,
        path: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let part = multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = multipart::Form::new().part("file", part);
        let r = self
            .client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Waits until the article `id` has a version newer than `before`, and returns it.
    pub(crate) async fn article_after(&self, id: &str, before: &Value) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let (_, now) = self.get_json(&format!("/api/articles/{id}")).await;
            if now["version"].as_i64() > before["version"].as_i64() {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not compiled again: {now}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `wiki/index.md` once it contains `text`: the index is rewritten shortly after a change,
    /// off the change's path. Panics with the last index read after a few seconds.
    pub(crate) async fn index_containing(&self, text: &str) -> String {
        let path = self.data_dir.join("wiki/index.md");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let index = std::fs::read_to_string(&path).unwrap_or_default();
            if index.contains(text) {
                return index;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "index.md does not list {text:?}: {index}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls a source until its pipeline stops (compiled, failed, or waiting for the budget or
    /// a go-ahead); panics after `limit`.
    pub(crate) async fn wait_for_source(&self, id: &str, limit: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let (status, source) = self.get_json(&format!("/api/sources/{id}")).await;
            assert_eq!(status, 200, "{source}");
            if matches!(
                source["status"].as_str(),
                Some("compiled" | "failed" | "paused_budget" | "awaiting_approval")
            ) {
                return source;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "source {id} still {} after {limit:?}",
                source["status"]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Posts a note, waits for it to compile (panicking otherwise) and returns the id of its
    /// article.
    pub(crate) async fn compiled_note(&self, text: &str) -> String {
        let (status, body) = self.post_text(text, None).await;
        assert_eq!(status, 202, "{body}");
        let id = body["source"]["id"].as_str().expect("source id").to_owned();
        let source = self.wait_for_source(&id, Duration::from_secs(60)).await;
        assert_eq!(source["status"], "compiled", "{source}");
        source["article_ids"][0]
            .as_str()
            .expect("article")
            .to_owned()
    }

    /// A source's clean text.
    pub(crate) async fn source_text(&self, id: &str) -> String {
        self.get(&format!("/api/sources/{id}/text"))
            .await
            .text()
            .await
            .expect("the source's text")
    }

    /// Every file under the data directory, relative to it.
    pub(crate) fn files(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, root, out);
                    } else if let Ok(rel) = p.strip_prefix(root) {
                        out.push(rel.display().to_string());
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.data_dir, &self.data_dir, &mut out);
        out.retain(|f| !f.starts_with("db/"));
        out.sort();
        out
    }
}

/// Logs in with `token` and returns the session cookie as `name=value`.
pub(crate) async fn session_cookie(app: &TestApp, token: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200, "login with the right token");
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// A corpus file's bytes.
pub(crate) fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(testkit::corpus_server::corpus_dir().join(path)).expect("corpus file")
}

/// Asserts an error envelope with the given status.
pub(crate) fn assert_envelope(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["request_id"].is_string(), "{body}");
}

/// Checks that every verified claim's span slices the source text to its quote (modulo
/// whitespace and case).
pub(crate) fn assert_spans_slice_text(article: &Value, text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut verified = 0;
    for claim in article["claims"].as_array().expect("claims") {
        if claim["verified"] == true {
            let start = claim["span"]["start"].as_u64().expect("start") as usize;
            let end = claim["span"]["end"].as_u64().expect("end") as usize;
            let slice: String = chars[start..end].iter().collect();
            let quote = claim["quote"].as_str().expect("quote");
            assert_eq!(
                norm(&slice),
                norm(quote),
                "span {start}..{end} does not slice the quote"
            );
            verified += 1;
        }
    }
    verified
}
