//! Credentials: guessing the token is slowed per client without slowing the owner, and logging
//! out ends the session for good. The guessing client speaks from 127.0.0.2 (loopback).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_envelope, session_cookie, spawn_app_with};

const TOKEN: &str = "a-token-of-forty-characters-0123456789ab";

async fn app_with_token() -> TestApp {
    spawn_app_with(|s| s.auth.token = Some(shared::config::Secret::new(TOKEN))).await
}

/// A client whose requests come from 127.0.0.2.
fn other_client() -> reqwest::Client {
    client_from(2)
}

/// A client whose requests come from 127.0.0.`last`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .build()
        .expect("client")
}

async fn login_as(
    via: &reqwest::Client,
    app: &TestApp,
    forwarded_for: &str,
    token: &str,
) -> StatusCode {
    via.post(app.url("/api/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("login")
        .status()
}

async fn login(client: &reqwest::Client, app: &TestApp, token: &str) -> reqwest::Response {
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("login")
}

#[tokio::test]
async fn a_guesser_is_made_to_wait_while_the_owner_logs_in_at_once() {
    let app = app_with_token().await;
    let guesser = other_client();
    let mut statuses = Vec::new();
    for i in 0..50 {
        let r = login(&guesser, &app, &format!("guess-{i}")).await;
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["error"]["code"], "too_many_attempts");
        }
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count()
            >= 40,
        "guesses past the free ones wait: {statuses:?}"
    );
    // While waiting, even the right token is not checked for the guesser…
    assert_eq!(
        login(&guesser, &app, TOKEN).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // …but the owner, on another address, is not slowed by any of it.
    let owner = login(&app.client, &app, TOKEN).await;
    assert_eq!(owner.status(), StatusCode::OK);

    // Bearer guesses count the same way.
    let mut last = StatusCode::OK;
    for i in 0..10 {
        last = guesser
            .get(app.url("/api/sources"))
            .bearer_auth(format!("guess-{i}"))
            .send()
            .await
            .expect("request")
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let r = app
        .client
        .get(app.url("/api/sources"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_without_credentials_is_not_counted_as_a_guess() {
    let app = app_with_token().await;
    let client = other_client();
    for _ in 0..20 {
        let r = client
            .get(app.url("/api/sources"))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&client, &app, TOKEN).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logging_out_ends_the_session_even_for_a_copy_of_its_cookie() {
    let app = app_with_token().await;
    let cookie = session_cookie(&app, TOKEN).await;
    let list = |cookie: String| {
        let request = app
            .client
            .get(app.url("/api/sources"))
            .header("cookie", cookie);
        async move { request.send().await.expect("request") }
    };
    assert_eq!(list(cookie.clone()).await.status(), StatusCode::OK);

    let out = app
        .client
        .post(app.url("/api/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);

    let after = list(cookie.clone()).await;
    let status = after.status().as_u16();
    let body: Value = after.json().await.expect("json");
    assert_envelope(status, &body, 401);
    let session: Value = app
        .client
        .get(app.url("/api/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    assert_eq!(session["authenticated"], false);
    // A new login works as before.
    assert_eq!(
        login(&app.client, &app, TOKEN).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_guesser_and_owner_are_told_apart_by_the_forwarded_address() {
    // The proxy speaks from 127.0.0.3; the addresses it forwards are loopback forms too.
    let app = spawn_app_with(|s| {
        s.auth.token = Some(shared::config::Secret::new(TOKEN));
        s.server.trusted_proxies = vec!["127.0.0.3/32".parse().expect("net")];
    })
    .await;
    let proxy = client_from(3);
    let mut last = StatusCode::OK;
    for i in 0..10 {
        last = login_as(&proxy, &app, "127.0.0.66", &format!("guess-{i}")).await;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the guesser waits");
    assert_eq!(
        login_as(&proxy, &app, "127.0.0.77", TOKEN).await,
        StatusCode::OK,
        "the owner behind the same proxy is not slowed"
    );

    // A client that is not a trusted proxy cannot pick its own address to dodge the wait.
    let spoofer = other_client();
    for i in 0..10 {
        last = login_as(&spoofer, &app, &format!("127.0.1.{i}"), "wrong").await;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "forwarding headers ignored"
    );
}
