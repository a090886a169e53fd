//! Provider keys, models and the default provider set on the Settings screen: a key saved
//! there is used by the next compile, stored sealed, and never returned; values the
//! environment sets cannot be changed there.

use std::time::Duration;

use serde_json::{Value, json};
use shared::config::Secret;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{assert_envelope, spawn_app_with};

const LIMIT: Duration = Duration::from_secs(60);
const KEY: &str = "sk-ant-settings-0123456789";
const NOTE: &str = "# Bees\n\nHoney bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers. The colony stores honey to survive the winter months.";

fn provider<'a>(view: &'a Value, kind: &str) -> &'a Value {
    view["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["kind"] == kind))
        .expect("the provider is listed")
}

#[tokio::test]
async fn a_key_saved_in_settings_is_used_sealed_at_rest_and_never_returned() {
    let fake = FakeLlm::start().await;
    let url = fake.url();
    // Where Anthropic is served is the environment's; its key is not.
    let app = spawn_app_with(move |s| s.llm.anthropic.base_url = Some(url)).await;
    let (_, before) = app.get_json("/api/settings").await;
    assert_eq!(provider(&before, "anthropic")["key"], "none");
    assert_eq!(before["default_provider"], "offline");

    let (status, view) = app
        .put_json(
            "/api/settings/providers/anthropic",
            &json!({"api_key": format!("  {KEY} "), "model": "claude-from-settings"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let anthropic = provider(&view, "anthropic");
    assert_eq!(anthropic["key"], "settings");
    assert_eq!(anthropic["configured"], true);
    assert_eq!(anthropic["model"], "claude-from-settings");
    assert_eq!(view["default_provider"], "anthropic");
    assert_eq!(view["chosen_default_provider"], serde_json::Value::Null);
    assert!(!view.to_string().contains(KEY), "never returned: {view}");
    let settings_text = app.get("/api/settings").await.text().await.expect("text");
    assert!(!settings_text.contains(KEY));
    // At rest it is sealed.
    let stored = shared::db::app_settings::with_prefix(&app.db, "llm.")
        .await
        .expect("stored");
    let sealed = stored
        .iter()
        .find(|(k, _)| k == "llm.anthropic.api_key")
        .map(|(_, v)| v.clone())
        .expect("the key is stored");
    assert!(
        !sealed.contains(KEY) && sealed.starts_with("v1:"),
        "{sealed}"
    );

    // The next compile uses it.
    let (status, body) = app.post_text(NOTE, None).await;
    assert_eq!(status, 202, "{body}");
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.headers.get("x-api-key").map(String::as_str), Some(KEY));
        assert_eq!(r.body["model"], "claude-from-settings");
    }
    let (_, article) = app
        .get_json(&format!(
            "/api/articles/{}",
            source["article_ids"][0].as_str().expect("article")
        ))
        .await;
    assert_eq!(article["provider"], "anthropic");

    // Removed, the offline compiler leads again.
    let (status, view) = app
        .put_json(
            "/api/settings/providers/anthropic",
            &json!({"api_key": null}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(provider(&view, "anthropic")["key"], "none");
    assert_eq!(view["default_provider"], "offline");
    app.stop().await;
}

#[tokio::test]
async fn what_the_environment_sets_stays_and_bad_values_are_refused() {
    let app = spawn_app_with(|s| {
        s.llm.openai.api_key = Some(Secret::new("from-the-environment"));
        s.llm.default_provider = Some(shared::llm::ProviderKind::Openai);
    })
    .await;
    let (status, body) = app
        .put_json(
            "/api/settings/providers/openai",
            &json!({"api_key": "other"}),
        )
        .await;
    assert_envelope(status, &body, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("WIKIMIND_LLM__OPENAI__API_KEY")),
        "{body}"
    );
    let (status, body) = app
        .put_json("/api/settings/llm", &json!({"default_provider": "google"}))
        .await;
    assert_envelope(status, &body, 409);
    // The model the environment leaves unset can be chosen here.
    let (status, view) = app
        .put_json(
            "/api/settings/providers/openai",
            &json!({"model": "gpt-settings"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let openai = provider(&view, "openai");
    assert_eq!(openai["key"], "environment");
    assert_eq!(openai["set_in_environment"]["api_key"], true);
    assert_eq!(openai["model"], "gpt-settings");
    assert!(!view.to_string().contains("from-the-environment"));

    for (path, body, expected) in [
        ("/api/settings/providers/nope", json!({"model": "x"}), 404),
        (
            "/api/settings/providers/offline",
            json!({"model": "x"}),
            400,
        ),
        (
            "/api/settings/providers/google",
            json!({"api_key": "a\nb"}),
            400,
        ),
        (
            "/api/settings/providers/google",
            json!({"api_key": "k".repeat(501)}),
            400,
        ),
        (
            "/api/settings/providers/google",
            json!({"secret": "x"}),
            422,
        ),
        (
            "/api/settings/llm",
            json!({"default_provider": "nope"}),
            400,
        ),
    ] {
        let (status, reply) = app.put_json(path, &body).await;
        assert_envelope(status, &reply, expected);
    }
    // Nothing refused was stored.
    let stored = shared::db::app_settings::with_prefix(&app.db, "llm.")
        .await
        .expect("stored");
    assert_eq!(
        stored,
        vec![("llm.openai.model".to_owned(), "gpt-settings".to_owned())]
    );
    app.stop().await;
}
