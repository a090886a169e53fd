//! Health: the linter that keeps the wiki true. A run checks the wiki, turns what it finds into
//! findings (a kind, a severity, the pages involved, a message and a fix), remembers which of
//! them a person dismissed, and scores the wiki from 0 to 100.
//!
//! The structural checks here are one indexed query each, so a run grows with the wiki, never
//! with its pairs of pages. A run is a job: queued by a person or the schedule, claimed by one
//! worker under a lease (see [`Runner`]), its progress sent as `lint.*` events.

mod contradiction;
mod duplicate;
mod figures;
mod fix;
mod report;
mod resolve;
mod score;
mod stale;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::compile::RelationType;
use crate::config::BudgetSettings;
use crate::db::health::{self as queries, FindingRow, PageAt, RunRow};
use crate::db::{Db, DbResult};
use crate::events::{Event, EventKind, SharedBus};
use crate::llm::Router;

pub use fix::{ActionError, Fix, Fixed, fix};
pub use report::{FindingView, HealthReport, PageRef, RunView, dismiss, history, report};
pub use resolve::{Resolution, Resolved, resolve};
pub use score::score;

/// Relations that hold both ways: a link of one of them should have its inverse.
pub const SYMMETRIC_RELATIONS: [RelationType; 2] =
    [RelationType::RelatedTo, RelationType::Contradicts];

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FindingKind)]
pub enum Kind {
    /// A page with no link in or out.
    Orphan,
    /// A `[[link]]` or a suggested link that resolves to no page.
    BrokenLink,
    /// A symmetric relation present one way only.
    MissingInverse,
    /// Claims of two pages that cannot both be true.
    Contradiction,
    /// Two pages about the same thing.
    Duplicate,
    /// A page whose source changed upstream, or that a newer page supersedes.
    Stale,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Orphan => "orphan",
            Kind::BrokenLink => "broken_link",
            Kind::MissingInverse => "missing_inverse",
            Kind::Contradiction => "contradiction",
            Kind::Duplicate => "duplicate",
            Kind::Stale => "stale",
        }
    }

    /// How much a finding of this kind weighs on the wiki's health.
    pub fn severity(self) -> Severity {
        match self {
            Kind::BrokenLink | Kind::Contradiction => Severity::Error,
            Kind::Orphan | Kind::MissingInverse | Kind::Duplicate | Kind::Stale => {
                Severity::Warning
            }
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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

/// A check of a run, in the order a run makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Orphans,
    BrokenLinks,
    MissingInverses,
    Contradictions,
    Duplicates,
    Stale,
}

const CHECKS: [Check; 6] = [
    Check::Orphans,
    Check::BrokenLinks,
    Check::MissingInverses,
    Check::Contradictions,
    Check::Duplicates,
    Check::Stale,
];

impl Check {
    fn kind(self) -> Kind {
        match self {
            Check::Orphans => Kind::Orphan,
            Check::BrokenLinks => Kind::BrokenLink,
            Check::MissingInverses => Kind::MissingInverse,
            Check::Contradictions => Kind::Contradiction,
            Check::Duplicates => Kind::Duplicate,
            Check::Stale => Kind::Stale,
        }
    }

    async fn findings(self, run: &RunInProgress<'_>) -> DbResult<Vec<Finding>> {
        let db = &run.runner.db;
        match self {
            Check::Orphans => orphans(db).await,
            Check::BrokenLinks => broken_links(db).await,
            Check::MissingInverses => missing_inverses(db).await,
            Check::Contradictions => {
                let checked =
                    contradiction::check(db, run.runner.model.as_deref(), || run.may_ask()).await?;
                if checked.asked > 0 || checked.deferred > 0 {
                    tracing::info!(
                        asked = checked.asked,
                        deferred = checked.deferred,
                        "pairs of pages checked for contradictions by the model"
                    );
                }
                Ok(checked.findings)
            }
            Check::Duplicates => duplicate::check(db).await,
            Check::Stale => stale::check(db).await,
        }
    }
}

/// Pages with no link in or out.
async fn orphans(db: &Db) -> DbResult<Vec<Finding>> {
    Ok(queries::unlinked_pages(db)
        .await?
        .into_iter()
        .map(|page| Finding {
            kind: Kind::Orphan,
            message: format!("“{}” has no link in or out.", page.title),
            pages: vec![page],
            detail: serde_json::json!({}),
        })
        .collect())
}

/// Links, written or suggested, whose target is no page.
async fn broken_links(db: &Db) -> DbResult<Vec<Finding>> {
    Ok(queries::unresolved_links(db)
        .await?
        .into_iter()
        .map(|link| {
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
            Finding {
                kind: Kind::BrokenLink,
                message,
                pages: vec![link.from],
                detail: serde_json::json!({
                    "target": link.target_text,
                    "relation": link.relation,
                    "origin": link.origin,
                }),
            }
        })
        .collect())
}

/// Symmetric relations present one way only.
async fn missing_inverses(db: &Db) -> DbResult<Vec<Finding>> {
    let relations = SYMMETRIC_RELATIONS.map(RelationType::as_str);
    Ok(queries::one_way_links(db, &relations)
        .await?
        .into_iter()
        .map(|link| Finding {
            kind: Kind::MissingInverse,
            message: format!(
                "“{}” is {} “{}”, but not the other way round.",
                link.from.title,
                link.relation.replace('_', " "),
                link.to.title
            ),
            pages: vec![link.from, link.to],
            detail: serde_json::json!({ "relation": link.relation }),
        })
        .collect())
}

/// What a finished run found.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub run_id: Uuid,
    pub score: i64,
    /// Errors open now that the run before did not find.
    pub new_errors: i64,
    pub findings: Vec<FindingRow>,
}

