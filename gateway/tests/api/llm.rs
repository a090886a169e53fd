//! Compilation through real provider protocols, against a fake LLM server on loopback.

use std::time::Duration;

use shared::config::{Secret, Settings};
use shared::llm::ProviderKind;
use testkit::fake_llm::{FakeLlm, Mode};

use crate::helpers::{assert_spans_slice_text, spawn_app_with};

const LIMIT: Duration = Duration::from_secs(120);
const NOTE: &str = "# Bees\n\nHoney bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers. The colony stores honey to survive the winter months. Drones exist mainly to mate with a queen.";

pub(crate) fn use_provider(s: &mut Settings, kind: ProviderKind, base_url: String) {
    s.llm.default_provider = Some(kind);
    let p = match kind {
        ProviderKind::Anthropic => &mut s.llm.anthropic,
        ProviderKind::Openai => &mut s.llm.openai,
        ProviderKind::Google => &mut s.llm.google,
        ProviderKind::Ollama => &mut s.llm.ollama,
        ProviderKind::Offline => &mut s.llm.offline,
    };
    p.base_url = Some(base_url);
    p.api_key = Some(Secret::new("test-key"));
    p.enabled = Some(true);
}

async fn compile_through(kind: ProviderKind, base_path: &str) {
    let fake = FakeLlm::start().await;
    let base = format!("{}{base_path}", fake.url());
    let app = spawn_app_with(|s| use_provider(s, kind, base)).await;
    let (status, body) = app.post_text(NOTE, None).await;
    assert_eq!(status, 202);
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "compiled", "{kind:?}: {source}");
    let (_, article) = app
        .get_json(&format!(
            "/api/articles/{}",
            source["article_ids"][0].as_str().expect("article")
        ))
        .await;
    assert_eq!(article["provider"], kind.as_str());
    let text = app
        .get(&format!(
            "/api/sources/{}/text",
            source["id"].as_str().expect("id")
        ))
        .await
        .text()
        .await
        .expect("text");
    assert!(assert_spans_slice_text(&article, &text) >= 1, "{article}");
    assert!(fake.request_count() >= 1);
    let costs = shared::db::costs::all(&app.db).await.expect("costs");
    assert!(
        costs.iter().any(|c| c.ok
            && c.provider == kind.as_str()
            && c.task == "compile"
            && c.input_tokens > 0),
        "{costs:?}"
    );
}

#[tokio::test]
async fn sources_compile_through_an_openai_compatible_server() {
    compile_through(ProviderKind::Openai, "/v1").await;
}

#[tokio::test]
async fn sources_compile_through_the_anthropic_protocol() {
    compile_through(ProviderKind::Anthropic, "").await;
}

#[tokio::test]
async fn sources_compile_through_the_gemini_protocol() {
    compile_through(ProviderKind::Google, "").await;
}

#[tokio::test]
async fn sources_compile_through_the_ollama_protocol() {
    compile_through(ProviderKind::Ollama, "").await;
}

