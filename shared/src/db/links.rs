//! Queries on links between articles: both directions, and re-resolution of links whose
//! target did not exist when they were written.

use uuid::Uuid;

use super::articles::LinkWrite;
use super::{BeginWrite, Db, DbError, DbResult};
use crate::compile::RelationType;
use crate::domain::{ArticleId, LinkRef};
use crate::on_db;

/// Links from other articles to this one.
pub async fn incoming(db: &Db, article_id: ArticleId) -> DbResult<Vec<LinkRef>> {
    let rows: Vec<(ArticleId, String, String, String, Option<String>)> =
        on_db!(db, |p| sqlx::query_as(
            "select a.id, a.slug, a.title, l.relation_type, l.mention from links l \
         join articles a on a.id = l.from_article_id where l.to_article_id = $1 \
         order by lower(a.title), a.id, l.relation_type = 'references', l.relation_type"
        )
        .bind(article_id)
        .fetch_all(p)
        .await)?;
    // An article naming this one twice (by its title and by a name a merge gave it) links in
    // once, with its most specific relation.
    let mut rows = rows;
    rows.dedup_by_key(|row| row.0);
    rows.into_iter()
        .map(|(id, slug, title, rel, mention)| {
            Ok(LinkRef {
                article_id: Some(id),
                slug: Some(slug),
                title,
                relation_type: rel.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?,
                resolved: true,
                mention,
            })
        })
        .collect()
}

/// A link row: target id, slug and title when resolved, the link text and relation.
type OutgoingRow = (
    Option<ArticleId>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);

/// Links from this article, resolved or not.
pub async fn outgoing(db: &Db, article_id: ArticleId) -> DbResult<Vec<LinkRef>> {
    let rows: Vec<OutgoingRow> = on_db!(db, |p| sqlx::query_as(
        "select a.id, a.slug, a.title, l.target_text, l.relation_type, l.mention from links l \
         left join articles a on a.id = l.to_article_id where l.from_article_id = $1 \
         order by l.created_at, l.target_text"
    )
    .bind(article_id)
    .fetch_all(p)
    .await)?;
    rows.into_iter()
        .map(|(id, slug, title, text, rel, mention)| {
            Ok(LinkRef {
                resolved: id.is_some(),
                article_id: id,
                slug,
                title: title.unwrap_or(text),
                relation_type: rel.parse().map_err(|e| DbError::Corrupt(format!("{e}")))?,
                mention,
            })
        })
        .collect()
}

/// The text and key of every link of `from` that resolves to no page yet.
pub async fn unresolved_of(db: &Db, from: ArticleId) -> DbResult<Vec<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "select target_text, target_key from links \
         where from_article_id = $1 and to_article_id is null order by target_key"
    )
    .bind(from)
    .fetch_all(p)
    .await)?)
}

/// Points `from`'s unresolved link by `key` at `to`; true when it changed.
pub async fn point(db: &Db, from: ArticleId, key: &str, to: ArticleId) -> DbResult<bool> {
    let changed = on_db!(db, |p| sqlx::query(
        "update links set to_article_id = $3 \
         where from_article_id = $1 and target_key = $2 and to_article_id is null"
    )
    .bind(from)
    .bind(key)
    .bind(to)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed > 0)
}

/// Points every unresolved link whose key is one of `keys` at `article_id`; returns the ids of
/// the articles whose links changed.
pub async fn resolve_pending(
    db: &Db,
    article_id: ArticleId,
    keys: &[String],
) -> DbResult<Vec<ArticleId>> {
    let mut changed = Vec::new();
    for key in keys {
        let rows: Vec<(ArticleId,)> = on_db!(db, |p| {
            sqlx::query_as(
            "update links set to_article_id = $1 where to_article_id is null and target_key = $2 \
             and from_article_id <> $1 returning from_article_id"
        )
        .bind(article_id)
        .bind(key)
        .fetch_all(p)
        .await
        })?;
        changed.extend(rows.into_iter().map(|(id,)| id));
    }
    changed.sort();
    changed.dedup();
    Ok(changed)
}

/// Adds one link from `from`, unless it already links by that key or to that article; true
/// when added.
pub async fn add(db: &Db, from: ArticleId, link: &LinkWrite) -> DbResult<bool> {
    let done = on_db!(db, |p| sqlx::query(
        "insert into links (id, from_article_id, target_text, target_key, to_article_id, \
         relation_type, origin, created_at, mention) \
         select $1, $2, $3, $4, $5, $6, $7, $8, $9 where $5 is null or not exists \
         (select 1 from links where from_article_id = $2 and to_article_id = $5) \
         on conflict (from_article_id, target_key) do nothing"
    )
    .bind(Uuid::now_v7())
    .bind(from)
    .bind(&link.target_text)
    .bind(&link.target_key)
    .bind(link.to_article_id)
    .bind(link.relation_type.as_str())
    .bind(link.origin)
    .bind(super::now())
    .bind(link.mention.as_deref())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Makes `from` link to `to` with `relation`, as the inverse of `to`'s own link: a link
/// `from` already has to `to` (or by `to`'s name) takes the relation, or a new one is added.
/// Marked `inverse`, so recompiling `from` keeps it. True when a link changed or was added.
pub async fn link_back(
    db: &Db,
    from: ArticleId,
    to: ArticleId,
    to_title: &str,
    relation: RelationType,
) -> DbResult<bool> {
    let key = crate::compile::normalize_title(to_title);
    let changed = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let updated = sqlx::query(
            "update links set relation_type = $3, origin = 'inverse' \
             where from_article_id = $1 and to_article_id = $2 and relation_type <> $3",
        )
        .bind(from)
        .bind(to)
        .bind(relation.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // No link to the page yet: add one, or point a link by its name (unresolved, or
        // resolved elsewhere) at it.
        let added = sqlx::query(
            "insert into links (id, from_article_id, target_text, target_key, to_article_id, \
             relation_type, origin, created_at) \
             select $1, $2, $3, $4, $5, $6, 'inverse', $7 where not exists \
             (select 1 from links where from_article_id = $2 and to_article_id = $5) \
             on conflict (from_article_id, target_key) do update set \
             to_article_id = excluded.to_article_id, relation_type = excluded.relation_type, \
             origin = 'inverse'",
        )
        .bind(Uuid::now_v7())
        .bind(from)
        .bind(to_title)
        .bind(&key)
        .bind(to)
        .bind(relation.as_str())
        .bind(super::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        updated + added
    });
    Ok(changed > 0)
}

/// The number of links in the wiki that have no target yet.
pub async fn unresolved_count(db: &Db) -> DbResult<i64> {
    let (n,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select count(*) from links where to_article_id is null"
    )
    .fetch_one(p)
    .await)?;
    Ok(n)
}

/// A link as the vault file shows it: the key it was written with, the article it resolves
/// to (slug and title) if any, and its relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub target_key: String,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub relation_type: String,
}

/// Every link from this article, in the order they were written.
pub async fn targets(db: &Db, article_id: ArticleId) -> DbResult<Vec<LinkTarget>> {
    let rows: Vec<(String, Option<String>, Option<String>, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "select l.target_key, a.slug, a.title, l.relation_type from links l \
             left join articles a on a.id = l.to_article_id where l.from_article_id = $1 \
             order by l.created_at, l.target_text",
        )
        .bind(article_id)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(target_key, slug, title, relation_type)| LinkTarget {
            target_key,
            slug,
            title,
            relation_type,
        })
        .collect())
}
