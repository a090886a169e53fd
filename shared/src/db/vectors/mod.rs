//! Passage embeddings (`search_vectors`): which passages still need one for a model, storing
//! them, and finding the passages nearest to a question's vector in the database, so no
//! process holds the wiki's vectors in memory.
//!
//! On SQLite every vector is also in a sqlite-vec `vec0` table of its dimension
//! (`search_vectors_f32_<n>`), kept by triggers on `search_vectors` the way an index is kept
//! (written with the row, gone with it), and searched there (`sqlite_vec`). On PostgreSQL with
//! the pgvector extension each model's vectors have an HNSW index (`pgvector`); without it the
//! vectors are read in a stream and only the best `k` are kept (`top_k`).

use std::collections::BTreeSet;

use futures::TryStreamExt;
use serde::Serialize;

use super::{Db, DbResult};
use crate::embed::vector;
use top_k::TopK;

mod pgvector;
mod sqlite_vec;
mod top_k;

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
    // Each dimension's index exists before the first vector of it arrives (on SQLite its
    // trigger files that vector too).
    let dimensions: BTreeSet<usize> = embedded.iter().map(|(_, v)| v.len()).collect();
    Ok(match db {
        Db::Sqlite(p) => {
            for &n in &dimensions {
                sqlite_vec::ensure_table(p, n).await?;
            }
            store_in!(p, |embedding| vector::to_blob(embedding))
        }
        Db::Postgres(p) => {
            if pgvector::version(p).await?.is_some() {
                for &n in &dimensions {
                    pgvector::ensure_index(p, model, n).await;
                }
            }
            store_in!(p, |embedding| *embedding)
        }
    })
}

/// Orders `(id, similarity)` pairs best first, ties to the lower id: every way of finding
/// nearest passages returns them in this order.
fn best_first(a: &(i64, f32), b: &(i64, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// `(id, cosine distance)` rows as `(id, similarity)`, best first.
fn by_similarity(rows: Vec<(i64, f64)>) -> Vec<(i64, f32)> {
    // Cosine distance is one minus the similarity.
    let mut nearest: Vec<(i64, f32)> = rows
        .into_iter()
        .map(|(id, distance)| (id, (1.0 - distance) as f32))
        .collect();
    nearest.sort_by(best_first);
    nearest
}

/// Whether any passage has a vector for `model` (a question is not embedded for nothing).
pub async fn any(db: &Db, model: &str) -> DbResult<bool> {
    let (found,): (bool,) = crate::on_db!(db, |p| sqlx::query_as(
        "select exists (select 1 from search_vectors where model = $1)"
    )
    .bind(model)
    .fetch_one(p)
    .await)?;
    Ok(found)
}

/// The `k` passages whose `model` vectors are most similar to `query` (a unit vector), best
/// first, with their cosine similarity.
pub async fn nearest(db: &Db, model: &str, query: &[f32], k: usize) -> DbResult<Vec<(i64, f32)>> {
    match db {
        Db::Sqlite(p) => sqlite_vec::nearest(p, model, query, k).await,
        Db::Postgres(p) if pgvector::version(p).await?.is_some() => {
            pgvector::nearest(p, model, query, k).await
        }
        Db::Postgres(p) => {
            let mut best = TopK::new(k);
            let mut rows = sqlx::query_as::<_, (i64, Vec<f32>)>(
                "select chunk_id, vector from search_vectors where model = $1",
            )
            .bind(model)
            .fetch(p);
            while let Some((chunk_id, stored)) = rows.try_next().await? {
                best.offer(chunk_id, vector::dot(query, &stored));
            }
            Ok(best.into_sorted())
        }
    }
}

/// How nearest passages are found on this database, for readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "index", rename_all = "snake_case")]
pub enum VectorSearch {
    /// sqlite-vec's `vec0` tables, searched inside SQLite.
    SqliteVec { version: String },
    /// pgvector on PostgreSQL: vectors compared in the server, through an HNSW index per
    /// model (approximate nearest neighbours) once it is built; models of more than 2,000
    /// dimensions, which HNSW cannot index, are compared exactly.
    Pgvector { version: String },
    /// Every vector read in a stream, the best kept: exact, memory bounded by `k`, time
    /// growing with the number of vectors (PostgreSQL without the pgvector extension).
    ExactScan,
}

/// Which [`VectorSearch`] this database offers (and, on SQLite, that sqlite-vec answers).
pub async fn search_path(db: &Db) -> DbResult<VectorSearch> {
    Ok(match db {
        Db::Sqlite(p) => {
            let (version,): (String,) = sqlx::query_as("select vec_version()").fetch_one(p).await?;
            VectorSearch::SqliteVec { version }
        }
        Db::Postgres(p) => match pgvector::version(p).await? {
            Some(version) => VectorSearch::Pgvector { version },
            None => VectorSearch::ExactScan,
        },
    })
}

/// Indexes the vectors already stored, when migrations run: on SQLite each dimension gets its
/// `vec0` table (vectors stored before sqlite-vec kept them); on PostgreSQL the pgvector
/// extension is created when the server offers it and each model gets its index. Reads one
/// vector per model, so it costs little once done.
pub async fn backfill(db: &Db) -> DbResult<()> {
    // The models come from the (model, seq) index; one vector of each gives its dimension.
    let models: Vec<String> = crate::on_db!(db, |p| sqlx::query_scalar(
        "select distinct model from search_vectors"
    )
    .fetch_all(p)
    .await)?;
    match db {
        Db::Sqlite(p) => {
            for model in models {
                let n: Option<i64> = sqlx::query_scalar(
                    "select length(vector) / 4 from search_vectors where model = $1 limit 1",
                )
                .bind(&model)
                .fetch_optional(p)
                .await?;
                sqlite_vec::ensure_table(p, usize::try_from(n.unwrap_or(0)).unwrap_or(0)).await?;
            }
        }
        Db::Postgres(p) => {
            if pgvector::create_if_offered(p).await?.is_none() {
                return Ok(());
            }
            for model in models {
                let n: Option<Option<i32>> = sqlx::query_scalar(
                    "select array_length(vector, 1) from search_vectors where model = $1 limit 1",
                )
                .bind(&model)
                .fetch_optional(p)
                .await?;
                let n = n
                    .flatten()
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(0);
                pgvector::ensure_index(p, &model, n).await;
            }
        }
    }
    Ok(())
}
