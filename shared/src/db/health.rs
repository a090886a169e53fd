//! Queries of Health: the structural facts the linter checks (pages with no link, links to
//! nothing, symmetric relations present one way), and the runs, findings and dismissals it
//! keeps. Each check is one indexed query, whatever the size of the wiki.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::ArticleId;

use super::{BeginWrite, Db, DbResult};
use crate::on_db;

/// A page a finding is about, at the version it was checked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PageAt {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub version: i32,
}

/// Two pages as a query selects them: id, slug, title and version of each.
pub(crate) type PagePairRow = (
    ArticleId,
    String,
    String,
    i32,
    ArticleId,
    String,
    String,
    i32,
);

/// The two pages of a [`PagePairRow`].
pub(crate) fn page_pair(row: PagePairRow) -> (PageAt, PageAt) {
    let (ai, asl, at, av, bi, bsl, bt, bv) = row;
    let page = |id, slug, title, version| PageAt {
        id,
        slug,
        title,
        version,
    };
    (page(ai, asl, at, av), page(bi, bsl, bt, bv))
}

/// A link whose target resolves to no page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedLink {
    pub from: PageAt,
    pub target_text: String,
    pub relation: String,
    /// `wikilink` (written in the page) or `suggestion` (proposed by the compiler).
    pub origin: String,
}

/// A link of a symmetric relation with no link of that relation back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneWayLink {
    pub from: PageAt,
    pub to: PageAt,
    pub relation: String,
}

/// Pages with no resolved link in or out (a concept page's links count).
pub async fn unlinked_pages(db: &Db) -> DbResult<Vec<PageAt>> {
    on_db!(db, |p| sqlx::query_as(
        "select a.id, a.slug, a.title, a.version from articles a \
         where not exists (select 1 from links l \
                           where l.from_article_id = a.id and l.to_article_id is not null) \
           and not exists (select 1 from links l where l.to_article_id = a.id) \
         order by lower(a.title), a.id"
    )
    .fetch_all(p)
    .await)
    .map_err(Into::into)
}

/// Links whose target is no page.
pub async fn unresolved_links(db: &Db) -> DbResult<Vec<UnresolvedLink>> {
    let rows: Vec<(ArticleId, String, String, i32, String, String, String)> =
        on_db!(db, |p| sqlx::query_as(
            "select a.id, a.slug, a.title, a.version, l.target_text, l.relation_type, l.origin \
             from links l join articles a on a.id = l.from_article_id \
             where l.to_article_id is null \
             order by lower(a.title), a.id, l.target_text"
        )
        .fetch_all(p)
        .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, slug, title, version, target_text, relation, origin)| UnresolvedLink {
                from: PageAt {
                    id,
                    slug,
                    title,
                    version,
                },
                target_text,
                relation,
                origin,
            },
        )
        .collect())
}

/// Resolved links of one of `relations` with no link of the same relation back.
pub async fn one_way_links(db: &Db, relations: &[&str]) -> DbResult<Vec<OneWayLink>> {
    let mut found = Vec::new();
    for relation in relations {
        let rows: Vec<PagePairRow> = on_db!(db, |p| sqlx::query_as(
            "select f.id, f.slug, f.title, f.version, t.id, t.slug, t.title, t.version \
             from links l join articles f on f.id = l.from_article_id \
             join articles t on t.id = l.to_article_id \
             where l.relation_type = $1 and l.to_article_id <> l.from_article_id \
               and not exists (select 1 from links r where r.to_article_id = l.from_article_id \
                               and r.from_article_id = l.to_article_id \
                               and r.relation_type = l.relation_type) \
             order by lower(f.title), f.id, lower(t.title)"
        )
        .bind(relation)
        .fetch_all(p)
        .await)?;
        found.extend(
            rows.into_iter()
                .map(page_pair)
                .map(|(from, to)| OneWayLink {
                    from,
                    to,
                    relation: (*relation).to_owned(),
                }),
        );
    }
    Ok(found)
}

