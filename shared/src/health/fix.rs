//! Acting on a finding: the repair its kind offers, made through the wiki's writer, and the
//! finding marked repaired. Later runs do not raise it again, because what it found is gone.

use std::str::FromStr;

use uuid::Uuid;

use super::Kind;
use crate::compile::RelationType;
use crate::db::{self, DbError};
use crate::domain::ArticleId;
use crate::domain::Job;
use crate::llm::Router;
use crate::recompile::{self, Recompile, RecompileError};
use crate::wiki::{LinkBack, Wiki, WikiError, merge_and_refresh};

/// The repair a finding offers, as its `fix` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Give the other page the inverse of a symmetric link.
    AddInverseLink,
    /// Fold the newer of two duplicate pages into the older.
    Merge,
    /// Fetch the changed source again and compile it.
    Recompile,
}

impl Fix {
    const ALL: [Fix; 3] = [Fix::AddInverseLink, Fix::Merge, Fix::Recompile];

    /// The fix a finding's `fix` names.
    pub fn from_name(name: &str) -> Option<Fix> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fix::AddInverseLink => "add_inverse_link",
            Fix::Merge => "merge",
            Fix::Recompile => "recompile",
        }
    }

    /// The repair offered for a finding of `kind` with `detail`, if any.
    pub fn for_finding(kind: Kind, detail: &serde_json::Value) -> Option<Fix> {
        match kind {
            Kind::MissingInverse => Some(Fix::AddInverseLink),
            Kind::Duplicate => Some(Fix::Merge),
            // A page a newer one supersedes is not mended by compiling it again.
            Kind::Stale => {
                (detail["reason"] == super::stale::CHANGED_UPSTREAM).then_some(Fix::Recompile)
            }
            Kind::Orphan | Kind::BrokenLink | Kind::Contradiction => None,
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
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Recompile(#[from] RecompileError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Wiki(#[from] WikiError),
}

/// What a repair did.
#[derive(Debug, Clone, serde::Serialize, PartialEq, utoipa::ToSchema)]
pub struct Fixed {
    pub id: Uuid,
    pub fix: &'static str,
    pub state: &'static str,
    /// The job a recompile queued; the caller hands it to the queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
}

/// Repairs the open finding `id` with the fix its kind offers. `keep` names the page a merge
/// keeps (the older one otherwise); `router` rewrites the concept pages a merge changes, when
/// a model is configured.
pub async fn fix(
    wiki: &Wiki,
    router: Option<&Router>,
    id: Uuid,
    keep: Option<ArticleId>,
) -> Result<Fixed, ActionError> {
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
    if keep.is_some() && fix != Fix::Merge {
        return Err(ActionError::Invalid(
            "keep names the page a merge keeps; this fix is no merge",
        ));
    }
    let mut job = None;
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
        Fix::Recompile => {
            let source = finding.detail["source_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| DbError::Corrupt("a stale page names its source".into()))?;
            job = Some(recompile::queue(db, source, Recompile::Refetch).await?);
        }
        Fix::Merge => {
            // The check names the older page first: it is the one others have had longest
            // to link to, so it survives unless the person keeps the other.
            let [older, newer] = finding.article_ids[..] else {
                return Err(DbError::Corrupt("a duplicate names two pages".into()).into());
            };
            let (survivor, loser) = match keep {
                None => (older, newer),
                Some(k) if k == older => (older, newer),
                Some(k) if k == newer => (newer, older),
                Some(_) => {
                    return Err(ActionError::Invalid(
                        "keep must name one of the finding's two pages",
                    ));
                }
            };
            if merge_and_refresh(wiki, router, survivor, loser)
                .await?
                .is_none()
            {
                return Err(ActionError::PageGone);
            }
        }
    }
    db::health::settle_finding(db, id, "repaired").await?;
    Ok(Fixed {
        id,
        fix: fix.as_str(),
        state: "repaired",
        job,
    })
}
