//! `/api/ws`: live events as JSON text frames, with a keepalive every 20 seconds.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::state::AppState;

const KEEPALIVE: Duration = Duration::from_secs(20);

/// Routes of this resource.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(upgrade))
}

/// The socket's own frames, besides the events (`shared::events::Event`) it carries.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ControlFrame {
    /// The first frame: the server's version.
    Hello { version: &'static str },
    /// Events were missed (the client was slow): refetch what is shown.
    Resync { missed: u64 },
    /// Sent every 20 seconds so that idle proxies keep the connection.
    Keepalive { timestamp: DateTime<Utc> },
}

impl ControlFrame {
    fn message(&self) -> Message {
        Message::Text(serde_json::to_string(self).unwrap_or_default().into())
    }
}

/// Live events over a WebSocket.
///
/// JSON text frames: a `hello` frame (ControlFrame), then
/// each event as it happens (Event), `resync` when some were missed and `keepalive` every 20
/// seconds. Authenticated like the rest of `/api` (the token as a cookie or bearer header).
#[utoipa::path(get, path = "/ws", tag = "events",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket handshake", body = crate::error::ErrorEnvelope),
    ))]
// The origin of the handshake has been checked by `crate::origin::guard` already: browsers
// send `Origin` on every WebSocket handshake and, unlike `fetch`, do not apply CORS to it.
async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| stream_events(socket, state))
}

async fn stream_events(mut socket: WebSocket, state: AppState) {
    let mut events = state.bus.subscribe();
    let hello = ControlFrame::Hello {
        version: shared::VERSION,
    };
    if socket.send(hello.message()).await.is_err() {
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
                    if socket.send(ControlFrame::Resync { missed }.message()).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            _ = keepalive.tick() => {
                let frame = ControlFrame::Keepalive { timestamp: Utc::now() };
                if socket.send(frame.message()).await.is_err() {
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
