//! Queries on concepts.

use serde::Serialize;
use uuid::Uuid;

use super::{BeginWrite, Db, DbResult};
use crate::domain::ArticleId;
use crate::on_db;

/// A concept with the number of articles that carry it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConceptCount {
    pub name: String,
    pub display_name: String,
    pub article_count: i64,
}

/// The display names of an article's concepts, sorted.
pub async fn for_article(db: &Db, article_id: ArticleId) -> DbResult<Vec<String>> {
    // Through the batched read, so that a list and an article order names alike.
    let mut by_article = for_articles(db, &[article_id]).await?;
    Ok(by_article.remove(&article_id).unwrap_or_default())
}

/// The concepts' display names of each of these articles, sorted, in a bounded number of
/// statements whatever the number of articles (an article without concepts is absent).
pub async fn for_articles(
    db: &Db,
    article_ids: &[ArticleId],
) -> DbResult<std::collections::HashMap<ArticleId, Vec<String>>> {
    let rows: Vec<(ArticleId, String)> = super::rows_for_ids(
        db,
        "select ac.article_id, c.display_name from concepts c \
         join article_concepts ac on ac.concept_id = c.id where ac.article_id",
        article_ids,
    )
    .await?;
    let mut by_article: std::collections::HashMap<ArticleId, Vec<String>> =
        std::collections::HashMap::new();
    for (article, name) in rows {
        by_article.entry(article).or_default().push(name);
    }
    for names in by_article.values_mut() {
        names.sort();
    }
    Ok(by_article)
}

/// Every concept with its article count, most used first; concepts no article uses are left out.
pub async fn list_with_counts(db: &Db) -> DbResult<Vec<ConceptCount>> {
    let rows: Vec<(String, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "select c.name, c.display_name, count(ac.article_id) as n from concepts c \
         join article_concepts ac on ac.concept_id = c.id group by c.id, c.name, c.display_name \
         order by n desc, c.name"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, display_name, article_count)| ConceptCount {
            name,
            display_name,
            article_count,
        })
        .collect())
}

/// The display names of the concepts most articles other than `exclude` carry, at most
/// `limit`: what a compile prompt offers for reuse. The article being recompiled is left out,
/// so its own earlier concepts neither steer it nor change its prompt.
pub async fn names_in_use(
    db: &Db,
    exclude: Option<ArticleId>,
    limit: i64,
) -> DbResult<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select c.display_name from concepts c \
         join article_concepts ac on ac.concept_id = c.id where ac.article_id <> $1 \
         group by c.id, c.name, c.display_name order by count(*) desc, c.name limit $2"
    )
    .bind(exclude.map_or(Uuid::nil(), ArticleId::as_uuid))
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