/// Who runs a run: the worker's name (the run's lease holder) and the lease it renews
/// between checks, the bus its progress goes to, the model that judges contradictions
/// (`None` offline), and the monthly budget it is asked within.
#[derive(Debug, Clone)]
pub struct Runner {
    pub db: Db,
    pub bus: SharedBus,
    pub worker: String,
    pub lease: Duration,
    pub model: Option<Arc<Router>>,
    pub budget: BudgetSettings,
}

/// A run being made: renews its lease as it goes.
struct RunInProgress<'a> {
    runner: &'a Runner,
    run: &'a RunRow,
    pages: i64,
}

impl RunInProgress<'_> {
    /// Renews the lease; false when another worker has taken the run over.
    async fn still_ours(&self) -> DbResult<bool> {
        let r = self.runner;
        queries::renew_run(&r.db, self.run.id, &r.worker, r.lease, self.pages).await
    }

    /// Whether the model may be asked again: the run is still this worker's and the month's
    /// budget is not spent. Pairs not asked wait for a later run.
    async fn may_ask(&self) -> DbResult<bool> {
        if !self.still_ours().await? {
            return Ok(false);
        }
        if crate::budget::limit_reached(&self.runner.db, &self.runner.budget).await? {
            tracing::warn!(
                "this month's LLM budget is spent; contradictions are checked again when it is not"
            );
            return Ok(false);
        }
        Ok(true)
    }
}

/// Queues a run for the workers (`POST /api/health/runs`, and the schedule). At most one run
/// waits at a time: asking again while one waits returns that one.
pub async fn request(db: &Db, trigger: &str) -> DbResult<RunRow> {
    queries::request_run(db, trigger).await
}

impl Runner {
    /// Takes the next waiting run (or one whose worker stopped) and runs it; `None` when no
    /// run was waiting.
    pub async fn run_next(&self) -> DbResult<Option<RunOutcome>> {
        match queries::claim_run(&self.db, &self.worker, self.lease).await? {
            Some(run) => self.execute(&run).await,
            None => Ok(None),
        }
    }

    /// Makes every check of a claimed run and stores what it found. `None` when another
    /// worker took the run over meanwhile (this worker's lease ran out), which then stores it.
    async fn execute(&self, run: &RunRow) -> DbResult<Option<RunOutcome>> {
        match self.checked(run).await {
            Ok(outcome) => Ok(outcome),
            Err(e) => {
                queries::fail_run(&self.db, run.id, &e.to_string()).await?;
                Err(e)
            }
        }
    }

    async fn checked(&self, run: &RunRow) -> DbResult<Option<RunOutcome>> {
        let db = &self.db;
        let pages = queries::page_count(db).await?;
        let dismissed = queries::dismissed_fingerprints(db).await?;
        let known_errors = queries::previous_open_errors(db).await?;
        let progress = RunInProgress {
            runner: self,
            run,
            pages,
        };
        let mut found = Vec::new();
        for (done, check) in CHECKS.into_iter().enumerate() {
            if !progress.still_ours().await? {
                return Ok(None);
            }
            self.bus
                .publish(Event::new(EventKind::LintProgress {
                    run_id: run.id,
                    check: check.kind().as_str().to_owned(),
                    done: done as u32,
                    total: CHECKS.len() as u32,
                }))
                .await;
            found.extend(check.findings(&progress).await?);
        }
        let mut open = Vec::new();
        let mut new_errors = 0;
        let findings: Vec<FindingRow> = found
            .into_iter()
            .map(|f| {
                let fingerprint = f.fingerprint();
                let is_open = !dismissed.contains(&fingerprint);
                let severity = f.kind.severity();
                if is_open {
                    open.push(severity);
                    if severity == Severity::Error && !known_errors.contains(&fingerprint) {
                        new_errors += 1;
                    }
                }
                FindingRow {
                    id: Uuid::now_v7(),
                    kind: f.kind.as_str().to_owned(),
                    severity: severity.as_str().to_owned(),
                    fingerprint,
                    message: f.message,
                    article_ids: f.pages.iter().map(|p| p.id).collect(),
                    fix: Fix::for_finding(f.kind, &f.detail).map(|fix| fix.as_str().to_owned()),
                    detail: f.detail,
                    state: if is_open { "open" } else { "dismissed" }.to_owned(),
                }
            })
            .collect();
        let score = score(pages, &open);
        let completion = queries::Completion {
            run_id: run.id,
            worker: &self.worker,
            article_count: pages,
            score,
            new_errors,
        };
        if !queries::complete_run(db, completion, &findings).await? {
            return Ok(None);
        }
        self.bus
            .publish(Event::new(EventKind::LintComplete {
                run_id: run.id,
                score,
                new_errors,
            }))
            .await;
        Ok(Some(RunOutcome {
            run_id: run.id,
            score,
            new_errors,
            findings,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orphan(version: i32) -> Finding {
        Finding {
            kind: Kind::Orphan,
            message: "“A” has no link in or out.".into(),
            pages: vec![PageAt {
                id: crate::domain::ArticleId::from_uuid(Uuid::from_u128(7)),
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
