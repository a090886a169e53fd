//! `/api/ws`: live events as JSON text frames, with a keepalive every 20 seconds.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::state::AppState;

const KEEPALIVE: Duration = Duration::from_secs(20);

/// Routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

/// The origin of the handshake has been checked by [`crate::origin::guard`] already: browsers
/// send `Origin` on every WebSocket handshake and, unlike `fetch`, do not apply CORS to it.
async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| stream_events(socket, state))
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
