//! The MCP server, driven by the official MCP Python SDK (PyPI `mcp`, see `tests/mcp_client.py`)
//! over both transports: streamable HTTP at `/mcp` (behind the token and origin rules of `/api`)
//! and stdio (`gateway mcp`). Every tool is listed; search, a cited answer, an article, the
//! lists and the Health report come back; a note added through MCP is compiled; bad input is a
//! tool error the agent can read, and nothing is stored for it.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, python_with, spawn_app, spawn_app_with};

const TOOLS: [&str; 8] = [
    "add_note",
    "add_source_url",
    "ask",
    "get_article",
    "health_report",
    "list_articles",
    "list_concepts",
    "search",
];

/// Runs the SDK client on `plan` and returns what it saw.
async fn client(python: &str, plan: &Value) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_client.py");
    let run = Command::new(python)
        .arg(script)
        .arg(plan.to_string())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the MCP client did not finish")
        .expect("python runs");
    assert!(
        output.status.success(),
        "the MCP client failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A wiki of two compiled notes; returns the slug of the otters' page.
async fn two_notes(app: &TestApp) -> String {
    let otters = app
        .compiled_note(
            "# Otters\n\nSea otters hold hands while they sleep so they do not drift apart. \
             An otter eats about a quarter of its weight in food every day.",
        )
        .await;
    app.compiled_note(
        "# Kelp\n\nKelp forests grow along cold rocky coasts. Sea urchins graze kelp when \
         otters are scarce, so otters keep the forests standing.",
    )
    .await;
    let (_, article) = app.get_json(&format!("/api/articles/{otters}")).await;
    article["slug"].as_str().expect("slug").to_owned()
}

/// A client of the API that presents `token`.
fn authorised(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

fn text(step: &Value) -> &str {
    step["text"].as_str().unwrap_or_default()
}

fn assert_tool_ok(step: &Value) {
    assert_eq!(step["is_error"], json!(false), "{step}");
}

#[tokio::test]
async fn an_official_client_uses_every_tool_and_reads_articles_over_http() {
    let Some(python) = python_with(&["mcp", "httpx2"]).await else {
        return;
    };
    let token = "mcp-test-token-0123456789abcdef0123456789";
    let mut app = spawn_app_with(|s| {
        s.auth.token = Some(shared::config::Secret::new(token));
    })
    .await;
    app.client = authorised(token);
    let slug = two_notes(&app).await;
    let uri = format!("wikimind://article/{slug}");
    let steps = json!([
        {"call": "search", "args": {"query": "otters sleep", "limit": 5}},
        {"call": "ask", "args": {"question": "Why do sea otters hold hands while they sleep?"}},
        {"call": "get_article", "args": {"slug": slug}},
        {"call": "list_articles", "args": {"limit": 1}},
        {"call": "list_concepts", "args": {}},
        {"call": "health_report", "args": {}},
        {"call": "search", "args": {"query": "   "}},
        {"call": "add_source_url", "args": {"url": "ftp://files.example/otters.pdf"}},
        {"call": "add_note", "args": {"content": ""}},
        {"call": "get_article", "args": {"slug": "no-such-page"}},
        {"list_resources": null},
        {"read": uri},
        {"read": "wikimind://article/no-such-page"},
        {"list_resources": "not-a-cursor"},
    ]);
    let seen = client(
        python,
        &json!({"server": {"url": app.url("/mcp"), "token": token}, "steps": steps}),
    )
    .await;
    assert_eq!(seen["server"], "wikimind", "{seen}");
    assert_eq!(seen["tools"], json!(TOOLS));
    assert_eq!(seen["templates"], json!(["wikimind://article/{slug}"]));
    let steps = seen["steps"].as_array().expect("steps");

    let search = &steps[0];
    assert_tool_ok(search);
    assert!(text(search).contains("Otters"), "{search}");
    assert_eq!(
        search["structured"]["results"][0]["article"]["slug"],
        json!(slug),
        "the best match first, in the API's shape"
    );

    let answer = &steps[1];
    assert_tool_ok(answer);
    let turn = &answer["structured"]["turn"];
    let citations = turn["citations"].as_array().expect("citations");
    assert!(!citations.is_empty(), "a cited answer: {answer}");
    assert!(turn["answer"].as_str().expect("answer").contains("[1]"));
    // Numbered from 1 as they are read, whichever passages they came from.
    let numbers: Vec<u64> = citations.iter().filter_map(|c| c["n"].as_u64()).collect();
    let expected: Vec<u64> = (1..=citations.len() as u64).collect();
    assert_eq!(numbers, expected, "{answer}");
    assert!(text(answer).contains("[1] Otters"), "{answer}");
    assert!(
        citations.iter().any(|c| c["quote"]
            .as_str()
            .is_some_and(|q| q.contains("hold hands"))),
        "the source's own words: {answer}"
    );

    let article = &steps[2];
    assert_tool_ok(article);
    assert!(text(article).starts_with("# Otters"), "{article}");
    assert!(
        text(article).contains("verified in the source"),
        "{article}"
    );
    assert!(
        !article["structured"]["claims"]
            .as_array()
            .expect("claims")
            .is_empty()
    );

    let list = &steps[3];
    assert_tool_ok(list);
    assert_eq!(
        list["structured"]["items"].as_array().expect("items").len(),
        1
    );
    assert!(list["structured"]["total"].as_i64().expect("total") >= 2);
    assert_tool_ok(&steps[4]);
    assert!(steps[4]["structured"]["items"].is_array());
    assert_tool_ok(&steps[5]);
    assert!(text(&steps[5]).contains("not been checked"), "{}", steps[5]);

    // Refusals an agent can read, with the API's codes; nothing stored for them.
    for (step, expected) in [
        (&steps[6], "validation_failed"),
        (&steps[7], "validation_failed"),
        (&steps[8], "validation_failed"),
        (&steps[9], "not_found"),
    ] {
        assert_eq!(step["is_error"], json!(true), "{step}");
        assert!(text(step).starts_with(expected), "{step}");
    }
    let (_, sources) = app.get_json("/api/sources").await;
    assert_eq!(sources["total"], 2, "{sources}");

    let resources = &steps[10];
    assert!(
        resources["uris"]
            .as_array()
            .expect("uris")
            .contains(&json!(uri)),
        "{resources}"
    );
    let read = &steps[11];
    assert_eq!(read["contents"][0]["uri"], json!(uri), "{read}");
    assert_eq!(read["contents"][0]["mime_type"], "text/markdown");
    assert!(
        read["contents"][0]["text"]
            .as_str()
            .expect("text")
            .contains("hold hands"),
        "{read}"
    );
    // Protocol errors: a resource that is not there (invalid params from protocol 2026-07-28
    // on, -32002 before it), a cursor the server never gave.
    assert_eq!(steps[12]["code"], -32602, "{}", steps[12]);
    assert_eq!(steps[12]["error"], "article not found");
    assert_eq!(steps[13]["code"], -32602, "{}", steps[13]);
    assert!(
        steps[13]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cursor"))
    );
}

#[tokio::test]
async fn mcp_over_http_needs_the_token_and_an_allowed_origin() {
    let token = "mcp-test-token-0123456789abcdef0123456789";
    let app = spawn_app_with(|s| {
        s.auth.token = Some(shared::config::Secret::new(token));
    })
    .await;
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    let post = |auth: Option<&str>, origin: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let response = post(None, None).await.expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("envelope");
    assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    let response = post(Some("wrong"), None).await.expect("request");
    assert_eq!(response.status(), 401);
    let response = post(Some(token), Some("http://elsewhere.test"))
        .await
        .expect("request");
    assert_eq!(response.status(), 403, "another site's page cannot call it");
    let response = post(Some(token), None).await.expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["result"]["serverInfo"]["name"], "wikimind", "{body}");
}

#[tokio::test]
async fn an_official_client_adds_and_reads_over_stdio() {
    let Some(python) = python_with(&["mcp", "httpx2"]).await else {
        return;
    };
    let app = spawn_app().await;
    let slug = two_notes(&app).await;
    // The gateway's process, started by the client as an agent starts its servers: the same
    // database and data directory, no environment of the test run's own.
    let mut env: serde_json::Map<String, Value> = app
        .env()
        .process_env()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    env.insert("RUST_LOG".into(), json!("warn"));
    env.insert(
        "PATH".into(),
        json!(std::env::var("PATH").unwrap_or_default()),
    );
    let note = "# Sea urchins\n\nSea urchins are spiny grazers of kelp; where otters are \
                gone, urchin barrens replace the forests.";
    let steps = json!([
        {"call": "add_note", "args": {"content": note, "title": "Sea urchins"}},
        {"call": "add_note", "args": {"content": note}},
        {"call": "get_article", "args": {"slug": slug}},
        {"call": "ask", "args": {"question": "How much does an otter eat?"}},
        {"read": format!("wikimind://article/{slug}")},
    ]);
    for mode in ["auto", "legacy"] {
        let seen = client(
            python,
            &json!({
                "server": {
                    "command": env!("CARGO_BIN_EXE_gateway"),
                    "args": ["mcp", "--without-worker"],
                    "env": env,
                },
                "mode": mode,
                "steps": steps,
            }),
        )
        .await;
        // The modern protocol (no handshake) and the initialize handshake of earlier ones.
        let modern = seen["protocol"] == "2026-07-28";
        assert_eq!(modern, mode == "auto", "{mode}: {}", seen["protocol"]);
        assert_eq!(seen["tools"], json!(TOOLS), "{mode}: {seen}");
        let steps = seen["steps"].as_array().expect("steps");
        assert_tool_ok(&steps[0]);
        assert_tool_ok(&steps[1]);
        assert_eq!(
            steps[1]["structured"]["duplicate"], true,
            "{mode}: the same note once"
        );
        let source = steps[0]["structured"]["source"]["id"]
            .as_str()
            .expect("source id")
            .to_owned();
        assert_tool_ok(&steps[2]);
        assert!(
            text(&steps[2]).starts_with("# Otters"),
            "{mode}: {}",
            steps[2]
        );
        assert_tool_ok(&steps[3]);
        assert!(
            text(&steps[3]).contains("] Otters (`otters`)"),
            "{mode}: {}",
            steps[3]
        );
        assert!(
            steps[4]["contents"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("hold hands")),
            "{mode}: {}",
            steps[4]
        );
        // The note added through stdio is compiled by the gateway's worker.
        let compiled = app.wait_for_source(&source, Duration::from_secs(60)).await;
        assert_eq!(compiled["status"], "compiled", "{mode}: {compiled}");
    }
}
