//! What is known of URL sources upstream: the validators of their last fetch (for a
//! conditional GET), when they were last looked at, and whether what the URL serves now
//! differs from what was compiled. The worker's poll writes it; Health reads it.

use crate::domain::{ArticleId, SourceId};
use chrono::{DateTime, Utc};

use super::health::{PageAt, PagePairRow, page_pair};
use super::{Db, DbResult, now};
use crate::on_db;

/// An HTTP response's validators, sent back as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A URL source due to be looked at again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSource {
    pub source_id: SourceId,
    pub url: String,
    /// The hash of the clean text that was compiled.
    pub content_hash: String,
    pub validators: Validators,
}

/// A page compiled from a URL whose content changed upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedUpstream {
    pub page: PageAt,
    pub source_id: SourceId,
    pub url: String,
    pub upstream_hash: String,
    pub changed_at: DateTime<Utc>,
}

/// Records a fetch of the source's URL whose content is the one compiled (or about to be):
/// its validators, and that it is in step.
pub async fn record_in_step(db: &Db, source_id: SourceId, v: &Validators) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "insert into source_checks (source_id, etag, last_modified, checked_at) \
         values ($1, $2, $3, $4) on conflict (source_id) do update set \
         etag = excluded.etag, last_modified = excluded.last_modified, \
         checked_at = excluded.checked_at, upstream_hash = null, changed_at = null"
    )
    .bind(source_id)
    .bind(&v.etag)
    .bind(&v.last_modified)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records that the URL now serves content whose clean text hashes to `upstream_hash`, unlike
/// what was compiled. The time of the change is the first time it was seen.
pub async fn record_changed(
    db: &Db,
    source_id: SourceId,
    v: &Validators,
    upstream_hash: &str,
) -> DbResult<()> {
    let ts = now();
    on_db!(db, |p| {
        sqlx::query(
        "insert into source_checks (source_id, etag, last_modified, checked_at, upstream_hash, changed_at) \
         values ($1, $2, $3, $4, $5, $4) on conflict (source_id) do update set \
         etag = excluded.etag, last_modified = excluded.last_modified, \
         checked_at = excluded.checked_at, upstream_hash = excluded.upstream_hash, \
         changed_at = case when source_checks.upstream_hash = excluded.upstream_hash \
                      then source_checks.changed_at else excluded.changed_at end"
    )
    .bind(source_id)
    .bind(&v.etag)
    .bind(&v.last_modified)
    .bind(ts)
    .bind(upstream_hash)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Records that the source was looked at and nothing new was learned (the server answered
/// 304, or could not be reached): what was known stays.
pub async fn record_looked(db: &Db, source_id: SourceId) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "insert into source_checks (source_id, checked_at) values ($1, $2) \
         on conflict (source_id) do update set checked_at = excluded.checked_at"
    )
    .bind(source_id)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Compiled URL sources not looked at since `before` (never-looked-at first, then the longest
/// ago), at most `limit`.
pub async fn due(db: &Db, before: DateTime<Utc>, limit: i64) -> DbResult<Vec<DueSource>> {
    type Row = (SourceId, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(
        "select s.id, s.url, s.content_hash, c.etag, c.last_modified \
         from sources s left join source_checks c on c.source_id = s.id \
         where s.kind = 'url' and s.url is not null and s.content_hash is not null \
           and s.duplicate_of is null and (c.checked_at is null or c.checked_at < $1) \
         order by c.checked_at is not null, c.checked_at, s.id limit $2"
    )
    .bind(before)
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(source_id, url, content_hash, etag, last_modified)| DueSource {
                source_id,
                url,
                content_hash,
                validators: Validators {
                    etag,
                    last_modified,
                },
            },
        )
        .collect())
}

/// Pages compiled from a URL source whose content changed upstream.
pub async fn changed_upstream(db: &Db) -> DbResult<Vec<ChangedUpstream>> {
    type Row = (
        ArticleId,
        String,
        String,
        i32,
        SourceId,
        String,
        String,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(
        "select a.id, a.slug, a.title, a.version, s.id, s.url, c.upstream_hash, c.changed_at \
         from source_checks c join sources s on s.id = c.source_id \
         join article_sources x on x.source_id = s.id join articles a on a.id = x.article_id \
         where c.upstream_hash is not null and c.changed_at is not null and s.url is not null \
           and a.page_type = 'source' \
         order by lower(a.title), a.id, s.id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, slug, title, version, source_id, url, upstream_hash, changed_at)| {
                ChangedUpstream {
                    page: PageAt {
                        id,
                        slug,
                        title,
                        version,
                    },
                    source_id,
                    url,
                    upstream_hash,
                    changed_at,
                }
            },
        )
        .collect())
}

/// Pages another page says it supersedes: (the older page, the page superseding it).
pub async fn superseded(db: &Db) -> DbResult<Vec<(PageAt, PageAt)>> {
    let rows: Vec<PagePairRow> = on_db!(db, |p| sqlx::query_as(
        "select o.id, o.slug, o.title, o.version, n.id, n.slug, n.title, n.version \
         from links l join articles o on o.id = l.to_article_id \
         join articles n on n.id = l.from_article_id \
         where l.relation_type = 'supersedes' and o.id <> n.id \
         order by lower(o.title), o.id, n.id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(page_pair).collect())
}
