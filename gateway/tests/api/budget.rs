//! The monthly budget, enforced: a compile that would spend past it waits as `paused_budget`
//! (the model is not asked), `budget.exceeded` is announced, and raising the budget in
//! Settings resumes it; a waiting source can be compiled offline instead, at no cost. A source
//! estimated above the per-source limit waits for a go-ahead.

use std::time::Duration;

use serde_json::{Value, json};
use shared::events::EventKind;
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, spawn_app_with};
use crate::llm::use_provider;

const LIMIT: Duration = Duration::from_secs(120);
const BEES: &str = "# Bees\n\nHoney bees live in colonies with a single queen. Worker bees \
     collect nectar and pollen from flowers. The colony stores honey to survive the winter.";
const TIDES: &str = "# Tides\n\nTides rise and fall twice a day as the moon pulls on the \
     oceans. Spring tides come at new and full moon, when the sun and moon pull together.";

async fn app_on_fake_model() -> (FakeLlm, TestApp) {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    (fake, app)
}

async fn set_budget(app: &TestApp, change: Value) -> Value {
    let (status, body) = app.put_json("/api/settings/budget", &change).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Posts a note and waits until its pipeline stops.
async fn post_and_wait(app: &TestApp, text: &str) -> Value {
    let (status, body) = app.post_text(text, None).await;
    assert_eq!(status, 202, "{body}");
    let id = body["source"]["id"].as_str().expect("source id");
    app.wait_for_source(id, LIMIT).await
}

#[tokio::test]
async fn an_enforced_budget_parks_the_next_compile_until_it_is_raised() {
    let (fake, app) = app_on_fake_model().await;
    let mut events = app.bus.subscribe();
    let budget = set_budget(&app, json!({"monthly_usd": 0.000001, "enforce": true})).await;
    assert_eq!(budget["enforce"], true, "{budget}");
    assert_eq!(budget["level"], "ok", "nothing spent yet: {budget}");

    // The first compile is allowed (nothing is spent) and spends past the tiny budget.
    let first = post_and_wait(&app, BEES).await;
    assert_eq!(first["status"], "compiled", "{first}");
    let asked = fake.request_count();
    assert!(asked >= 1);

    let second = post_and_wait(&app, TIDES).await;
    let id = second["id"].as_str().expect("id").to_owned();
    assert_eq!(second["status"], "paused_budget", "{second}");
    assert_eq!(fake.request_count(), asked, "the model is not asked");
    let (_, jobs) = app.get_json("/api/jobs?status=paused_budget").await;
    let waiting = jobs["items"].as_array().expect("jobs");
    assert_eq!(waiting.len(), 1, "{jobs}");
    assert_eq!(waiting[0]["source_id"], id.as_str());
    assert!(
        waiting[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("budget")),
        "the job says why it waits: {jobs}"
    );
    let (_, settings) = app.get_json("/api/settings").await;
    assert_eq!(settings["budget"]["level"], "exceeded", "{settings}");
    assert_eq!(settings["budget"]["paused_jobs"], 1, "{settings}");
    let exceeded = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(e) => {
                    if let EventKind::BudgetExceeded { enforced, .. } = e.kind {
                        break enforced;
                    }
                }
                Err(e) => panic!("event bus closed: {e}"),
            }
        }
    })
    .await
    .expect("budget.exceeded is announced");
    assert!(exceeded);

    // A normal recompile does not jump the queue while it waits.
    let (status, body) = app
        .post_json(&format!("/api/sources/{id}/compile"), &json!({}))
        .await;
    assert_eq!(status, 409, "{body}");

    // Raising the budget resumes it.
    let raised = set_budget(&app, json!({"monthly_usd": 100.0})).await;
    assert_eq!(raised["level"], "ok", "{raised}");
    let resumed = app.wait_for_source(&id, LIMIT).await;
    let resumed = if resumed["status"] == "paused_budget" {
        // The row may still show the wait for a moment before the job is claimed again.
        tokio::time::sleep(Duration::from_millis(200)).await;
        wait_until_compiled(&app, &id).await
    } else {
        resumed
    };
    assert_eq!(resumed["status"], "compiled", "{resumed}");
    assert!(fake.request_count() > asked, "the model compiled it");
    let (_, jobs) = app.get_json("/api/jobs?status=paused_budget").await;
    assert_eq!(jobs["items"].as_array().map(Vec::len), Some(0), "{jobs}");
    app.stop().await;
}

