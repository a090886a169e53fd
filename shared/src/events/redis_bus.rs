//! The [`EventBus`] of the production stack: events are published on a Redis pub/sub channel,
//! and every process (gateways and workers alike) relays that channel into its local
//! subscribers, so a browser connected to any gateway sees the work of any worker.

use futures::StreamExt as _;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::{Event, EventBus};

/// How long the relay waits before resubscribing after Redis went away.
const RESUBSCRIBE_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// After a failed publish, events are dropped without trying Redis for this long, so requests
/// that publish are not slowed down by an outage.
const OUTAGE_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

/// Events over Redis pub/sub.
pub struct RedisBus {
    channel: String,
    publisher: ConnectionManager,
    /// Until when publishing is skipped after a failure.
    paused_until: std::sync::Mutex<Option<std::time::Instant>>,
    local: broadcast::Sender<Event>,
    relay: JoinHandle<()>,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl RedisBus {
    /// Connects to Redis and starts relaying `channel` to local subscribers.
    pub async fn connect(url: &str, channel: String) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let publisher = crate::jobs::redis_connection(url).await?;
        let (local, _) = broadcast::channel(1024);
        // Subscribe before returning, so nothing published after `connect` is missed.
        let pubsub = subscribe(&client, &channel).await?;
        let relay = tokio::spawn(relay(client, channel.clone(), pubsub, local.clone()));
        Ok(Self {
            channel,
            publisher,
            paused_until: std::sync::Mutex::new(None),
            local,
            relay,
        })
    }
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// Forwards every message on the channel to local subscribers, resubscribing after a
/// connection loss. Events published while Redis is unreachable are lost; clients refetch
/// state when they reconnect, so events only need to be timely, not durable.
async fn relay(
    client: redis::Client,
    channel: String,
    first: redis::aio::PubSub,
    local: broadcast::Sender<Event>,
) {
    let mut pubsub = Some(first);
    loop {
        let current = match pubsub.take() {
            Some(p) => p,
            None => match subscribe(&client, &channel).await {
                Ok(p) => {
                    tracing::info!(%channel, "event relay resubscribed");
                    p
                }
                Err(e) => {
                    tracing::debug!(error = %e, "event relay cannot reach Redis yet");
                    tokio::time::sleep(RESUBSCRIBE_DELAY).await;
                    continue;
                }
            },
        };
        let mut messages = current.into_on_message();
        while let Some(message) = messages.next().await {
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            match serde_json::from_str::<Event>(&payload) {
                Ok(event) => {
                    let _ = local.send(event);
                }
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed event"),
            }
        }
        tracing::warn!(%channel, "event relay lost its Redis subscription");
        tokio::time::sleep(RESUBSCRIBE_DELAY).await;
    }
}

#[async_trait::async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, event: Event) {
        let now = std::time::Instant::now();
        {
            let paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            if paused.is_some_and(|until| now < until) {
                tracing::debug!("Redis is unreachable; dropping an event");
                return;
            }
        }
        let payload = match serde_json::to_string(&event) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "could not encode an event");
                return;
            }
        };
        let mut conn = self.publisher.clone();
        let sent: redis::RedisResult<i64> = conn.publish(&self.channel, payload).await;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        match sent {
            Ok(_) => *paused = None,
            Err(e) => {
                // Advisory: the state is in the database, and clients refetch after a gap.
                tracing::warn!(error = %e, "could not publish an event; pausing events for a few seconds");
                *paused = Some(std::time::Instant::now() + OUTAGE_BACKOFF);
            }
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }
}