/// How many pages the wiki has.
pub async fn page_count(db: &Db) -> DbResult<i64> {
    let (n,): (i64,) = on_db!(db, |p| sqlx::query_as("select count(*) from articles")
        .fetch_one(p)
        .await)?;
    Ok(n)
}

/// A finding as stored with its run.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub id: Uuid,
    pub kind: String,
    pub severity: String,
    pub fingerprint: String,
    pub message: String,
    /// The pages involved, in the order the finding names them.
    pub article_ids: Vec<ArticleId>,
    pub fix: Option<String>,
    pub detail: serde_json::Value,
    /// `open`, `dismissed` or `repaired`.
    pub state: String,
}

/// A run of the linter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RunRow {
    pub id: Uuid,
    /// `manual` or `schedule`.
    pub trigger: String,
    /// `queued`, `running`, `complete` or `failed`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub article_count: i64,
    pub score: Option<i64>,
    /// Errors this run found open that the run before it did not.
    pub new_errors: i64,
    pub error: Option<String>,
}

/// The columns of a [`RunRow`], as a literal for `concat!` (the queries stay static strings).
macro_rules! run_columns {
    () => {
        "id, trigger, status, started_at, finished_at, article_count, score, new_errors, error"
    };
}

/// Queues a run unless one is already waiting. Returns the waiting run (the new one, or the
/// one that was there) — at most one waits at a time, so repeated requests do not pile up.
pub async fn request_run(db: &Db, trigger: &str) -> DbResult<RunRow> {
    let select = concat!(
        "select ",
        run_columns!(),
        " from health_runs where status = 'queued' order by started_at limit 1"
    );
    on_db!(db, |p| {
        // The partial unique index on queued runs turns a second request into a no-op.
        sqlx::query(
            "insert into health_runs (id, trigger, status, started_at, article_count) \
             values ($1, $2, 'queued', $3, 0) on conflict do nothing",
        )
        .bind(Uuid::now_v7())
        .bind(trigger)
        .bind(Utc::now())
        .execute(p)
        .await?;
        sqlx::query_as(select).fetch_one(p).await
    })
    .map_err(Into::into)
}

/// Takes the oldest waiting run, or a running one whose worker stopped renewing its lease,
/// for `worker`. Only one worker gets a given run.
pub async fn claim_run(
    db: &Db,
    worker: &str,
    lease: std::time::Duration,
) -> DbResult<Option<RunRow>> {
    macro_rules! claimable {
        () => {
            "(status = 'queued' or (status = 'running' and lease_until < $3))"
        };
    }
    let query = concat!(
        "update health_runs set status = 'running', worker = $1, lease_until = $2, started_at = $3 \
         where id = (select id from health_runs where ",
        claimable!(),
        " order by started_at limit 1) \
           and ",
        claimable!(),
        " \
         returning ",
        run_columns!(),
        ""
    );
    on_db!(db, |p| sqlx::query_as(query)
        .bind(worker)
        .bind(lease_end(lease))
        .bind(Utc::now())
        .fetch_optional(p)
        .await)
    .map_err(Into::into)
}

