//! Merging one article into another (Health's fix for a duplicate), in one transaction: the
//! survivor takes the other's sources, names, concepts, claims, passages and links, and
//! the links that pointed at the other now point at the survivor. Then the other goes.

use uuid::Uuid;

use super::super::{BeginWrite, Db, DbError, DbResult, now};
use crate::domain::ArticleId;
use crate::on_db;

/// A merge to make: `loser` folds into `survivor`, whose page becomes `page` (the snapshot of
/// its new version) and whose body gains `body_addition`.
#[derive(Debug, Clone)]
pub struct Merge<'a> {
    pub survivor: ArticleId,
    pub loser: ArticleId,
    /// The survivor's new page, the merged text included.
    pub page: &'a str,
    /// Appended to the survivor's body: the merged article's own text.
    pub body_addition: &'a str,
    /// The merged article's title, kept as one of the survivor's names.
    pub loser_title_key: &'a str,
}

/// What a merge changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    /// The survivor's new version.
    pub version: i32,
    /// Other articles whose links now point at the survivor (their files name it).
    pub redirected_from: Vec<ArticleId>,
}

/// Makes the merge; `NotFound` when either article no longer exists.
#[tracing::instrument(skip_all, fields(survivor = %m.survivor, loser = %m.loser), err)]
pub async fn merge_into(db: &Db, m: &Merge<'_>) -> DbResult<Merged> {
    let ts = now();
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let survivor: Option<(i32, String, String)> =
            sqlx::query_as("select version, title, summary from articles where id = $1")
                .bind(m.survivor)
                .fetch_optional(&mut *tx)
                .await?;
        let exists: Option<(i32,)> = sqlx::query_as("select version from articles where id = $1")
            .bind(m.loser)
            .fetch_optional(&mut *tx)
            .await?;
        let (Some((version, title, summary)), Some(_)) = (survivor, exists) else {
            return Err(DbError::NotFound);
        };
        let version = version + 1;

        // Names, sources and concepts: the survivor's own stay, the other's join them.
        for statement in [
            "insert into article_aliases (article_id, alias_key) \
             select $1, alias_key from article_aliases where article_id = $2 \
             on conflict (article_id, alias_key) do nothing",
            "insert into article_sources (article_id, source_id) \
             select $1, source_id from article_sources where article_id = $2 \
             on conflict (article_id, source_id) do nothing",
            "insert into article_concepts (article_id, concept_id) \
             select $1, concept_id from article_concepts where article_id = $2 \
             on conflict (article_id, concept_id) do nothing",
            "update conversations set filed_article_id = $1 where filed_article_id = $2",
        ] {
            sqlx::query(statement)
                .bind(m.survivor)
                .bind(m.loser)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "insert into article_aliases (article_id, alias_key) values ($1, $2) \
             on conflict (article_id, alias_key) do nothing",
        )
        .bind(m.survivor)
        .bind(m.loser_title_key)
        .execute(&mut *tx)
        .await?;

        // Claims the survivor does not already make follow it, after its own, with their
        // passages (and vectors) renumbered alike; the rest go with the other article.
        let (claim_offset, passage_offset): (i32, i32) = sqlx::query_as(
            "select (select coalesce(max(position), -1) + 1 from claims where article_id = $1), \
             (select coalesce(max(position), -1) + 1 from search_chunks where article_id = $1)",
        )
        .bind(m.survivor)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "update search_chunks set article_id = $1, title = $3, \
             position = position + $4, claim_position = claim_position + $5 \
             where article_id = $2 and (claim_position is null or claim_position in \
             (select position from claims c where c.article_id = $2 and c.text not in \
             (select text from claims where article_id = $1)))",
        )
        .bind(m.survivor)
        .bind(m.loser)
        .bind(&title)
        .bind(passage_offset)
        .bind(claim_offset)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update claims set article_id = $1, position = position + $3 \
             where article_id = $2 and text not in (select text from claims where article_id = $1)",
        )
        .bind(m.survivor)
        .bind(m.loser)
        .bind(claim_offset)
        .execute(&mut *tx)
        .await?;

        // Links: the survivor's links to the other would point at itself; the others'
        // links to it are redirected; its own links follow where the survivor has none by
        // that name.
        sqlx::query("delete from links where from_article_id = $1 and to_article_id = $2")
            .bind(m.survivor)
            .bind(m.loser)
            .execute(&mut *tx)
            .await?;
        let redirected_from: Vec<(ArticleId,)> = sqlx::query_as(
            "update links set to_article_id = $1 where to_article_id = $2 \
             and from_article_id <> $2 returning from_article_id",
        )
        .bind(m.survivor)
        .bind(m.loser)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "update links set from_article_id = $1 where from_article_id = $2 \
             and (to_article_id is null or to_article_id <> $1) \
             and target_key not in (select target_key from links where from_article_id = $1)",
        )
        .bind(m.survivor)
        .bind(m.loser)
        .execute(&mut *tx)
        .await?;

        sqlx::query(
            "update articles set body = body || $2, version = $3, updated_at = $4 where id = $1",
        )
        .bind(m.survivor)
        .bind(m.body_addition)
        .bind(version)
        .bind(ts)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into article_versions (id, article_id, version, title, summary, provider, content, created_at) \
             select $1, $2, $3, $4, $5, provider, $6, $7 from articles where id = $2",
        )
        .bind(Uuid::now_v7())
        .bind(m.survivor)
        .bind(version)
        .bind(&title)
        .bind(&summary)
        .bind(m.page)
        .bind(ts)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from articles where id = $1")
            .bind(m.loser)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut redirected_from: Vec<ArticleId> =
            redirected_from.into_iter().map(|(id,)| id).collect();
        redirected_from.sort_unstable();
        redirected_from.dedup();
        redirected_from.retain(|id| *id != m.survivor);
        Ok(Merged {
            version,
            redirected_from,
        })
    })
}