#[tokio::test]
async fn recompiling_unchanged_input_is_answered_from_the_cache_at_no_cost() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    let article = app.compiled_note(NOTE).await;
    let asked = fake.request_count();
    assert!(asked >= 1);
    let (_, before) = app.get_json(&format!("/api/articles/{article}")).await;
    let source = before["sources"][0]["id"].as_str().expect("source");
    let (status, body) = app
        .post_json(
            &format!("/api/sources/{source}/compile"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.article_after(&article, &before).await;
    assert_eq!(
        fake.request_count(),
        asked,
        "the same request is not sent to the model again"
    );
    let costs = shared::db::costs::all(&app.db).await.expect("costs");
    assert!(
        costs
            .iter()
            .any(|c| c.cached && c.ok && c.task == "compile" && c.cost_usd == 0.0),
        "{costs:?}"
    );
    let (_, summary) = app.get_json("/api/costs").await;
    assert!(
        summary["cached_calls"].as_i64() >= Some(1),
        "the cost summary shows the calls the cache answered: {summary}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_reply_gets_one_repair_attempt() {
    let fake = FakeLlm::start().await;
    fake.set_mode(Mode::InvalidJsonOnce);
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    let (_, body) = app.post_text(NOTE, None).await;
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(fake.request_count(), 2, "one reply and one repair");
}

#[tokio::test]
async fn replies_that_stay_invalid_fail_the_source_with_a_clear_error() {
    let fake = FakeLlm::start().await;
    fake.set_mode(Mode::InvalidJsonAlways);
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    let (_, body) = app.post_text(NOTE, None).await;
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "failed");
    assert!(
        source["error"]
            .as_str()
            .unwrap_or_default()
            .contains("not a valid article"),
        "{source}"
    );
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_the_compile_succeeds() {
    let fake = FakeLlm::start().await;
    fake.set_mode(Mode::RateLimitOnce {
        retry_after_secs: 1,
    });
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    let (_, body) = app.post_text(NOTE, None).await;
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn a_failing_provider_fails_the_job_after_its_attempts() {
    let fake = FakeLlm::start().await;
    fake.set_mode(Mode::Fail(500));
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        s.jobs.max_attempts = 2;
        s.llm.max_retries = 0;
        // Without the offline compiler standing in, the job's own attempts are what is left.
        s.llm.offline_fallback = false;
    })
    .await;
    let (_, body) = app.post_text(NOTE, None).await;
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "failed");
    let (_, jobs) = app.get_json("/api/jobs?status=failed").await;
    assert_eq!(jobs["items"][0]["attempts"], 2, "{jobs}");
    assert!(
        jobs["items"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("500"),
        "{jobs}"
    );
}

#[tokio::test]
async fn a_provider_that_is_down_gives_extractive_answers_and_offline_articles_compiled_again_when_it_is_back()
 {
    let fake = FakeLlm::start().await;
    fake.set_mode(Mode::Fail(503));
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        s.llm.max_retries = 0;
        s.llm.fallback_recheck_secs = 1;
    })
    .await;

    // The source is not lost to the outage: the offline compiler writes it, marked.
    let article = app.compiled_note(NOTE).await;
    let (_, page) = app.get_json(&format!("/api/articles/{article}")).await;
    assert_eq!(page["provider"], "offline", "{page}");
    assert_eq!(page["awaiting_model"], true, "{page}");
    assert!(fake.request_count() >= 1, "the model was tried first");

    // Ask answers from the wiki's sentences and says why.
    let (status, reply) = app
        .post_json(
            "/api/ask",
            &serde_json::json!({"question": "Where do worker bees collect nectar?"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["turn"]["mode"], "extractive", "{reply}");
    assert!(
        reply["turn"]["answer"]
            .as_str()
            .is_some_and(|a| a.contains("could not be reached")),
        "{reply}"
    );

    // Once the model answers again, the article is compiled with it.
    fake.set_mode(Mode::Normal);
    let page = compiled_by_model(&app, &article).await;
    assert_eq!(page["awaiting_model"], false, "{page}");

    // A second outage: the check for the model's return reaches the model every time (it is
    // never answered from the response cache), so nothing is recompiled while it is down.
    fake.set_mode(Mode::Fail(503));
    let second = app.compiled_note(SECOND_NOTE).await;
    let (_, page) = app.get_json(&format!("/api/articles/{second}")).await;
    assert_eq!(page["awaiting_model"], true, "{page}");
    let version = page["version"].clone();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, page) = app.get_json(&format!("/api/articles/{second}")).await;
    assert_eq!(page["provider"], "offline", "{page}");
    assert_eq!(
        page["version"], version,
        "not compiled again while the model is down"
    );
    fake.set_mode(Mode::Normal);
    compiled_by_model(&app, &second).await;
    app.stop().await;
}

const SECOND_NOTE: &str = "# Wasps\n\nPaper wasps chew wood into pulp to build their nests. A \
     queen starts the nest alone in spring and raises the first workers herself.";

/// Waits until an article was compiled by the fake OpenAI-compatible model.
async fn compiled_by_model(app: &crate::helpers::TestApp, article: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let (_, page) = app.get_json(&format!("/api/articles/{article}")).await;
        if page["provider"] == "openai" {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
