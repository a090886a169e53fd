//! Articles as the read API shows them.

use super::{ArticleId, SourceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::compile::{Confidence, PageType, RelationType};

/// A character range in a source's clean text (`text.md`), end exclusive, counted in
/// Unicode scalar values.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimSpan {
    pub start: i64,
    pub end: i64,
}

/// One key claim of an article.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Claim {
    pub text: String,
    pub confidence: Confidence,
    pub quote: Option<String>,
    /// True when the quote was found in the source text.
    pub verified: bool,
    pub span: Option<ClaimSpan>,
    pub source_id: Option<SourceId>,
    /// Opens the source where the quote is, when the source can be opened there: a video at
    /// the time of the quote.
    pub source_link: Option<String>,
    /// Set when a person resolved a contradiction against this claim.
    pub disputed: Option<ClaimDispute>,
}

/// Why a claim is disputed: how the contradiction was resolved, and the page whose claim won.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ClaimDispute {
    /// `source_a_wins`, `source_b_wins` or `superseded`.
    pub resolution: String,
    pub by: ClaimDisputeBy,
}

/// The page whose claim won.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ClaimDisputeBy {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
}

/// An article in a list.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleListItem {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub page_type: PageType,
    pub confidence: Confidence,
    pub provider: String,
    pub concepts: Vec<String>,
    pub claim_count: i64,
    pub source_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A source an article was compiled from.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleSourceRef {
    pub id: SourceId,
    pub title: Option<String>,
    pub url: Option<String>,
    pub kind: String,
}

/// A link between articles, seen from one end. `article_id` is `None` for a link whose
/// target does not exist yet.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LinkRef {
    pub article_id: Option<ArticleId>,
    pub slug: Option<String>,
    pub title: String,
    pub relation_type: RelationType,
    pub resolved: bool,
    /// Where the linking article names the other, for a link found by mention.
    pub mention: Option<String>,
}

/// An article with everything the reader shows.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleDetail {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub page_type: PageType,
    pub confidence: Confidence,
    pub provider: String,
    pub model: String,
    /// The offline compiler wrote it because the model could not be reached; the model
    /// compiles it again once it answers.
    pub awaiting_model: bool,
    pub version: i32,
    pub concepts: Vec<String>,
    pub claims: Vec<Claim>,
    pub open_questions: Vec<String>,
    /// The article body in markdown, `[[wikilinks]]` kept.
    pub content: String,
    pub sources: Vec<ArticleSourceRef>,
    pub backlinks_in: Vec<LinkRef>,
    pub backlinks_out: Vec<LinkRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