/// Every (concept key, article) pair: which articles carry each concept, for nesting concepts
/// by co-occurrence.
pub async fn memberships(db: &Db) -> DbResult<Vec<(String, ArticleId)>> {
    let rows = on_db!(db, |p| sqlx::query_as(
        "select c.name, ac.article_id from concepts c \
         join article_concepts ac on ac.concept_id = c.id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// Gives every concept the key `key_of` makes of its display name, in one transaction: a
/// concept whose key another already has is merged into it (its articles move over), and one
/// that is no concept any more is removed. Run after migrations, so a wiki saved under an
/// older rule of identity meets the current one. Returns how many concepts changed.
pub async fn rekey(db: &Db, key_of: impl Fn(&str) -> Option<String>) -> DbResult<usize> {
    let rows: Vec<(Uuid, String, String)> = on_db!(db, |p| sqlx::query_as(
        "select id, name, display_name from concepts order by created_at, id"
    )
    .fetch_all(p)
    .await)?;
    let mut by_key: std::collections::HashMap<String, Uuid> = rows
        .iter()
        .map(|(id, name, _)| (name.clone(), *id))
        .collect();
    let changes: Vec<(Uuid, String, Option<String>)> = rows
        .into_iter()
        .filter_map(|(id, name, display)| {
            let key = key_of(&display);
            (key.as_deref() != Some(name.as_str())).then_some((id, name, key))
        })
        .collect();
    if changes.is_empty() {
        return Ok(0);
    }
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        for (id, name, key) in &changes {
            by_key.remove(name);
            let into = key.as_ref().and_then(|k| by_key.get(k).copied());
            match (key, into) {
                (Some(_), Some(into)) => {
                    sqlx::query(
                        "insert into article_concepts (article_id, concept_id) \
                         select article_id, $2 from article_concepts where concept_id = $1 \
                         on conflict (article_id, concept_id) do nothing",
                    )
                    .bind(id)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("delete from concepts where id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                (Some(key), None) => {
                    sqlx::query("update concepts set name = $2 where id = $1")
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    by_key.insert(key.clone(), *id);
                }
                (None, _) => {
                    sqlx::query("delete from concepts where id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
    });
    Ok(changes.len())
}

/// An article carrying a concept, as its concept page is written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptMember {
    pub article_id: ArticleId,
    pub version: i32,
}

/// A concept with what its page needs: its display name, its articles (concept pages not
/// counted, oldest first) and its page as last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptState {
    pub display_name: String,
    pub members: Vec<ConceptMember>,
    pub page_article_id: Option<ArticleId>,
    pub page_basis: Option<String>,
}

/// The state of the concept with this key, if it exists.
pub async fn state(db: &Db, key: &str) -> DbResult<Option<ConceptState>> {
    let concept: Option<(Uuid, String, Option<ArticleId>, Option<String>)> = on_db!(db, |p| {
        sqlx::query_as(
            "select id, display_name, page_article_id, page_basis from concepts where name = $1",
        )
        .bind(key)
        .fetch_optional(p)
        .await
    })?;
    let Some((id, display_name, page_article_id, page_basis)) = concept else {
        return Ok(None);
    };
    let members: Vec<(ArticleId, i32)> = on_db!(db, |p| {
        sqlx::query_as(
            "select a.id, a.version from article_concepts ac join articles a on a.id = ac.article_id \
             where ac.concept_id = $1 and a.page_type <> 'concept' order by a.created_at, a.id",
        )
        .bind(id)
        .fetch_all(p)
        .await
    })?;
    Ok(Some(ConceptState {
        display_name,
        members: members
            .into_iter()
            .map(|(article_id, version)| ConceptMember {
                article_id,
                version,
            })
            .collect(),
        page_article_id,
        page_basis,
    }))
}

/// Records the concept's page and the basis it was written from (`None`s when it has none).
pub async fn set_page(
    db: &Db,
    key: &str,
    page: Option<ArticleId>,
    basis: Option<&str>,
) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update concepts set page_article_id = $2, page_basis = $3 where name = $1"
    )
    .bind(key)
    .bind(page)
    .bind(basis)
    .execute(p)
    .await
    .map(drop))?;
    Ok(())
}

/// The keys of an article's concepts.
pub async fn keys_for_article(db: &Db, article_id: ArticleId) -> DbResult<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select c.name from concepts c join article_concepts ac on ac.concept_id = c.id \
         where ac.article_id = $1 order by c.name"
    )
    .bind(article_id)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(k,)| k).collect())
}

/// The set of shared concepts the model last arranged into a hierarchy, if it ever did.
pub async fn hierarchy_basis(db: &Db) -> DbResult<Option<String>> {
    let row: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select basis from concept_hierarchy where id = 1"
    )
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(b,)| b))
}

/// Records the model's hierarchy in one transaction: these (concept, parent) keys replace
/// every parent it gave before, and `basis` is the set it was asked about.
pub async fn set_model_parents(db: &Db, basis: &str, parents: &[(String, String)]) -> DbResult<()> {
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        sqlx::query("update concepts set model_parent = null where model_parent is not null")
            .execute(&mut *tx)
            .await?;
        for (key, parent) in parents {
            sqlx::query("update concepts set model_parent = $2 where name = $1")
                .bind(key)
                .bind(parent)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "insert into concept_hierarchy (id, basis) values (1, $1) \
             on conflict (id) do update set basis = excluded.basis",
        )
        .bind(basis)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Each (concept, parent) key pair the model gave.
pub async fn model_parents(db: &Db) -> DbResult<Vec<(String, String)>> {
    let rows = on_db!(db, |p| sqlx::query_as(
        "select name, model_parent from concepts where model_parent is not null"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows)
}
