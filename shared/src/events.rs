//! Live events: what happened, and the [`EventBus`] that carries it to every listener.
//!
//! In one process the bus is a tokio broadcast channel; the production stack puts Redis
//! pub/sub behind the same trait so events cross from worker processes to every gateway.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain::{ArticleId, Job, Source, SourceId, SourceStatus};

mod redis_bus;
pub use redis_bus::RedisBus;

/// Something listeners (the web app over `/api/ws`) want to know about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "type")]
pub enum EventKind {
    /// A source moved to a pipeline stage.
    #[serde(rename = "source.progress")]
    SourceProgress {
        source_id: SourceId,
        stage: SourceStatus,
        message: String,
    },
    /// A source row changed.
    #[serde(rename = "source.updated")]
    SourceUpdated { source: Box<Source> },
    /// An article was created, recompiled, relinked or deleted.
    #[serde(rename = "article.updated")]
    ArticleUpdated {
        article_id: ArticleId,
        slug: String,
        title: String,
        deleted: bool,
    },
    /// A job row changed.
    #[serde(rename = "job.updated")]
    JobUpdated { job: Box<Job> },
    /// A Health run started one of its checks (`done` of `total` are finished).
    #[serde(rename = "lint.progress")]
    LintProgress {
        run_id: Uuid,
        check: String,
        done: u32,
        total: u32,
    },
    /// A Health run finished, with the wiki's score and how many errors are new.
    #[serde(rename = "lint.complete")]
    LintComplete {
        run_id: Uuid,
        score: i64,
        new_errors: i64,
    },
    /// This month's LLM spending passed the budget's warning share (sent once per month).
    #[serde(rename = "budget.warning")]
    BudgetWarning {
        spent_usd: f64,
        monthly_usd: f64,
        warn_fraction: f64,
    },
    /// This month's LLM spending reached the budget (sent once per month); when `enforced`,
    /// model calls stop and compiles wait until it is raised or the month turns.
    #[serde(rename = "budget.exceeded")]
    BudgetExceeded {
        spent_usd: f64,
        monthly_usd: f64,
        enforced: bool,
    },
}

/// An event with its id and time, as sent to clients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Event {
    pub id: Uuid,
    pub timestamp: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Stamps an event kind with a fresh id and the current time.
    pub fn new(kind: EventKind) -> Self {
        Self {
            id: Uuid::now_v7(),
            timestamp: Utc::now(),
            kind,
        }
    }
}

/// Publishes events and hands out subscriptions.
#[async_trait::async_trait]
pub trait EventBus: Send + Sync + std::fmt::Debug {
    /// Sends an event to every current subscriber. Never fails the caller: events are
    /// advisory, and clients refetch state after reconnecting.
    async fn publish(&self, event: Event);

    /// A receiver of every event published from now on.
    fn subscribe(&self) -> broadcast::Receiver<Event>;
}

/// A shared event bus.
pub type SharedBus = Arc<dyn EventBus>;

/// The bus this deployment uses: Redis pub/sub when a Redis URL is set (events cross
/// processes), otherwise in-process.
pub async fn bus_for_deployment(
    settings: &crate::config::Settings,
) -> Result<SharedBus, redis::RedisError> {
    Ok(match &settings.redis {
        Some(redis) => {
            Arc::new(RedisBus::connect(redis.url.expose(), redis.events_channel()).await?)
        }
        None => Arc::new(LocalBus::default()),
    })
}

/// The in-process bus.
#[derive(Debug, Clone)]
pub struct LocalBus {
    sender: broadcast::Sender<Event>,
}

impl LocalBus {
    /// A bus that buffers up to `capacity` events per slow subscriber before it lags.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(16));
        Self { sender }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new(1024)
    }
}

#[async_trait::async_trait]
impl EventBus for LocalBus {
    async fn publish(&self, event: Event) {
        // No subscribers is not an error: nobody is watching.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_events_as_tagged_json() {
        let bus = LocalBus::default();
        let mut rx = bus.subscribe();
        let source_id = SourceId::from_uuid(Uuid::nil());
        bus.publish(Event::new(EventKind::SourceProgress {
            source_id,
            stage: SourceStatus::Fetching,
            message: "fetching".into(),
        }))
        .await;
        let event = rx.recv().await.expect("event");
        let json = serde_json::to_value(&event).expect("json");
        assert_eq!(json["type"], "source.progress");
        assert_eq!(json["stage"], "fetching");
        assert!(json["id"].is_string() && json["timestamp"].is_string());
    }
}
