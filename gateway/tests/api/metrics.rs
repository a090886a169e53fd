//! `GET /metrics`, read by the official Prometheus Python client's parser: this gateway's
//! requests by route and status with latency histograms, jobs by status and the queue's depth,
//! and the model calls, tokens and cost by provider and task; behind the token like `/api`.

use serde_json::{Value, json};
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, python_with, run_with_input, spawn_app_with};
use crate::llm::use_provider;

/// The exposition at `/metrics` as the official parser reads it.
async fn scraped(app: &TestApp, python: &str) -> Value {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("content type")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("body");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/prometheus_parse.py");
    let output = run_with_input(python, &[script], text.as_bytes()).await;
    assert!(
        output.status.success(),
        "the parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

/// The value of the sample `name` whose labels include `labels`, if there is one.
fn sample(metrics: &Value, name: &str, labels: &Value) -> Option<f64> {
    let wanted = labels.as_object().expect("labels");
    metrics["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .find(|s| s["name"] == name && wanted.iter().all(|(k, v)| &s["labels"][k] == v))
        .and_then(|s| s["value"].as_f64())
}

#[tokio::test]
async fn requests_jobs_and_model_calls_are_counted() {
    let Some(python) = python_with(&["prometheus_client"]).await else {
        return;
    };
    let fake = FakeLlm::start().await;
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, format!("{}/v1", fake.url()));
    })
    .await;
    app.compiled_note(
        "# Bees\n\nHoney bees live in colonies with a single queen. Worker bees collect \
         nectar and pollen from flowers.",
    )
    .await;
    assert_eq!(app.get("/api/articles").await.status(), 200);
    assert_eq!(app.get("/api/articles/no-such-page").await.status(), 404);
    // Invented methods and paths no route matches add no labels of their own.
    for n in 0..3 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).expect("method");
        app.client
            .request(method, app.url(&format!("/coffee/{n}")))
            .send()
            .await
            .expect("request");
    }

    let metrics = scraped(&app, python).await;
    assert_eq!(metrics["types"]["wikimind_http_requests"], "counter");
    assert_eq!(
        metrics["types"]["wikimind_http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(metrics["types"]["wikimind_jobs"], "gauge");
    let added = json!({"method": "POST", "route": "/api/sources/text", "status": "202"});
    assert_eq!(
        sample(&metrics, "wikimind_http_requests_total", &added),
        Some(1.0)
    );
    let missing = json!({"method": "GET", "route": "/api/articles/{id_or_slug}", "status": "404"});
    assert!(sample(&metrics, "wikimind_http_requests_total", &missing) >= Some(1.0));
    let invented = metrics["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .filter(|s| {
            s["name"] == "wikimind_http_requests_total" && s["labels"]["method"] == "_OTHER"
        })
        .collect::<Vec<_>>();
    assert_eq!(invented.len(), 1, "{invented:?}");
    assert_eq!(invented[0]["labels"]["route"], "other");
    assert_eq!(invented[0]["value"], 3.0);
    let route = json!({"method": "POST", "route": "/api/sources/text"});
    assert_eq!(
        sample(
            &metrics,
            "wikimind_http_request_duration_seconds_count",
            &route
        ),
        Some(1.0)
    );
    let everything = json!({"method": "POST", "route": "/api/sources/text", "le": "+Inf"});
    assert_eq!(
        sample(
            &metrics,
            "wikimind_http_request_duration_seconds_bucket",
            &everything
        ),
        Some(1.0),
        "every request falls in the last bucket"
    );

    assert!(sample(&metrics, "wikimind_jobs", &json!({"status": "succeeded"})) >= Some(1.0));
    assert_eq!(
        sample(&metrics, "wikimind_queue_depth", &json!({})),
        Some(0.0)
    );
    let compile = json!({"provider": "openai", "task": "compile"});
    assert!(sample(&metrics, "wikimind_llm_calls_total", &compile) >= Some(1.0));
    assert!(sample(&metrics, "wikimind_llm_input_tokens_total", &compile) > Some(0.0));
    assert!(sample(&metrics, "wikimind_llm_output_tokens_total", &compile) > Some(0.0));
    assert!(sample(&metrics, "wikimind_llm_cost_usd_total", &compile).is_some());

    // The scrape itself is counted by the next one.
    let again = scraped(&app, python).await;
    let scrape = json!({"method": "GET", "route": "/metrics", "status": "200"});
    assert!(sample(&again, "wikimind_http_requests_total", &scrape) >= Some(1.0));
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let token = "metrics-test-token-0123456789abcdef012345";
    let app = spawn_app_with(|s| {
        s.auth.token = Some(shared::config::Secret::new(token));
    })
    .await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert!(text.contains("# TYPE wikimind_queue_depth gauge"), "{text}");
}
