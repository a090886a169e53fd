//! Conversations with the wiki as the API shows them: turns of question and answer, each
//! answer's checked citations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ArticleId, ClaimSpan, SourceId};

crate::text_enum! {
    /// How an answer was made.
    pub enum AnswerMode {
        /// Written by a language model from the retrieved passages.
        Llm => "llm",
        /// Assembled from the passages' own sentences and claims (no model configured).
        Extractive => "extractive",
        /// Nothing in the wiki matched; no model was asked.
        NothingRelevant => "nothing_relevant",
    }
}

crate::text_enum! {
    /// How well the answer is supported by what it cites.
    pub enum AnswerConfidence {
        High => "high",
        Medium => "medium",
        Low => "low",
    }
}

/// An article named by a citation or listed as related.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArticleRef {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
}

/// The original document behind a citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceRef {
    pub id: SourceId,
    pub title: Option<String>,
    pub url: Option<String>,
}

/// The passage of the article that a citation points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CitedPassage {
    pub kind: String,
    pub heading: String,
}

/// One `[n]` of an answer: the retrieved passage it names and, through the article's best
/// matching verified claim, the exact quote in the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Citation {
    pub n: u32,
    pub article: ArticleRef,
    pub passage: CitedPassage,
    pub source: Option<SourceRef>,
    pub quote: Option<String>,
    pub span: Option<ClaimSpan>,
    /// Position of the claim the quote belongs to, for linking to it in the article.
    pub claim_index: Option<u32>,
}

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Turn {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub index: i32,
    pub question: String,
    /// Markdown prose with `[n]` markers that all name a citation.
    pub answer: String,
    pub mode: AnswerMode,
    pub citations: Vec<Citation>,
    /// Markers in the model's answer that named no retrieved passage and were removed.
    pub dropped_citations: i32,
    pub confidence: AnswerConfidence,
    pub related_articles: Vec<ArticleRef>,
    pub follow_up_questions: Vec<String>,
    pub provider: String,
    pub model: String,
    pub created_at: DateTime<Utc>,
}

/// A conversation; a fork names its parent and the turn index it branched at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Conversation {
    pub id: Uuid,
    pub title: String,
    pub parent_id: Option<Uuid>,
    pub forked_at_turn: Option<i32>,
    pub filed_article_id: Option<ArticleId>,
    /// Turns of this conversation's own (not inherited from a parent).
    pub turn_count: i64,
    /// What the model's calls for its answers cost, in US dollars.
    pub cost_usd: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
