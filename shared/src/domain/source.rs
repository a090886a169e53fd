//! Sources: what a person fed WikiMind, and where each one is in its pipeline.

use super::{ArticleId, SourceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What a source is, decided from its content (never from a file name).
    pub enum SourceKind {
        /// A note typed or pasted into WikiMind, or an uploaded plain-text file.
        Text => "text",
        /// An uploaded markdown file.
        Markdown => "markdown",
        /// An uploaded HTML file.
        Html => "html",
        /// A PDF, uploaded or fetched.
        Pdf => "pdf",
        /// A web page fetched by URL.
        Url => "url",
        /// A YouTube video, read through its transcript.
        Youtube => "youtube",
    }
}

crate::text_enum! {
    /// Pipeline stage of a source: `pending → fetching → extracting → compiling → compiled | failed`.
    pub enum SourceStatus {
        Pending => "pending",
        Fetching => "fetching",
        Extracting => "extracting",
        Compiling => "compiling",
        /// Its compile waits for the monthly budget.
        PausedBudget => "paused_budget",
        /// Waits for a person's go-ahead: its estimated cost is above the per-source limit.
        AwaitingApproval => "awaiting_approval",
        Compiled => "compiled",
        Failed => "failed",
    }
}

impl SourceStatus {
    /// True once the pipeline has stopped for this source.
    pub fn is_finished(self) -> bool {
        matches!(self, SourceStatus::Compiled | SourceStatus::Failed)
    }
}

/// A source as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Source {
    pub id: SourceId,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub status: SourceStatus,
    pub error: Option<String>,
    /// SHA-256 of the clean text, once known.
    pub content_hash: Option<String>,
    /// The media type of the original document.
    pub original_mime: Option<String>,
    pub byte_size: Option<i64>,
    pub page_count: Option<i32>,
    /// Set when the fetched content turned out to be the same as an existing source's.
    pub duplicate_of: Option<SourceId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub compiled_at: Option<DateTime<Utc>>,
    pub article_ids: Vec<ArticleId>,
    /// File extension of the stored original (internal; used to find `raw/<id>/original.<ext>`).
    #[serde(skip)]
    pub original_ext: Option<String>,
}
