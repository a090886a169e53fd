//! sqlite-vec's `vec0` tables: one per dimension, `model` a partition key (so a search reads only
//! the model's vectors), kept in step with `search_vectors` by triggers.

use sqlx::{SqliteExecutor, SqlitePool};

use crate::db::{BeginWrite, DbResult};
use crate::embed::vector;

/// sqlite-vec answers at most this many neighbours per query.
const MAX_K: usize = 4096;

/// The longest vector a `vec0` column holds.
const MAX_DIMENSIONS: usize = 8192;

fn table(dimensions: usize) -> String {
    format!("search_vectors_f32_{dimensions}")
}

async fn exists<'e>(on: impl SqliteExecutor<'e>, table: &str) -> DbResult<bool> {
    let (exists,): (bool,) = sqlx::query_as(
        "select exists (select 1 from sqlite_master where type = 'table' and name = $1)",
    )
    .bind(table)
    .fetch_one(on)
    .await?;
    Ok(exists)
}

/// Creates the table of vectors of `dimensions` and its triggers if missing, filling it
/// from `search_vectors`, in one write transaction (so two processes cannot both create
/// it, and no vector stored meanwhile is missed).
pub(super) async fn ensure_table(pool: &SqlitePool, dimensions: usize) -> DbResult<()> {
    let table = table(dimensions);
    if dimensions == 0 || exists(pool, &table).await? {
        return Ok(());
    }
    if dimensions > MAX_DIMENSIONS {
        // Stored, not searchable by meaning: said once per store, not an error that would
        // waste the embeddings already paid for.
        tracing::warn!(
            dimensions,
            "sqlite-vec holds at most {MAX_DIMENSIONS} dimensions; these vectors are not searched"
        );
        return Ok(());
    }
    let mut tx = pool.begin_write().await?;
    // Another process may have created it since the look above.
    if exists(&mut *tx, &table).await? {
        return Ok(());
    }
    let bytes = dimensions * 4;
    // The dimension is a number this code formats, never text from outside.
    for statement in [
        format!(
            "create virtual table {table} using vec0(chunk_id integer primary key, \
             model text partition key, embedding float[{dimensions}] distance_metric=cosine)"
        ),
        format!(
            "create trigger {table}_insert after insert on search_vectors \
             when length(new.vector) = {bytes} begin \
             insert into {table} (chunk_id, model, embedding) \
             values (new.chunk_id, new.model, new.vector); end"
        ),
        format!(
            "create trigger {table}_delete after delete on search_vectors \
             when length(old.vector) = {bytes} begin \
             delete from {table} where chunk_id = old.chunk_id; end"
        ),
        format!(
            "insert into {table} (chunk_id, model, embedding) \
             select chunk_id, model, vector from search_vectors where length(vector) = {bytes}"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn nearest(
    pool: &SqlitePool,
    model: &str,
    query: &[f32],
    k: usize,
) -> DbResult<Vec<(i64, f32)>> {
    let table = table(query.len());
    if k == 0 || !exists(pool, &table).await? {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select chunk_id, distance from {table} \
         where embedding match $1 and k = $2 and model = $3 order by distance"
    )))
    .bind(vector::to_blob(query))
    .bind(i64::try_from(k.min(MAX_K)).unwrap_or(1))
    .bind(model)
    .fetch_all(pool)
    .await?;
    Ok(super::by_similarity(rows))
}
