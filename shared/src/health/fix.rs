//! Acting on a finding: the repair its kind offers, made through the wiki's writer, and the
//! finding marked repaired. Later runs do not raise it again, because what it found is gone.

use std::str::FromStr;

use uuid::Uuid;

use super::Kind;
use crate::compile::RelationType;
use crate::db::{self, DbError};
use crate::wiki::{LinkBack, Wiki, WikiError};

/// The repair a finding offers, as its `fix` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Give the other page the inverse of a symmetric link.
    AddInverseLink,
}

impl Fix {
    const ALL: [Fix; 1] = [Fix::AddInverseLink];

    /// The fix a finding's `fix` names.
    pub fn from_name(name: &str) -> Option<Fix> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fix::AddInverseLink => "add_inverse_link",
        }
    }

    /// The repair offered for findings of `kind`, if any.
    pub fn for_kind(kind: Kind) -> Option<Fix> {
        match kind {
            Kind::MissingInverse => Some(Fix::AddInverseLink),
            // Merging duplicates is not offered yet.
            Kind::Orphan | Kind::BrokenLink | Kind::Contradiction | Kind::Duplicate => None,
        }
    }
}

/// Why acting on a finding (repairing or resolving it) did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no finding has the id {0}")]
    NotFound(Uuid),
    #[error("the finding is {0}, not open")]
    NotOpen(String),
    #[error("findings of the kind {0} have no automatic fix")]
    NoFix(String),
    #[error("only contradictions are resolved; this finding is a {0}")]
    NotAContradiction(String),
    #[error("a page the finding names no longer exists; run Health again")]
    PageGone,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Wiki(#[from] WikiError),
}

/// What a repair did.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Fixed {
    pub id: Uuid,
    pub fix: &'static str,
    pub state: &'static str,
}

/// Repairs the open finding `id` with the fix its kind offers.
pub async fn fix(wiki: &Wiki, id: Uuid) -> Result<Fixed, ActionError> {
    let db = wiki.db();
    let finding = db::health::finding(db, id)
        .await?
        .ok_or(ActionError::NotFound(id))?;
    if finding.state != "open" {
        return Err(ActionError::NotOpen(finding.state));
    }
    let fix = finding
        .fix
        .as_deref()
        .and_then(Fix::from_name)
        .ok_or_else(|| ActionError::NoFix(finding.kind.clone()))?;
    match fix {
        Fix::AddInverseLink => {
            let [from, to] = finding.article_ids[..] else {
                return Err(DbError::Corrupt("a missing inverse names two pages".into()).into());
            };
            let relation = finding.detail["relation"]
                .as_str()
                .and_then(|r| RelationType::from_str(r).ok())
                .ok_or_else(|| DbError::Corrupt("a missing inverse names its relation".into()))?;
            // The finding's first page links to the second; the second gets the link back.
            if wiki.link_back(to, from, relation).await? == LinkBack::PageGone {
                return Err(ActionError::PageGone);
            }
        }
    }
    db::health::settle_finding(db, id, "repaired").await?;
    Ok(Fixed {
        id,
        fix: fix.as_str(),
        state: "repaired",
    })
}
