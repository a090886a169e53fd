//! What Health shows a person: the latest complete run's score and open findings with the
//! pages they name, the trend of scores, and dismissing a finding.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use uuid::Uuid;

use crate::db::health::{self as queries, RunRow};
use crate::db::{self, Db, DbResult};
use crate::domain::ArticleId;

/// A run of the linter, as shown: its row as stored.
pub type RunView = RunRow;

/// A page a finding names.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PageRef {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
}

/// A finding, as shown.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FindingView {
    pub id: Uuid,
    #[schema(value_type = super::Kind)]
    pub kind: String,
    #[schema(value_type = super::Severity)]
    pub severity: String,
    pub message: String,
    /// The pages involved that still exist, in the order the finding names them.
    pub articles: Vec<PageRef>,
    /// The repair `POST /api/health/findings/{id}/fix` makes (`add_inverse_link`…), if its
    /// kind has one.
    pub fix: Option<String>,
    /// `open`, `dismissed` or `repaired`.
    pub state: String,
    pub detail: serde_json::Value,
}

/// `GET /api/health`: the latest complete run and its open findings.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct HealthReport {
    /// 0–100; `None` before the first run.
    pub score: Option<i64>,
    pub run: Option<RunView>,
    /// A run that is waiting or under way, if any.
    pub pending: Option<RunView>,
    /// Open findings by kind.
    #[schema(value_type = BTreeMap<super::Kind, i64>)]
    pub counts_by_kind: BTreeMap<String, i64>,
    pub findings: Vec<FindingView>,
}

/// The latest complete run's report; dismissed findings only when asked for.
pub async fn report(db: &Db, include_dismissed: bool) -> DbResult<HealthReport> {
    let pending = queries::pending_run(db).await?;
    let Some(run) = queries::latest_complete_run(db).await? else {
        return Ok(HealthReport {
            score: None,
            run: None,
            pending,
            counts_by_kind: BTreeMap::new(),
            findings: Vec::new(),
        });
    };
    let rows = queries::findings_of(db, run.id).await?;
    let mut counts_by_kind = BTreeMap::new();
    for f in rows.iter().filter(|f| f.state == "open") {
        *counts_by_kind.entry(f.kind.clone()).or_insert(0) += 1;
    }
    let shown: Vec<_> = rows
        .into_iter()
        .filter(|f| include_dismissed || f.state == "open")
        .collect();
    let mut ids: Vec<ArticleId> = shown.iter().flat_map(|f| f.article_ids.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let pages: HashMap<ArticleId, PageRef> = db::articles::keys_by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|k| {
            (
                k.id,
                PageRef {
                    id: k.id,
                    slug: k.slug,
                    title: k.title,
                },
            )
        })
        .collect();
    let findings = shown
        .into_iter()
        .map(|f| FindingView {
            articles: f
                .article_ids
                .iter()
                .filter_map(|id| pages.get(id).cloned())
                .collect(),
            id: f.id,
            kind: f.kind,
            severity: f.severity,
            message: f.message,
            fix: f.fix,
            state: f.state,
            detail: f.detail,
        })
        .collect();
    Ok(HealthReport {
        score: run.score,
        run: Some(run),
        pending,
        counts_by_kind,
        findings,
    })
}

/// The newest runs, newest first: the trend of the score.
pub async fn history(db: &Db, limit: i64) -> DbResult<Vec<RunView>> {
    queries::recent_runs(db, limit).await
}

/// Dismisses a finding; later runs keep it dismissed while its pages are unchanged.
/// `false` when there is no such finding.
pub async fn dismiss(db: &Db, finding_id: Uuid) -> DbResult<bool> {
    queries::dismiss(db, finding_id).await
}
