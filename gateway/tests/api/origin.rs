//! Cross-site requests and DNS rebinding: another origin cannot change the wiki or open its
//! event stream, and a request naming a host the gateway does not serve is refused. Every
//! request goes to the test's own gateway on 127.0.0.1; the other names only appear in headers.

use reqwest::multipart;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::helpers::{TestApp, assert_envelope, session_cookie, spawn_app, spawn_app_with};

async fn source_count(app: &TestApp) -> u64 {
    let (status, list) = app.get_json("/api/sources").await;
    assert_eq!(status, 200, "{list}");
    list["total"].as_u64().expect("total")
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn port(app: &TestApp) -> String {
    app.address.rsplit(':').next().expect("port").to_owned()
}

/// The origins of pages that are not the gateway's: another site, another port of the very
/// same host (which shares its cookies), another name for it, and an opaque origin.
fn foreign_origins(app: &TestApp) -> Vec<String> {
    vec![
        "https://evil.example".to_owned(),
        "http://127.0.0.1:1".to_owned(),
        format!("http://localhost:{}", port(app)),
        "null".to_owned(),
    ]
}

#[tokio::test]
async fn forms_posted_from_another_origin_write_nothing() {
    let app = spawn_app().await;
    for origin in foreign_origins(&app) {
        let form = multipart::Form::new().part(
            "file",
            multipart::Part::bytes(b"planted by another page".to_vec()).file_name("note.md"),
        );
        let upload = app
            .client
            .post(app.url("/api/sources/file"))
            .header("origin", &origin)
            .multipart(form);
        let (status, body) = send(upload).await;
        assert_envelope(status, &body, 403);
        assert_eq!(body["error"]["code"], "cross_origin", "{origin}");

        let plain = app
            .client
            .post(app.url("/api/sources/text"))
            .header("origin", &origin)
            .header("content-type", "text/plain")
            .body(r#"{"content": "planted by another page"}"#);
        let (status, body) = send(plain).await;
        assert_envelope(status, &body, 403);

        let paid_call = app
            .client
            .post(app.url("/api/providers/openai/test"))
            .header("origin", &origin);
        let (status, body) = send(paid_call).await;
        assert_envelope(status, &body, 403);
    }
    // A browser that sends no Origin still says where the request comes from.
    for site in ["cross-site", "same-site"] {
        let post = app
            .client
            .post(app.url("/api/sources/text"))
            .header("sec-fetch-site", site)
            .json(&json!({"content": "planted without an origin"}));
        let (status, body) = send(post).await;
        assert_envelope(status, &body, 403);
    }
    assert_eq!(source_count(&app).await, 0, "nothing was written");
}

#[tokio::test]
async fn the_gateways_own_pages_and_clients_without_an_origin_are_served() {
    let app = spawn_app().await;
    let own = app
        .client
        .post(app.url("/api/sources/text"))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"content": "Written by the web app itself, from its own origin."}));
    let (status, body) = send(own).await;
    assert_eq!(status, 202, "{body}");
    // curl and the command line send no Origin at all.
    let (status, body) = app
        .post_text("Written by a client that is not a browser.", None)
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(source_count(&app).await, 2);
}

#[tokio::test]
async fn deleting_or_recompiling_from_another_origin_changes_nothing() {
    let app = spawn_app().await;
    let (_, body) = app
        .post_text("A source that another page would like to delete.", None)
        .await;
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    let evil = "https://evil.example";
    let delete = app
        .client
        .delete(app.url(&format!("/api/sources/{id}")))
        .header("origin", evil);
    let (status, body) = send(delete).await;
    assert_envelope(status, &body, 403);
    let compile = app
        .client
        .post(app.url(&format!("/api/sources/{id}/compile")))
        .header("origin", evil);
    let (status, body) = send(compile).await;
    assert_envelope(status, &body, 403);
    let (status, _) = app.get_json(&format!("/api/sources/{id}")).await;
    assert_eq!(status, 200, "the source is still there");
}

