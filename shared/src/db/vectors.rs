//! Passage embeddings (`search_vectors`): which passages still need one for a model, storing
//! them, and reading them back for the in-memory vector index.

use super::{Db, DbError, DbResult};
use crate::embed::vector;

/// A passage waiting for its embedding, with the text to embed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingPassage {
    pub id: i64,
    pub title: String,
    pub heading: String,
    pub content: String,
}

impl PendingPassage {
    /// What is embedded: the article title and section heading place the text.
    pub fn text(&self) -> String {
        let mut text = self.title.clone();
        if !self.heading.is_empty() {
            text.push('\n');
            text.push_str(&self.heading);
        }
        text.push('\n');
        text.push_str(&self.content);
        text
    }
}

/// One stored vector and its change marker.
#[derive(Debug, Clone)]
pub struct StoredVector {
    pub chunk_id: i64,
    pub seq: i64,
    pub vector: Vec<f32>,
}

/// Up to `limit` passages after passage `after` with no vector for `model`, in id order (a
/// pass walks the index once instead of rescanning what it already embedded).
pub async fn pending(
    db: &Db,
    model: &str,
    after: i64,
    limit: i64,
) -> DbResult<Vec<PendingPassage>> {
    Ok(crate::on_db!(db, |p| sqlx::query_as(
        "select c.id, c.title, c.heading, c.content from search_chunks c \
         where c.id > $2 and not exists \
         (select 1 from search_vectors v where v.chunk_id = c.id and v.model = $1) \
         order by c.id limit $3"
    )
    .bind(model)
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

/// How many passages have no vector for `model`.
pub async fn pending_count(db: &Db, model: &str) -> DbResult<i64> {
    let (n,): (i64,) = crate::on_db!(db, |p| sqlx::query_as(
        "select count(*) from search_chunks c \
         where not exists (select 1 from search_vectors v where v.chunk_id = c.id and v.model = $1)"
    )
    .bind(model)
    .fetch_one(p)
    .await)?;
    Ok(n)
}

/// Stores passages' vectors in one transaction, each unless its passage changed (or went)
/// since it was read: a recompile replaces passages, and their ids may be reused. Returns how
/// many were stored.
pub async fn store(
    db: &Db,
    model: &str,
    embedded: &[(&PendingPassage, &[f32])],
) -> DbResult<usize> {
    use super::BeginWrite;
    // Only the vector's type differs between the dialects: a blob, or `real[]`.
    macro_rules! store_in {
        ($pool:expr, |$embedding:ident| $vector:expr) => {{
            let mut tx = $pool.begin_write().await?;
            let mut stored = 0;
            for (passage, $embedding) in embedded {
                sqlx::query("delete from search_vectors where chunk_id = $1")
                    .bind(passage.id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query(
                    "insert into search_vectors (chunk_id, model, vector) select $1, $2, $3 \
                     where exists (select 1 from search_chunks where id = $1 and title = $4 \
                     and heading = $5 and content = $6)",
                )
                .bind(passage.id)
                .bind(model)
                .bind($vector)
                .bind(&passage.title)
                .bind(&passage.heading)
                .bind(&passage.content)
                .execute(&mut *tx)
                .await?;
                stored += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            tx.commit().await?;
            stored
        }};
    }
    Ok(match db {
        Db::Sqlite(p) => store_in!(p, |embedding| vector::to_blob(embedding)),
        Db::Postgres(p) => store_in!(p, |embedding| *embedding),
    })
}

/// `(count, max(seq))` of a model's vectors: changes whenever one is added or removed.
pub async fn fingerprint(db: &Db, model: &str) -> DbResult<(i64, i64)> {
    Ok(crate::on_db!(db, |p| sqlx::query_as(
        "select count(*), coalesce(max(seq), 0) from search_vectors where model = $1"
    )
    .bind(model)
    .fetch_one(p)
    .await)?)
}

/// Every `(chunk_id, seq)` of a model.
pub async fn markers(db: &Db, model: &str) -> DbResult<Vec<(i64, i64)>> {
    Ok(crate::on_db!(db, |p| sqlx::query_as(
        "select chunk_id, seq from search_vectors where model = $1"
    )
    .bind(model)
    .fetch_all(p)
    .await)?)
}

/// The vectors of a model with `seq` in `seqs` (all of them when `seqs` is `None`).
pub async fn load(db: &Db, model: &str, seqs: Option<&[i64]>) -> DbResult<Vec<StoredVector>> {
    match db {
        Db::Sqlite(p) => {
            let filter = seqs.map(|s| serde_json::to_string(s).unwrap_or_else(|_| "[]".into()));
            let rows: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(
                "select chunk_id, seq, vector from search_vectors where model = $1 \
                 and ($2 is null or seq in (select value from json_each($2)))",
            )
            .bind(model)
            .bind(filter)
            .fetch_all(p)
            .await?;
            rows.into_iter()
                .map(|(chunk_id, seq, blob)| {
                    let vector = vector::from_blob(&blob)
                        .ok_or_else(|| DbError::Corrupt(format!("vector of passage {chunk_id}")))?;
                    Ok(StoredVector {
                        chunk_id,
                        seq,
                        vector,
                    })
                })
                .collect()
        }
        Db::Postgres(p) => {
            let rows: Vec<(i64, i64, Vec<f32>)> = sqlx::query_as(
                "select chunk_id, seq, vector from search_vectors where model = $1 \
                 and ($2::bigint[] is null or seq = any($2))",
            )
            .bind(model)
            .bind(seqs)
            .fetch_all(p)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(chunk_id, seq, vector)| StoredVector {
                    chunk_id,
                    seq,
                    vector,
                })
                .collect())
        }
    }
}
