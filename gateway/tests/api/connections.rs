//! The HTTP layer under hostile clients: half-sent requests time out, a client holding many
//! connections is capped without locking out others, an oversized body gets its 413 envelope
//! (not a reset), and every refusal is the JSON envelope. All traffic stays on loopback; the
//! "other" client speaks from 127.0.0.2, which is loopback too.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with};

fn socket_addr(app: &TestApp) -> SocketAddr {
    app.address
        .trim_start_matches("http://")
        .parse()
        .expect("socket address")
}

/// A connection from 127.0.0.2, another client address on this machine's loopback.
async fn connect_from_other_client(app: &TestApp) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind 127.0.0.2");
    socket.connect(socket_addr(app)).await.expect("connect")
}

/// Everything the server sends until it closes, within `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&out).into_owned())
}

fn envelope_of(raw: &str) -> Value {
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_client_holding_half_sent_requests_is_capped_and_others_are_still_served() {
    let app = spawn_app_with(|s| {
        s.server.max_connections_per_client = 20;
        s.server.header_timeout_secs = 5;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut stream = connect_from_other_client(&app).await;
        stream
            .write_all(b"POST /api/sources/text HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .expect("write");
        held.push(stream);
    }
    // The 21st connection from the same client is answered 503 with the envelope.
    let mut extra = connect_from_other_client(&app).await;
    let _ = extra
        .write_all(b"GET /api/sources HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut extra, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert_eq!(
        envelope_of(&answer)["error"]["code"],
        "too_many_connections"
    );

    // Everyone else is served while those connections are held.
    for _ in 0..5 {
        let (status, body) = app.get_json("/api/sources").await;
        assert_eq!(status, 200, "{body}");
    }

    // A request whose headers never finish is closed by the server.
    let first = held.first_mut().expect("held");
    assert!(
        read_until_closed(first, Duration::from_secs(30))
            .await
            .is_some(),
        "the half-sent request was closed by the header timeout"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_and_closed() {
    let app = spawn_app_with(|s| s.server.body_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(socket_addr(&app))
        .await
        .expect("connect");
    stream
        .write_all(
            b"POST /api/sources/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"content\": \"only the start",
        )
        .await
        .expect("write");
    let answer = read_until_closed(&mut stream, Duration::from_secs(30))
        .await
        .expect("the server gives up on the body");
    if !answer.is_empty() {
        let status: u16 = answer[9..12].parse().expect("status");
        assert!((400..500).contains(&status), "{answer}");
        assert!(
            envelope_of(&answer)["error"]["code"].is_string(),
            "{answer}"
        );
    }
    let (status, list) = app.get_json("/api/sources").await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn an_oversized_body_gets_its_413_envelope_while_the_client_is_still_sending() {
    let app = spawn_app_with(|s| {
        s.ingest.max_text_bytes = 1000;
        s.ingest.max_upload_bytes = 100_000;
    })
    .await;
    // Several megabytes, far past the limit: the client is still writing when the answer
    // is decided, and must still read a 413 rather than a reset connection.
    let big = format!("{{\"content\": \"{}\"}}", "lighthouse ".repeat(1_000_000));
    let r = app
        .client
        .post(app.url("/api/sources/text"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("a response, not a reset");
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    assert_envelope(status, &body, 413);

    let r = app
        .client
        .post(app.url("/api/sources/file"))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(vec![b'a'; 3_000_000]).file_name("big.txt"),
        ))
        .send()
        .await
        .expect("a response, not a reset");
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    assert_envelope(status, &body, 413);

    // A body sent without a declared length is cut at the limit, with the same envelope.
    let stream = futures::stream::iter(
        (0..300).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 10_000]))),
    );
    let r = app
        .client
        .post(app.url("/api/ask"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    if let Ok(r) = r {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_envelope(status, &body, 413);
    }
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn refusals_by_the_http_layer_are_json_envelopes_too() {
    let app = spawn_app().await;
    // A path segment that is not UTF-8, a wrong method, a WebSocket handshake without its
    // headers, a multipart body without a boundary, an unknown query field.
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (app.client.get(app.url("/api/sources/%FF%FE")), 400),
        (app.client.delete(app.url("/api/jobs")), 405),
        (app.client.put(app.url("/api/sources")), 405),
        (app.client.get(app.url("/api/ws")), 400),
        (
            app.client
                .post(app.url("/api/sources/file"))
                .header("content-type", "multipart/form-data")
                .body("no boundary"),
            400,
        ),
        (app.client.get(app.url("/api/sources?limit=abc")), 400),
        (app.client.get(app.url("/api/nowhere")), 404),
    ];
    for (request, expected) in cases {
        let r = request.send().await.expect("request");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_envelope(status, &body, expected);
    }
}