/// Extends `worker`'s lease on a run and records how many pages it checks. Returns false
/// when the run is no longer this worker's.
pub async fn renew_run(
    db: &Db,
    run_id: Uuid,
    worker: &str,
    lease: std::time::Duration,
    article_count: i64,
) -> DbResult<bool> {
    let updated = on_db!(db, |p| sqlx::query(
        "update health_runs set lease_until = $3, article_count = $4 \
         where id = $1 and worker = $2 and status = 'running'"
    )
    .bind(run_id)
    .bind(worker)
    .bind(lease_end(lease))
    .bind(article_count)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// Claims the schedule `name` for `worker` when it is due, moving it `period` on; true when
/// this worker got it. A schedule seen for the first time is due after one period. A next
/// time further off than one and a half periods (the period was shortened) counts as due:
/// the half period of slack keeps two workers claiming at once, whose clocks were read a
/// moment apart, from both seeing the other's fresh claim as a shortened period.
pub async fn claim_schedule(
    db: &Db,
    name: &str,
    worker: &str,
    period: std::time::Duration,
) -> DbResult<bool> {
    let now = Utc::now();
    let after = |periods: u32| {
        period
            .checked_mul(periods)
            .and_then(|d| chrono::Duration::from_std(d / 2).ok())
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    // In half periods: the next time, and the time beyond which a next time was set by a
    // longer period.
    let (next, shortened_past) = (after(2), after(3));
    let claimed = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let first = sqlx::query(
            "insert into schedules (name, next_run_at) values ($1, $2) on conflict do nothing",
        )
        .bind(name)
        .bind(next)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let claimed = if first == 1 {
            0
        } else {
            sqlx::query(
                "update schedules set next_run_at = $2, claimed_by = $3 \
                 where name = $1 and (next_run_at <= $4 or next_run_at > $5)",
            )
            .bind(name)
            .bind(next)
            .bind(worker)
            .bind(now)
            .bind(shortened_past)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        tx.commit().await?;
        claimed
    });
    Ok(claimed == 1)
}

fn lease_end(lease: std::time::Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30))
}

/// Fingerprints of the errors the newest complete run found open, to tell which errors of a
/// new run are new.
pub async fn previous_open_errors(db: &Db) -> DbResult<HashSet<String>> {
    let rows: Vec<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select f.fingerprint from health_findings f \
         where f.severity = 'error' and f.state = 'open' and f.run_id = \
           (select id from health_runs where status = 'complete' order by started_at desc limit 1)"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(f,)| f).collect())
}

/// What a finished run stores.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub run_id: Uuid,
    /// The worker that ran it; a run another worker has taken over is not stored.
    pub worker: &'a str,
    pub article_count: i64,
    pub score: i64,
    pub new_errors: i64,
}

/// Stores a run's findings and marks it complete with its score, in one transaction.
/// Returns false (storing nothing) when the run is no longer `worker`'s.
pub async fn complete_run(
    db: &Db,
    done: Completion<'_>,
    findings: &[FindingRow],
) -> DbResult<bool> {
    let run_id = done.run_id;
    let stored = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let ours = sqlx::query(
            "update health_runs set status = 'complete', finished_at = $3, score = $4, \
             new_errors = $5, article_count = $6, lease_until = null \
             where id = $1 and worker = $2 and status = 'running'",
        )
        .bind(run_id)
        .bind(done.worker)
        .bind(Utc::now())
        .bind(done.score)
        .bind(done.new_errors)
        .bind(done.article_count)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if ours == 0 {
            return Ok(false);
        }
        for f in findings {
            sqlx::query(
                "insert into health_findings \
                 (id, run_id, kind, severity, fingerprint, message, article_ids, fix, detail, state) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(f.id)
            .bind(run_id)
            .bind(&f.kind)
            .bind(&f.severity)
            .bind(&f.fingerprint)
            .bind(&f.message)
            .bind(ids_json(&f.article_ids))
            .bind(&f.fix)
            .bind(f.detail.to_string())
            .bind(&f.state)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        true
    });
    Ok(stored)
}

