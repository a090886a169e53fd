//! Health: the linter that keeps the wiki true. A run checks the wiki, turns what it finds into
//! findings (a kind, a severity, the pages involved, a message and a fix), remembers which of
//! them a person dismissed, and scores the wiki from 0 to 100.
//!
//! The structural checks here are one indexed query each, so a run grows with the wiki, never
//! with its pairs of pages.

mod report;
mod score;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::compile::RelationType;
use crate::db::health::{self as queries, FindingRow, PageAt};
use crate::db::{Db, DbResult};

pub use report::{FindingView, HealthReport, PageRef, RunView, dismiss, history, report};
pub use score::score;

/// Relations that hold both ways: a link of one of them should have its inverse.
pub const SYMMETRIC_RELATIONS: [RelationType; 2] =
    [RelationType::RelatedTo, RelationType::Contradicts];

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A page with no link in or out.
    Orphan,
    /// A `[[link]]` or a suggested link that resolves to no page.
    BrokenLink,
    /// A symmetric relation present one way only.
    MissingInverse,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Orphan => "orphan",
            Kind::BrokenLink => "broken_link",
            Kind::MissingInverse => "missing_inverse",
        }
    }

    /// How much a finding of this kind weighs on the wiki's health.
    pub fn severity(self) -> Severity {
        match self {
            Kind::BrokenLink => Severity::Error,
            Kind::Orphan | Kind::MissingInverse => Severity::Warning,
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A finding before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    pub message: String,
    /// The pages involved, at the versions checked.
    pub pages: Vec<PageAt>,
    /// What a screen needs to show it (the link text, the relation…).
    pub detail: serde_json::Value,
}

impl Finding {
    /// Names the finding by its kind, what it says and the versions of its pages: the same
    /// problem on unchanged pages has the same fingerprint in every run, so a dismissal holds
    /// until one of the pages changes.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.kind.as_str());
        for page in &self.pages {
            hash.update(format!("|{}:{}", page.id, page.version));
        }
        hash.update(b"|");
        hash.update(self.detail.to_string());
        hex::encode(&hash.finalize()[..16])
    }
}

/// The structural findings: orphans, broken links and missing inverses.
pub async fn structural_findings(db: &Db) -> DbResult<Vec<Finding>> {
    let mut findings = Vec::new();
    for page in queries::unlinked_pages(db).await? {
        findings.push(Finding {
            kind: Kind::Orphan,
            message: format!("“{}” has no link in or out.", page.title),
            pages: vec![page],
            detail: serde_json::json!({}),
        });
    }
    for link in queries::unresolved_links(db).await? {
        let message = if link.origin == "wikilink" {
            format!(
                "“{}” links to [[{}]], which is no page.",
                link.from.title, link.target_text
            )
        } else {
            format!(
                "“{}” suggests a link to “{}”, which is no page.",
                link.from.title, link.target_text
            )
        };
        findings.push(Finding {
            kind: Kind::BrokenLink,
            message,
            pages: vec![link.from],
            detail: serde_json::json!({
                "target": link.target_text,
                "relation": link.relation,
                "origin": link.origin,
            }),
        });
    }
    for link in queries::one_way_links(db, &SYMMETRIC_RELATIONS.map(RelationType::as_str)).await? {
        findings.push(Finding {
            kind: Kind::MissingInverse,
            message: format!(
                "“{}” is {} “{}”, but not the other way round.",
                link.from.title,
                link.relation.replace('_', " "),
                link.to.title
            ),
            pages: vec![link.from, link.to],
            detail: serde_json::json!({ "relation": link.relation }),
        });
    }
    Ok(findings)
}

/// What a finished run found.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub run_id: Uuid,
    pub score: i64,
    pub findings: Vec<FindingRow>,
}

/// Runs every check and stores the run with its findings. Findings a person dismissed on
/// unchanged pages are kept as dismissed: they neither count against the score nor show as open.
pub async fn run(db: &Db, trigger: &str) -> DbResult<RunOutcome> {
    let run_id = Uuid::now_v7();
    let pages = queries::page_count(db).await?;
    queries::start_run(db, run_id, trigger, pages).await?;
    let checked = async {
        let dismissed = queries::dismissed_fingerprints(db).await?;
        Ok::<_, crate::db::DbError>((structural_findings(db).await?, dismissed))
    }
    .await;
    let (found, dismissed) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            queries::fail_run(db, run_id, &e.to_string()).await?;
            return Err(e);
        }
    };
    let mut open = Vec::new();
    let findings: Vec<FindingRow> = found
        .into_iter()
        .map(|f| {
            let fingerprint = f.fingerprint();
            let is_open = !dismissed.contains(&fingerprint);
            if is_open {
                open.push(f.kind.severity());
            }
            FindingRow {
                id: Uuid::now_v7(),
                kind: f.kind.as_str().to_owned(),
                severity: f.kind.severity().as_str().to_owned(),
                fingerprint,
                message: f.message,
                article_ids: f.pages.iter().map(|p| p.id).collect(),
                // No kind can be acted on from Health yet.
                fix: None,
                detail: f.detail,
                state: if is_open { "open" } else { "dismissed" }.to_owned(),
            }
        })
        .collect();
    let score = score(pages, &open);
    queries::complete_run(db, run_id, score, &findings).await?;
    Ok(RunOutcome {
        run_id,
        score,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orphan(version: i32) -> Finding {
        Finding {
            kind: Kind::Orphan,
            message: "“A” has no link in or out.".into(),
            pages: vec![PageAt {
                id: Uuid::from_u128(7),
                slug: "a".into(),
                title: "A".into(),
                version,
            }],
            detail: serde_json::json!({}),
        }
    }

    #[test]
    fn a_finding_keeps_its_fingerprint_while_its_pages_are_unchanged() {
        assert_eq!(orphan(1).fingerprint(), orphan(1).fingerprint());
        assert_ne!(orphan(1).fingerprint(), orphan(2).fingerprint());
    }

    #[test]
    fn the_fingerprint_tells_findings_on_the_same_page_apart() {
        let mut other = orphan(1);
        other.kind = Kind::BrokenLink;
        other.detail = serde_json::json!({ "target": "Fog signals" });
        let mut third = other.clone();
        third.detail = serde_json::json!({ "target": "Tides" });
        let prints = [
            orphan(1).fingerprint(),
            other.fingerprint(),
            third.fingerprint(),
        ];
        assert_ne!(prints[0], prints[1]);
        assert_ne!(prints[1], prints[2]);
    }
}