/// Polls until a source is compiled (a resumed source passes back through `pending`).
async fn wait_until_compiled(app: &TestApp, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let (_, source) = app.get_json(&format!("/api/sources/{id}")).await;
        if source["status"] == "compiled" || source["status"] == "failed" {
            return source;
        }
        assert!(tokio::time::Instant::now() < deadline, "{source}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_waiting_source_is_compiled_offline_on_request_at_no_cost() {
    let (fake, app) = app_on_fake_model().await;
    set_budget(&app, json!({"monthly_usd": 0, "enforce": true})).await;
    let waiting = post_and_wait(&app, BEES).await;
    assert_eq!(waiting["status"], "paused_budget", "{waiting}");
    let id = waiting["id"].as_str().expect("id");

    let (status, body) = app
        .post_json(
            &format!("/api/sources/{id}/compile?offline=true"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["job"]["kind"], "compile_offline", "{body}");
    let compiled = wait_until_compiled(&app, id).await;
    assert_eq!(compiled["status"], "compiled", "{compiled}");
    let article = compiled["article_ids"][0].as_str().expect("article");
    let (_, article) = app.get_json(&format!("/api/articles/{article}")).await;
    assert_eq!(article["provider"], "offline", "{article}");
    assert_eq!(fake.request_count(), 0, "nothing was sent to the model");
    app.stop().await;
}

#[tokio::test]
async fn an_unenforced_budget_stops_optional_calls_only() {
    let (fake, app) = app_on_fake_model().await;
    set_budget(&app, json!({"monthly_usd": 0})).await;
    let compiled = post_and_wait(&app, BEES).await;
    assert_eq!(compiled["status"], "compiled", "{compiled}");
    let asked = fake.request_count();
    assert!(asked >= 1, "compiles go on");
    // An answer is optional spending: it is written from the wiki's sentences instead.
    let (status, reply) = app
        .post_json(
            "/api/ask",
            &json!({"question": "Where do worker bees collect nectar?"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["turn"]["mode"], "extractive", "{reply}");
    assert!(
        reply["turn"]["answer"]
            .as_str()
            .is_some_and(|a| a.contains("budget is spent")),
        "{reply}"
    );
    assert_eq!(fake.request_count(), asked, "the model was not asked");
    app.stop().await;
}

#[tokio::test]
async fn budget_changes_are_checked_and_the_environment_wins() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        s.llm.budget.monthly_usd = Some(5.0);
    })
    .await;
    let (_, settings) = app.get_json("/api/settings").await;
    let budget = &settings["budget"];
    assert_eq!(budget["monthly_usd"], 5.0, "{settings}");
    assert_eq!(budget["set_in_environment"]["monthly_usd"], true);
    assert_eq!(budget["set_in_environment"]["enforce"], false);

    let (status, body) = app
        .put_json("/api/settings/budget", &json!({"monthly_usd": 50}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("WIKIMIND_LLM__MONTHLY_BUDGET_USD")),
        "{body}"
    );
    for bad in [
        json!({"warn_fraction": 1.5}),
        json!({"warn_fraction": 0}),
        json!({"enforce": "yes"}),
        json!({"budget": 3}),
    ] {
        let (status, body) = app.put_json("/api/settings/budget", &bad).await;
        assert!((400..500).contains(&status), "{bad}: {status} {body}");
        assert!(body["error"].is_object(), "{body}");
    }
    // A change with one bad value stores none of it.
    let (status, body) = app
        .put_json(
            "/api/settings/budget",
            &json!({"enforce": true, "warn_fraction": 2}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (_, settings) = app.get_json("/api/settings").await;
    assert_eq!(settings["budget"]["enforce"], false, "{settings}");
    let changed = set_budget(&app, json!({"warn_fraction": 0.5, "enforce": true})).await;
    assert_eq!(changed["warn_fraction"], 0.5, "{changed}");
    assert_eq!(changed["enforce"], true, "{changed}");
    assert_eq!(changed["monthly_usd"], 5.0, "unchanged: {changed}");
    app.stop().await;
}

#[tokio::test]
async fn a_source_estimated_above_the_per_source_limit_waits_for_a_go_ahead() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        s.llm.max_cost_per_source_usd = Some(0.000_001);
    })
    .await;
    let waiting = post_and_wait(&app, TIDES).await;
    assert_eq!(waiting["status"], "awaiting_approval", "{waiting}");
    assert_eq!(
        fake.request_count(),
        0,
        "nothing is spent before the go-ahead"
    );
    let id = waiting["id"].as_str().expect("id");
    let estimate = &waiting["estimate"];
    assert_eq!(estimate["provider"], "openai", "{waiting}");
    assert_eq!(estimate["calls"], 1, "{waiting}");
    assert!(estimate["input_tokens"].as_u64() > Some(0), "{waiting}");
    assert!(estimate["cost_usd"].as_f64() > Some(0.000_001), "{waiting}");
    assert_eq!(waiting["max_cost_per_source_usd"], 0.000_001, "{waiting}");
    let (_, jobs) = app.get_json("/api/jobs?status=awaiting_approval").await;
    assert!(
        jobs["items"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("go-ahead") && m.contains("estimated")),
        "{jobs}"
    );

    let (status, body) = app
        .post_json(
            &format!("/api/sources/{id}/compile?approve=true&offline=true"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post_json(
            &format!("/api/sources/{id}/compile?approve=true"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["job"]["kind"], "compile_approved", "{body}");
    let compiled = wait_until_compiled(&app, id).await;
    assert_eq!(compiled["status"], "compiled", "{compiled}");
    assert!(fake.request_count() >= 1, "the model compiled it");
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_waiting_source_ends_its_job() {
    let (_fake, app) = app_on_fake_model().await;
    set_budget(&app, json!({"monthly_usd": 0, "enforce": true})).await;
    let waiting = post_and_wait(&app, BEES).await;
    assert_eq!(waiting["status"], "paused_budget", "{waiting}");
    let id = waiting["id"].as_str().expect("id");
    let (status, body) = app.delete_json(&format!("/api/sources/{id}")).await;
    assert_eq!(status, 200, "{body}");
    let (_, jobs) = app.get_json("/api/jobs?status=paused_budget").await;
    assert_eq!(jobs["items"].as_array().map(Vec::len), Some(0), "{jobs}");
    let (_, failed) = app.get_json("/api/jobs?status=failed").await;
    assert_eq!(
        failed["items"][0]["error"], "the source was deleted",
        "{failed}"
    );
    let (_, settings) = app.get_json("/api/settings").await;
    assert_eq!(settings["budget"]["paused_jobs"], 0, "{settings}");
    app.stop().await;
}