/// Marks a run failed with the reason.
pub async fn fail_run(db: &Db, run_id: Uuid, error: &str) -> DbResult<()> {
    on_db!(db, |p| {
        sqlx::query(
        "update health_runs set status = 'failed', finished_at = $2, error = $3, lease_until = null \
         where id = $1"
    )
    .bind(run_id)
    .bind(Utc::now())
    .bind(error)
    .execute(p)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// The newest run that completed, if any.
pub async fn latest_complete_run(db: &Db) -> DbResult<Option<RunRow>> {
    let query = concat!(
        "select ",
        run_columns!(),
        " from health_runs where status = 'complete' \
         order by started_at desc limit 1"
    );
    on_db!(db, |p| sqlx::query_as(query).fetch_optional(p).await).map_err(Into::into)
}

/// The newest run that waits or is under way, if any.
pub async fn pending_run(db: &Db) -> DbResult<Option<RunRow>> {
    let query = concat!(
        "select ",
        run_columns!(),
        " from health_runs where status in ('queued', 'running') \
         order by started_at desc limit 1"
    );
    on_db!(db, |p| sqlx::query_as(query).fetch_optional(p).await).map_err(Into::into)
}

/// The newest runs, newest first.
pub async fn recent_runs(db: &Db, limit: i64) -> DbResult<Vec<RunRow>> {
    let query = concat!(
        "select ",
        run_columns!(),
        " from health_runs order by started_at desc limit $1"
    );
    on_db!(db, |p| sqlx::query_as(query).bind(limit).fetch_all(p).await).map_err(Into::into)
}

/// The columns of a finding, as [`FindingRowRaw`] reads them.
macro_rules! finding_columns {
    () => {
        "id, kind, severity, fingerprint, message, article_ids, fix, detail, state"
    };
}

type FindingRowRaw = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);

fn finding_row(raw: FindingRowRaw) -> DbResult<FindingRow> {
    let (id, kind, severity, fingerprint, message, ids, fix, detail, state) = raw;
    Ok(FindingRow {
        id,
        kind,
        severity,
        fingerprint,
        message,
        article_ids: serde_json::from_str(&ids)
            .map_err(|e| super::DbError::Corrupt(format!("finding pages: {e}")))?,
        fix,
        detail: serde_json::from_str(&detail)
            .map_err(|e| super::DbError::Corrupt(format!("finding detail: {e}")))?,
        state,
    })
}

/// The findings of a run, errors first.
pub async fn findings_of(db: &Db, run_id: Uuid) -> DbResult<Vec<FindingRow>> {
    let rows: Vec<FindingRowRaw> = on_db!(db, |p| sqlx::query_as(concat!(
        "select ",
        finding_columns!(),
        " from health_findings where run_id = $1 \
         order by case severity when 'error' then 0 when 'warning' then 1 else 2 end, kind, message"
    ))
    .bind(run_id)
    .fetch_all(p)
    .await)?;
    rows.into_iter().map(finding_row).collect()
}

/// One finding, if it exists.
pub async fn finding(db: &Db, id: Uuid) -> DbResult<Option<FindingRow>> {
    let row: Option<FindingRowRaw> = on_db!(db, |p| sqlx::query_as(concat!(
        "select ",
        finding_columns!(),
        " from health_findings where id = $1"
    ))
    .bind(id)
    .fetch_optional(p)
    .await)?;
    row.map(finding_row).transpose()
}

/// Moves an open finding to `state` (`repaired`…); false when it was not open.
pub async fn settle_finding(db: &Db, id: Uuid, state: &str) -> DbResult<bool> {
    let updated = on_db!(db, |p| sqlx::query(
        "update health_findings set state = $2 where id = $1 and state = 'open'"
    )
    .bind(id)
    .bind(state)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// Fingerprints of the findings a person dismissed.
pub async fn dismissed_fingerprints(db: &Db) -> DbResult<HashSet<String>> {
    let rows: Vec<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select fingerprint from health_dismissals"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(f,)| f).collect())
}

/// Dismisses a finding: it is marked so, and its fingerprint remembered for later runs.
/// Returns false when no finding has this id.
pub async fn dismiss(db: &Db, finding_id: Uuid) -> DbResult<bool> {
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let updated = sqlx::query("update health_findings set state = 'dismissed' where id = $1")
            .bind(finding_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        sqlx::query(
            "insert into health_dismissals (fingerprint, dismissed_at) \
             select fingerprint, $2 from health_findings where id = $1 \
             on conflict (fingerprint) do nothing",
        )
        .bind(finding_id)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(true)
}

fn ids_json(ids: &[ArticleId]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())
}
