//! Resolving a contradiction: a person says which claim holds. The losing claim is marked on
//! its page (shown as disputed, with the page that won), the finding is resolved, and later
//! runs do not raise the same two claims again.

use serde::Deserialize;
use uuid::Uuid;

use super::ActionError;
use crate::db::contradictions::{Resolution as Recorded, older_of};
use crate::db::{self, DbError};
use crate::domain::ArticleId;
use crate::wiki::Wiki;

/// What a person decided about a contradiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The first page's claim holds; the second's is disputed.
    SourceAWins,
    /// The second page's claim holds; the first's is disputed.
    SourceBWins,
    /// Both hold (they speak of different things or times); nothing is disputed.
    BothValid,
    /// The claim of the page changed longest ago is out of date.
    Superseded,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::SourceAWins => "source_a_wins",
            Resolution::SourceBWins => "source_b_wins",
            Resolution::BothValid => "both_valid",
            Resolution::Superseded => "superseded",
        }
    }
}

/// What resolving did.
#[derive(Debug, Clone, serde::Serialize, PartialEq, utoipa::ToSchema)]
pub struct Resolved {
    pub id: Uuid,
    pub resolution: Resolution,
    pub state: &'static str,
    /// The page whose claim is now disputed, if any.
    pub disputed_article: Option<ArticleId>,
}

/// Resolves the open contradiction `id`.
pub async fn resolve(
    wiki: &Wiki,
    id: Uuid,
    resolution: Resolution,
) -> Result<Resolved, ActionError> {
    let db = wiki.db();
    let finding = db::health::finding(db, id)
        .await?
        .ok_or(ActionError::NotFound(id))?;
    if finding.kind != super::Kind::Contradiction.as_str() {
        return Err(ActionError::NotAContradiction(finding.kind));
    }
    if finding.state != "open" {
        return Err(ActionError::NotOpen(finding.state));
    }
    let [a, b] = finding.article_ids[..] else {
        return Err(DbError::Corrupt("a contradiction names two pages".into()).into());
    };
    let text = |side: &str| {
        finding.detail[side]["text"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| DbError::Corrupt(format!("a contradiction names its {side}")))
    };
    let (claim_a, claim_b) = (text("claim_a")?, text("claim_b")?);
    let loser = match resolution {
        Resolution::SourceAWins => Some(b),
        Resolution::SourceBWins => Some(a),
        Resolution::BothValid => None,
        Resolution::Superseded => Some(older_of(db, a, b).await?.ok_or(ActionError::PageGone)?),
    };
    let recorded = Recorded {
        a,
        claim_a: claim_a.clone(),
        b,
        claim_b: claim_b.clone(),
        resolution: resolution.as_str().to_owned(),
        losing: loser.map(|l| {
            (
                l,
                if l == a {
                    claim_a.clone()
                } else {
                    claim_b.clone()
                },
            )
        }),
        winning: loser.map(|l| if l == a { b } else { a }),
    };
    wiki.resolve_contradiction(&recorded).await?;
    db::health::settle_finding(db, id, "resolved").await?;
    Ok(Resolved {
        id,
        resolution,
        state: "resolved",
        disputed_article: loser,
    })
}
