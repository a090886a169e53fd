//! The Settings screen's API: providers, a real provider test, costs by month, and the web app's
//! login exchange of the token for a session cookie (which the WebSocket accepts).

use std::time::Duration;

use futures::StreamExt;
use shared::config::Secret;
use shared::llm::ProviderKind;
use testkit::fake_llm::{FakeLlm, Mode};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{assert_envelope, spawn_app, spawn_app_with};

#[tokio::test]
async fn without_a_key_the_settings_report_the_offline_compiler() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/settings").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["offline_compiler"], true);
    assert_eq!(body["default_provider"], "offline");
    assert_eq!(body["auth_required"], false);
    let providers = body["providers"].as_array().expect("providers");
    assert_eq!(providers.len(), 5);
    let openai = providers
        .iter()
        .find(|p| p["kind"] == "openai")
        .expect("openai");
    assert_eq!(openai["configured"], false);
    assert_eq!(openai["in_chain"], false);
    assert!(body["budget"]["monthly_usd"].is_null());

    let (status, test) = app
        .post_json("/api/providers/offline/test", &serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["ok"], true);
    let (status, err) = app
        .post_json("/api/providers/openai/test", &serde_json::json!({}))
        .await;
    assert_envelope(status, &err, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not configured")
    );
    let (status, err) = app
        .post_json("/api/providers/skynet/test", &serde_json::json!({}))
        .await;
    assert_envelope(status, &err, 404);
}

#[tokio::test]
async fn a_provider_test_makes_a_real_call_and_reports_failure_in_the_body() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        s.llm.openai.base_url = Some(base);
        s.llm.openai.api_key = Some(Secret::new("test-key"));
        s.llm.budget.monthly_usd = Some(5.0);
    })
    .await;
    let (_, settings) = app.get_json("/api/settings").await;
    assert_eq!(settings["default_provider"], "openai");
    assert_eq!(settings["offline_compiler"], false);
    assert_eq!(settings["budget"]["monthly_usd"], 5.0);

    let (status, ok) = app
        .post_json("/api/providers/openai/test", &serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["provider"], "openai");
    assert_eq!(fake.request_count(), 1);

    fake.set_mode(Mode::Fail(401));
    let (status, failed) = app
        .post_json("/api/providers/openai/test", &serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["ok"], false);
    assert!(!failed["error"].as_str().unwrap_or_default().is_empty());

    // Both calls are in the cost log, under the `test` task, for this month.
    let (status, costs) = app.get_json("/api/costs").await;
    assert_eq!(status, 200, "{costs}");
    assert_eq!(costs["calls"], 2, "{costs}");
    assert_eq!(costs["by_task"][0]["key"], "test");
    assert_eq!(
        costs["by_provider"][0]["key"],
        ProviderKind::Openai.as_str()
    );
    assert_eq!(costs["budget_usd"], 5.0);
    let (_, past) = app.get_json("/api/costs?month=2001-01").await;
    assert_eq!(past["calls"], 0);
    let (status, err) = app.get_json("/api/costs?month=soon").await;
    assert_envelope(status, &err, 400);
}

#[tokio::test]
async fn logging_in_exchanges_the_token_for_a_strict_http_only_cookie() {
    let app = spawn_app_with(|s| s.auth.token = Some(Secret::new("correct horse"))).await;
    let (status, session) = app.get_json("/api/auth/session").await;
    assert_eq!(status, 200);
    assert_eq!(session["auth_required"], true);
    assert_eq!(session["authenticated"], false);
    let (status, body) = app.get_json("/api/sources").await;
    assert_envelope(status, &body, 401);

    let (status, body) = app
        .post_json("/api/auth/login", &serde_json::json!({"token": "wrong"}))
        .await;
    assert_envelope(status, &body, 401);

    let r = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"token": "correct horse"}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let set_cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(
        !set_cookie.contains("correct horse"),
        "the cookie must not hold the token"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();

    let listed = app
        .client
        .get(app.url("/api/sources"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.status(), 200);

    // The browser's WebSocket carries the cookie, not a header it cannot set.
    let ws_url = app.url("/api/ws").replace("http://", "ws://");
    let refused = tokio_tungstenite::connect_async(ws_url.clone()).await;
    assert!(refused.is_err(), "a WebSocket without a session is refused");
    let mut request = ws_url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket with the cookie");
    let hello = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("hello in time")
        .expect("frame")
        .expect("ok");
    assert!(hello.to_text().unwrap_or_default().contains("\"hello\""));

    let out = app
        .client
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    let cleared = out
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn the_web_app_shell_is_sent_with_a_content_security_policy() {
    let app = spawn_app().await;
    let r = app.get("/wiki/some-article").await;
    assert_eq!(r.status(), 200);
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
}
