//! Queries on sources.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Db, DbError, DbResult, now};
use crate::domain::{
    ArticleId, JobId, JobKind, Order, Source, SourceId, SourceKind, SourceSort, SourceStatus,
};
use crate::on_db;

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: SourceId,
    kind: String,
    title: Option<String>,
    url: Option<String>,
    author: Option<String>,
    published: Option<String>,
    status: String,
    error: Option<String>,
    content_hash: Option<String>,
    original_ext: Option<String>,
    original_mime: Option<String>,
    byte_size: Option<i64>,
    page_count: Option<i32>,
    duplicate_of: Option<SourceId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    compiled_at: Option<DateTime<Utc>>,
}

impl SourceRow {
    fn into_source(self, article_ids: Vec<ArticleId>) -> DbResult<Source> {
        Ok(Source {
            id: self.id,
            kind: self
                .kind
                .parse()
                .map_err(|e| DbError::Corrupt(format!("{e}")))?,
            title: self.title,
            url: self.url,
            author: self.author,
            published: self.published,
            status: self
                .status
                .parse()
                .map_err(|e| DbError::Corrupt(format!("{e}")))?,
            error: self.error,
            content_hash: self.content_hash,
            original_mime: self.original_mime,
            byte_size: self.byte_size,
            page_count: self.page_count,
            duplicate_of: self.duplicate_of,
            created_at: self.created_at,
            updated_at: self.updated_at,
            compiled_at: self.compiled_at,
            article_ids,
            original_ext: self.original_ext,
        })
    }
}

const COLUMNS: &str = "id, kind, title, url, author, published, status, error, content_hash, \
     original_ext, original_mime, byte_size, page_count, duplicate_of, created_at, updated_at, compiled_at";

/// What the gateway knows about a new source when it accepts it.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub id: SourceId,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub url: Option<String>,
    pub content_hash: Option<String>,
    /// SHA-256 of the uploaded bytes, so the same file is recognised before extraction.
    pub original_hash: Option<String>,
    pub original_ext: Option<String>,
    pub original_mime: Option<String>,
    pub byte_size: Option<i64>,
}

/// Inserts a `pending` source and its first queued job in one transaction, so a source is
/// never stored without the work that will process it.
#[tracing::instrument(skip_all, fields(source_id = %new.id), err)]
pub async fn insert_with_job(
    db: &Db,
    new: &NewSource,
    job_id: JobId,
    job_kind: JobKind,
) -> DbResult<Source> {
    let ts = now();
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        sqlx::query(
            "insert into sources (id, kind, title, url, status, content_hash, original_ext, \
             original_mime, byte_size, created_at, updated_at, original_hash) \
             values ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(new.id)
        .bind(new.kind.as_str())
        .bind(&new.title)
        .bind(&new.url)
        .bind(&new.content_hash)
        .bind(&new.original_ext)
        .bind(&new.original_mime)
        .bind(new.byte_size)
        .bind(ts)
        .bind(&new.original_hash)
        .execute(&mut *tx)
        .await?;
        sqlx::query(super::jobs::INSERT_QUEUED)
            .bind(job_id)
            .bind(job_kind.as_str())
            .bind(Some(new.id))
            .bind(ts)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    get(db, new.id).await
}

/// One source with the ids of its articles.
pub async fn get(db: &Db, id: SourceId) -> DbResult<Source> {
    let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from sources where id = $1"));
    let row: SourceRow = on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?;
    let ids = article_ids(db, id).await?;
    row.into_source(ids)
}

/// The ids of the articles compiled from a source (concept pages citing it are not).
pub async fn article_ids(db: &Db, source_id: SourceId) -> DbResult<Vec<ArticleId>> {
    let mut by_source = article_ids_of(db, &[source_id]).await?;
    Ok(by_source.remove(&source_id).unwrap_or_default())
}

/// The articles compiled from each of these sources (concept pages left out), oldest first, in
/// a bounded number of statements whatever the number of sources.
async fn article_ids_of(
    db: &Db,
    source_ids: &[SourceId],
) -> DbResult<std::collections::HashMap<SourceId, Vec<ArticleId>>> {
    let mut rows: Vec<(SourceId, ArticleId, DateTime<Utc>)> = super::rows_for_ids(
        db,
        "select s.source_id, a.id, a.created_at from article_sources s \
         join articles a on a.id = s.article_id where a.page_type <> 'concept' and s.source_id",
        source_ids,
    )
    .await?;
    rows.sort_by_key(|&(_, id, created_at)| (created_at, id));
    let mut by_source: std::collections::HashMap<SourceId, Vec<ArticleId>> =
        std::collections::HashMap::new();
    for (source, article, _) in rows {
        by_source.entry(source).or_default().push(article);
    }
    Ok(by_source)
}

/// The source whose clean text has this hash, if any.
pub async fn find_by_hash(db: &Db, hash: &str) -> DbResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from sources where content_hash = $1"
    ));
    let row: Option<SourceRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(hash)
        .fetch_optional(p)
        .await)?;
    match row {
        Some(row) => {
            let ids = article_ids(db, row.id).await?;
            row.into_source(ids).map(Some)
        }
        None => Ok(None),
    }
}

