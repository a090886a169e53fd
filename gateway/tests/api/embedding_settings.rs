//! The embedding provider chosen on the Settings screen: it borrows the key saved for its LLM
//! provider, turns search hybrid without a restart, embeds the wiki in the background, and
//! can be turned off again; without that key, or when the environment chooses, it is refused.

use serde_json::json;
use shared::config::EmbeddingProvider;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{assert_envelope, spawn_app_with};
use crate::hybrid::{CORPUS, MISSPELLED, embedding_requests, use_embeddings, wait_until_embedded};
use crate::search::{ingest_corpus, search};

const KEY: &str = "gemini-key-from-settings";

/// Requests to Gemini's embedding endpoints so far (questions and passages).
fn gemini_embeddings(fake: &FakeLlm) -> usize {
    embedding_requests(fake, ":embedContent").len()
        + embedding_requests(fake, ":batchEmbedContents").len()
}

#[tokio::test]
async fn an_embedding_provider_chosen_in_settings_makes_search_hybrid() {
    let fake = FakeLlm::start().await;
    let url = fake.url();
    // Where Gemini is served is the environment's; its key is not.
    let app = spawn_app_with(move |s| s.llm.google.base_url = Some(url)).await;
    let sources = ingest_corpus(&app, &CORPUS).await;
    let heapq = sources[0]["article_ids"][0].as_str().expect("article");
    assert_eq!(search(&app, MISSPELLED).await["ranking"], "full_text");

    // Gemini embeddings need Google's key.
    let (status, body) = app
        .put_json("/api/settings/embeddings", &json!({"provider": "google"}))
        .await;
    assert_envelope(status, &body, 400);
    assert!(body.to_string().contains("Google key"), "{body}");
    let (status, body) = app
        .put_json("/api/settings/embeddings", &json!({"provider": "bees"}))
        .await;
    assert_envelope(status, &body, 400);

    let (status, view) = app
        .put_json("/api/settings/providers/google", &json!({"api_key": KEY}))
        .await;
    assert_eq!(status, 200, "{view}");
    let (status, view) = app
        .put_json("/api/settings/embeddings", &json!({"provider": "google"}))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["search"]["ranking"], "hybrid", "{view}");
    assert_eq!(view["search"]["embeddings"]["provider"], "google");
    assert_eq!(
        view["search"]["embeddings"]["model"],
        EmbeddingProvider::Google.default_model()
    );
    assert_eq!(view["search"]["embeddings_set_in_environment"], false);
    assert!(!view.to_string().contains(KEY), "never returned: {view}");

    // The wiki compiled before is embedded in the background, with the key saved in Settings.
    wait_until_embedded(&app).await;
    let request = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with(":batchEmbedContents"))
        .expect("the passages were embedded");
    assert_eq!(
        request.headers.get("x-goog-api-key").map(String::as_str),
        Some(KEY)
    );
    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["ranking"], "hybrid", "{reply}");
    assert_eq!(reply["results"][0]["article"]["id"], heapq, "{reply}");

    // Forgetting the key leaves the choice unusable, and the screen says why.
    let (status, view) = app
        .put_json("/api/settings/providers/google", &json!({"api_key": null}))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["search"]["ranking"], "full_text", "{view}");
    assert!(
        view["search"]["embeddings_problem"]
            .as_str()
            .is_some_and(|p| p.contains("Google key")),
        "{view}"
    );
    let sent = gemini_embeddings(&fake);
    assert_eq!(search(&app, MISSPELLED).await["ranking"], "full_text");
    assert_eq!(
        gemini_embeddings(&fake),
        sent,
        "nothing is sent without a key"
    );

    // Turned off, search is words only again and nothing is left to explain.
    let (status, view) = app
        .put_json("/api/settings/embeddings", &json!({"provider": null}))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["search"]["embeddings"], serde_json::Value::Null);
    assert_eq!(
        view["search"]["embeddings_problem"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn embeddings_the_environment_chooses_cannot_be_changed_in_settings() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_embeddings(s, EmbeddingProvider::Openai, base)).await;
    let (status, body) = app
        .put_json("/api/settings/embeddings", &json!({"provider": null}))
        .await;
    assert_envelope(status, &body, 409);
    assert!(
        body.to_string().contains("WIKIMIND_EMBEDDINGS__PROVIDER"),
        "{body}"
    );
    let (_, view) = app.get_json("/api/settings").await;
    assert_eq!(view["search"]["embeddings_set_in_environment"], true);
    assert_eq!(view["search"]["ranking"], "hybrid");
    let (status, body) = app
        .put_json(
            "/api/settings/embeddings",
            &json!({"model": "x", "extra": 1}),
        )
        .await;
    assert_envelope(status, &body, 422);
}
