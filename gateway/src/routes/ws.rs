//! `/api/ws`: live events as JSON text frames, with a keepalive every 20 seconds.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::error::envelope;
use crate::state::AppState;

const KEEPALIVE: Duration = Duration::from_secs(20);

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers) {
        return envelope(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "the event stream is only open to pages of this origin",
        );
    }
    ws.on_upgrade(move |socket| stream_events(socket, state))
}

/// Browsers send `Origin` on every WebSocket handshake and, unlike `fetch`, do not apply CORS
/// to it: without this check any web page the person visits could read their events from an
/// open loopback gateway. Clients that are not browsers send no `Origin` and are let through.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        });
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn stream_events(mut socket: WebSocket, state: AppState) {
    let mut events = state.bus.subscribe();
    let hello = json!({"type": "hello", "version": shared::VERSION}).to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    let Ok(text) = serde_json::to_string(&event) else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                // A slow client missed events: tell it to refetch rather than silently drifting.
                Err(RecvError::Lagged(missed)) => {
                    let text = json!({"type": "resync", "missed": missed}).to_string();
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            _ = keepalive.tick() => {
                let text = json!({"type": "keepalive", "timestamp": chrono::Utc::now()}).to_string();
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().expect("host"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().expect("origin"));
        }
        h
    }

    #[test]
    fn only_pages_of_this_origin_may_open_the_stream() {
        assert!(same_origin(&headers(None, "127.0.0.1:7842")));
        assert!(same_origin(&headers(
            Some("http://127.0.0.1:7842"),
            "127.0.0.1:7842"
        )));
        assert!(same_origin(&headers(
            Some("https://wiki.example.org"),
            "wiki.example.org"
        )));
        assert!(!same_origin(&headers(
            Some("https://evil.example"),
            "127.0.0.1:7842"
        )));
        assert!(!same_origin(&headers(
            Some("http://127.0.0.1:9999"),
            "127.0.0.1:7842"
        )));
        assert!(!same_origin(&headers(Some("null"), "127.0.0.1:7842")));
    }
}