#[tokio::test]
async fn with_a_token_a_session_cookie_does_not_let_another_port_write() {
    let token = "an-access-token-long-enough-for-any-address";
    let app = spawn_app_with(|s| s.auth.token = Some(shared::config::Secret::new(token))).await;
    let cookie = session_cookie(&app, token).await;
    let post = app
        .client
        .post(app.url("/api/sources/text"))
        .header("cookie", &cookie)
        .header("origin", "http://127.0.0.1:1")
        .json(&json!({"content": "planted with the person's own cookie"}));
    let (status, body) = send(post).await;
    assert_envelope(status, &body, 403);
    let listed = app
        .client
        .get(app.url("/api/sources"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list");
    let listed: Value = listed.json().await.expect("json");
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn the_event_stream_is_closed_to_other_origins_and_unknown_hosts() {
    let app = spawn_app().await;
    let ws_url = app.url("/api/ws").replace("http://", "ws://");
    for origin in foreign_origins(&app) {
        let mut request = ws_url.as_str().into_client_request().expect("request");
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("header"));
        let refused = tokio_tungstenite::connect_async(request).await;
        assert!(refused.is_err(), "handshake from {origin} is refused");
    }
    let mut rebound = ws_url.as_str().into_client_request().expect("request");
    let host = format!("rebound.example:{}", port(&app));
    rebound
        .headers_mut()
        .insert("host", host.parse().expect("header"));
    rebound
        .headers_mut()
        .insert("origin", format!("http://{host}").parse().expect("header"));
    assert!(tokio_tungstenite::connect_async(rebound).await.is_err());

    let mut own = ws_url.as_str().into_client_request().expect("request");
    own.headers_mut()
        .insert("origin", app.address.parse().expect("header"));
    tokio_tungstenite::connect_async(own)
        .await
        .expect("a same-origin handshake is accepted");
}

#[tokio::test]
async fn a_request_naming_a_host_the_gateway_does_not_serve_is_refused() {
    let app = spawn_app().await;
    let rebound = format!("rebound.example:{}", port(&app));
    for path in ["/api/sources", "/api/settings", "/", "/health/ready"] {
        let (status, body) = send(app.client.get(app.url(path)).header("host", &rebound)).await;
        assert_envelope(status, &body, 421);
        assert_eq!(body["error"]["code"], "unknown_host", "{path}");
    }
    // A rebinding page writes with its own name as both host and origin.
    let post = app
        .client
        .post(app.url("/api/sources/text"))
        .header("host", &rebound)
        .header("origin", format!("http://{rebound}"))
        .json(&json!({"content": "planted through a rebound name"}));
    let (status, body) = send(post).await;
    assert_envelope(status, &body, 421);
    assert_eq!(source_count(&app).await, 0);

    for host in [
        format!("localhost:{}", port(&app)),
        format!("127.0.0.1:{}", port(&app)),
    ] {
        let (status, _) = send(app.client.get(app.url("/api/sources")).header("host", host)).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn configured_public_names_are_served_and_may_post_from_their_origin() {
    let app =
        spawn_app_with(|s| s.server.allowed_hosts = vec!["wiki.example.org".to_owned()]).await;
    let (status, _) = send(
        app.client
            .get(app.url("/api/sources"))
            .header("host", "wiki.example.org"),
    )
    .await;
    assert_eq!(status, 200);
    // Behind a proxy that rewrites Host, the public name is still the page's origin.
    let post = app
        .client
        .post(app.url("/api/sources/text"))
        .header("origin", "https://wiki.example.org")
        .json(&json!({"content": "Written through the public name behind a proxy."}));
    let (status, body) = send(post).await;
    assert_eq!(status, 202, "{body}");
    let (status, _) = send(
        app.client
            .get(app.url("/api/sources"))
            .header("host", "other.example.org"),
    )
    .await;
    assert_eq!(status, 421);
}