/// A source whose original bytes have this hash, if any.
pub async fn find_by_original_hash(db: &Db, hash: &str) -> DbResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from sources where original_hash = $1 and duplicate_of is null \
         order by created_at limit 1"
    ));
    let row: Option<SourceRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(hash)
        .fetch_optional(p)
        .await)?;
    match row {
        Some(row) => {
            let ids = article_ids(db, row.id).await?;
            row.into_source(ids).map(Some)
        }
        None => Ok(None),
    }
}

/// The most recent source fetched from exactly this URL that did not fail.
pub async fn find_live_by_url(db: &Db, url: &str) -> DbResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from sources where url = $1 and status <> 'failed' \
         order by created_at desc limit 1"
    ));
    let row: Option<SourceRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(url)
        .fetch_optional(p)
        .await)?;
    match row {
        Some(row) => {
            let ids = article_ids(db, row.id).await?;
            row.into_source(ids).map(Some)
        }
        None => Ok(None),
    }
}

/// A page of sources in `order`, optionally of one status, and how many there are in all.
pub async fn list(
    db: &Db,
    status: Option<SourceStatus>,
    order: Order<SourceSort>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Source>, i64)> {
    let status = status.map(|s| s.as_str());
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from sources where ($1 is null or status = $1) \
         order by {by} {direction}, created_at desc, id limit $2 offset $3",
        by = match order.by {
            SourceSort::Created => "created_at",
            SourceSort::Updated => "updated_at",
            // Untitled sources last, whichever the direction.
            SourceSort::Title => "title is null, lower(title)",
            SourceSort::Status => "status",
        },
        direction = order.direction.as_str(),
    ));
    let rows: Vec<SourceRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let (total,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select count(*) from sources where ($1 is null or status = $1)"
    )
    .bind(status)
    .fetch_one(p)
    .await)?;
    // The page's articles in one go, not one statement per source.
    let ids: Vec<SourceId> = rows.iter().map(|r| r.id).collect();
    let mut articles = article_ids_of(db, &ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let ids = articles.remove(&row.id).unwrap_or_default();
        items.push(row.into_source(ids)?);
    }
    Ok((items, total))
}

/// Moves a source to a pipeline stage, clearing any previous error.
pub async fn set_status(db: &Db, id: SourceId, status: SourceStatus) -> DbResult<()> {
    let compiled_at = (status == SourceStatus::Compiled).then(now);
    on_db!(db, |p| sqlx::query(SET_STATUS)
        .bind(id)
        .bind(status.as_str())
        .bind(now())
        .bind(compiled_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A source's stage (`$2`) at `$3`, its error cleared; `$4` the compile time, when it is one.
pub(super) const SET_STATUS: &str = "update sources set status = $2, error = null, \
     updated_at = $3, compiled_at = coalesce($4, compiled_at) where id = $1";

/// Marks a source failed with a message for the person who submitted it.
pub(super) const SET_FAILED: &str =
    "update sources set status = 'failed', error = $2, updated_at = $3 where id = $1";

/// What extraction learned about a source.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub kind: Option<SourceKind>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub content_hash: String,
    pub original_ext: Option<String>,
    pub original_mime: Option<String>,
    pub byte_size: Option<i64>,
    pub page_count: Option<i32>,
}

/// Records extraction results. A title already given by the person is kept.
/// Fails with [`DbError::Conflict`] when another source already has this content.
pub async fn set_extracted(db: &Db, id: SourceId, x: &Extracted) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update sources set kind = coalesce($2, kind), title = coalesce(title, $3), \
         author = coalesce($4, author), published = coalesce($5, published), content_hash = $6, \
         original_ext = coalesce($7, original_ext), original_mime = coalesce($8, original_mime), \
         byte_size = coalesce($9, byte_size), page_count = coalesce($10, page_count), \
         updated_at = $11 where id = $1"
    )
    .bind(id)
    .bind(x.kind.map(|k| k.as_str()))
    .bind(&x.title)
    .bind(&x.author)
    .bind(&x.published)
    .bind(&x.content_hash)
    .bind(&x.original_ext)
    .bind(&x.original_mime)
    .bind(x.byte_size)
    .bind(x.page_count)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a source a duplicate of `existing` (`$2`) at `$3`: failed, saying so.
pub(super) const SET_DUPLICATE: &str = "update sources set status = 'failed', duplicate_of = $2, \
     error = 'the same content was already ingested', updated_at = $3 where id = $1";

/// Deletes a source row (articles keep existing unless deleted separately). A job of it that
/// waits (for the budget or a go-ahead) ends with it, rather than waiting for nothing.
pub async fn delete(db: &Db, id: SourceId) -> DbResult<()> {
    let at = now();
    let done = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        sqlx::query(
            "update job_runs set status = 'failed', error = 'the source was deleted', \
             finished_at = $2 where source_id = $1 and status in ('paused_budget', 'awaiting_approval')",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("delete from sources where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await.map(|()| done)
    })?;
    if done == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}
