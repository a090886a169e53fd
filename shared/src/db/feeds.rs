//! Feed subscriptions and the items seen in them. A feed is claimed by one worker at a time
//! for a poll (`claimed_until`), then scheduled again `poll_secs` later.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::SourceId;

use super::source_checks::Validators;
use super::{Db, DbResult, now};
use crate::on_db;

/// A subscription as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Feed {
    pub id: Uuid,
    pub url: String,
    /// The feed's own title, once polled.
    pub title: Option<String>,
    pub poll_secs: i64,
    pub next_poll_at: DateTime<Utc>,
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Why the last poll failed; `None` after a good one.
    pub last_error: Option<String>,
    /// Items seen so far (each became a source, or was one already).
    pub item_count: i64,
    pub created_at: DateTime<Utc>,
}

/// A feed claimed for a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueFeed {
    pub id: Uuid,
    pub url: String,
    pub validators: Validators,
}

const COLUMNS: &str = "f.id, f.url, f.title, f.poll_secs, f.next_poll_at, f.last_polled_at, \
     f.last_error, (select count(*) from feed_items i where i.feed_id = f.id) as item_count, \
     f.created_at";

/// Subscribes to `url`, due for its first poll at once. A URL already subscribed is a
/// conflict.
pub async fn insert(db: &Db, id: Uuid, url: &str, poll_secs: i64) -> DbResult<Feed> {
    let at = now();
    on_db!(db, |p| {
        sqlx::query(
        "insert into feeds (id, url, poll_secs, next_poll_at, created_at) values ($1, $2, $3, $4, $4)"
    )
    .bind(id)
    .bind(url)
    .bind(poll_secs)
    .bind(at)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    get(db, id).await
}

/// One feed.
pub async fn get(db: &Db, id: Uuid) -> DbResult<Feed> {
    let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from feeds f where f.id = $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(id)
        .fetch_one(p)
        .await)?)
}

/// Every feed, newest subscription first.
pub async fn list(db: &Db) -> DbResult<Vec<Feed>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from feeds f order by f.created_at desc, f.id"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
}

/// Unsubscribes; the sources its items became are kept. False when there was no such feed.
pub async fn delete(db: &Db, id: Uuid) -> DbResult<bool> {
    let n = on_db!(db, |p| sqlx::query("delete from feeds where id = $1")
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Makes a feed due now (a person asked for a poll).
pub async fn due_now(db: &Db, id: Uuid) -> DbResult<Feed> {
    let n = on_db!(db, |p| sqlx::query(
        "update feeds set next_poll_at = $2 where id = $1"
    )
    .bind(id)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(super::DbError::NotFound);
    }
    get(db, id).await
}

/// Claims the feed due longest ago for `lease`, unless another worker holds it.
pub async fn claim_due(db: &Db, lease: std::time::Duration) -> DbResult<Option<DueFeed>> {
    let at = now();
    let until = at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let due: Option<(Uuid,)> = on_db!(db, |p| sqlx::query_as(
        "select id from feeds where next_poll_at <= $1 \
         and (claimed_until is null or claimed_until < $1) order by next_poll_at limit 1"
    )
    .bind(at)
    .fetch_optional(p)
    .await)?;
    let Some((id,)) = due else {
        return Ok(None);
    };
    let claimed: Option<(String, Option<String>, Option<String>)> = on_db!(db, |p| {
        sqlx::query_as(
            "update feeds set claimed_until = $2 where id = $1 \
             and (claimed_until is null or claimed_until < $3) \
             returning url, etag, last_modified",
        )
        .bind(id)
        .bind(until)
        .bind(at)
        .fetch_optional(p)
        .await
    })?;
    Ok(claimed.map(|(url, etag, last_modified)| DueFeed {
        id,
        url,
        validators: Validators {
            etag,
            last_modified,
        },
    }))
}

/// How a poll ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollEnd<'a> {
    /// The validators of a full answer (a 304 keeps the stored ones).
    pub validators: Option<&'a Validators>,
    pub title: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// Records a poll and schedules the next one.
pub async fn finish_poll(db: &Db, id: Uuid, end: &PollEnd<'_>) -> DbResult<()> {
    let at = now();
    let next = at + poll_period(db, id).await?;
    let (replace, etag, last_modified) = match end.validators {
        Some(v) => (1i32, v.etag.clone(), v.last_modified.clone()),
        None => (0, None, None),
    };
    on_db!(db, |p| sqlx::query(
        "update feeds set claimed_until = null, last_polled_at = $2, last_error = $3, \
         title = coalesce($4, title), \
         etag = case when $5 = 1 then $6 else etag end, \
         last_modified = case when $5 = 1 then $7 else last_modified end, \
         next_poll_at = $8 where id = $1"
    )
    .bind(id)
    .bind(at)
    .bind(end.error)
    .bind(end.title)
    .bind(replace)
    .bind(etag)
    .bind(last_modified)
    .bind(next)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn poll_period(db: &Db, id: Uuid) -> DbResult<chrono::Duration> {
    let (secs,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select poll_secs from feeds where id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)?;
    Ok(chrono::Duration::seconds(secs.max(1)))
}

/// An item of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem<'a> {
    pub guid: &'a str,
    pub link: Option<&'a str>,
    pub title: Option<&'a str>,
    pub content: Option<&'a str>,
}

/// Records an item unless it was seen before; true when it is new.
pub async fn insert_item(db: &Db, feed_id: Uuid, item: &NewItem<'_>) -> DbResult<bool> {
    let n = on_db!(db, |p| sqlx::query(
        "insert into feed_items (feed_id, guid, link, title, content, created_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (feed_id, guid) do nothing"
    )
    .bind(feed_id)
    .bind(item.guid)
    .bind(item.link)
    .bind(item.title)
    .bind(item.content)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Forgets an item (it could not become a source; the next reading tries it again).
pub async fn forget_item(db: &Db, feed_id: Uuid, guid: &str) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from feed_items where feed_id = $1 and guid = $2"
    )
    .bind(feed_id)
    .bind(guid)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the source an item became.
pub async fn set_item_source(
    db: &Db,
    feed_id: Uuid,
    guid: &str,
    source_id: SourceId,
) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update feed_items set source_id = $3 where feed_id = $1 and guid = $2"
    )
    .bind(feed_id)
    .bind(guid)
    .bind(source_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The content of the feed entry a source came from, when it had some.
pub async fn entry_content_of(db: &Db, source_id: SourceId) -> DbResult<Option<String>> {
    let row: Option<(Option<String>,)> = on_db!(db, |p| sqlx::query_as(
        "select content from feed_items where source_id = $1 and content is not null limit 1"
    )
    .bind(source_id)
    .fetch_optional(p)
    .await)?;
    Ok(row.and_then(|(c,)| c))
}
