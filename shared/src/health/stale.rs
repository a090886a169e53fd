//! The stale check: pages whose evidence moved on. A page is stale when the URL it was
//! compiled from serves different content now (the workers' poll finds that with a
//! conditional GET, then by the clean text's hash: see `db::source_checks`), or when a newer
//! page says it supersedes it. Age alone never makes a page stale.

use serde_json::json;

use super::{Finding, Kind};
use crate::db::source_checks;
use crate::db::{Db, DbResult};

/// Why a page is stale, as a finding's `detail.reason` says it.
pub(super) const CHANGED_UPSTREAM: &str = "changed_upstream";
const SUPERSEDED: &str = "superseded";

/// Finds stale pages.
pub(super) async fn check(db: &Db) -> DbResult<Vec<Finding>> {
    let mut findings: Vec<Finding> = source_checks::changed_upstream(db)
        .await?
        .into_iter()
        .map(|c| Finding {
            kind: Kind::Stale,
            message: format!(
                "“{}” was compiled from {}, which has changed since ({}).",
                c.page.title,
                c.url,
                c.changed_at.format("seen %Y-%m-%d")
            ),
            pages: vec![c.page],
            // The new content's hash names the change: a dismissal holds until it changes
            // again.
            detail: json!({
                "reason": CHANGED_UPSTREAM,
                "source_id": c.source_id,
                "url": c.url,
                "upstream_hash": c.upstream_hash,
            }),
        })
        .collect();
    findings.extend(
        source_checks::superseded(db)
            .await?
            .into_iter()
            .map(|(older, newer)| Finding {
                kind: Kind::Stale,
                message: format!("“{}” is superseded by “{}”.", older.title, newer.title),
                pages: vec![older, newer],
                detail: json!({ "reason": SUPERSEDED }),
            }),
    );
    Ok(findings)
}
